// Network namespaces: the loopback device.
#pragma once

namespace nsprobe::net {

// Async-signal-safe; runs between clone3() and _exit()/execve(). A new network namespace has
// only `lo`, and it is down (network_namespaces(7)).
int BringLoopbackUpInChild();

}  // namespace nsprobe::net
