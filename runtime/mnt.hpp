// Mount namespaces: private propagation and a private /proc.
#pragma once

namespace nsprobe::mnt {

// Async-signal-safe; runs between clone3() and _exit()/execve(). On a host whose / is shared
// (systemd), mounts in a new namespace would propagate back until / is made private.
int MakeMountsPrivateInChild();
// Async-signal-safe; runs between clone3() and _exit()/execve(). Must run inside the new pid
// namespace: /proc shows the pid namespace of the task that mounts it.
int MountProcInChild();

}  // namespace nsprobe::mnt
