// What the container runtimes' adapters share about the machine they start on: its cgroup
// layout (crun and podman behave differently on a hybrid one), a minimal root directory to hand
// a runtime that wants one, a private HOME and XDG_RUNTIME_DIR for a rootless runtime, and the
// removal of what a runtime leaves by design (a cgroup, a pid file's process).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "suites/sandbox/adapters.hpp"

namespace nsprobe::sandbox {

// stat -fc %T /sys/fs/cgroup: cgroup2fs is unified; a tmpfs with cgroup2 at unified/ is hybrid
// (systemd's layout), without it legacy.
enum class CgroupLayout { kUnified, kHybrid, kLegacy };
CgroupLayout HostCgroupLayout();
const char* CgroupLayoutName(CgroupLayout layout);

// A directory owned by the runtime's user (request.uid/gid), with its parents; throws.
std::string OwnedDir(const Request& request, const std::string& path, mode_t mode = 0755);

// A root directory at `path` for runtimes that want one of their own: empty mount points and,
// on a merged-/usr host, the /bin, /lib, /lib64, /sbin symlinks into usr/. Nothing is mounted
// here: the runtime binds MinimalRootBinds() read-only inside its own mount namespace.
std::string MinimalRoot(const Request& request, const std::string& path);
// The host directories a minimal root needs bound read-only: /usr (and /bin, /lib... where they
// are not symlinks), /etc, and the observer's own directory.
std::vector<std::string> MinimalRootBinds(const Request& request);

// `env HOME=<work>/home XDG_RUNTIME_DIR=<work>/run XDG_CONFIG_HOME=... XDG_DATA_HOME=...`,
// the directories made and owned by the runtime's user, so a rootless runtime writes only there.
std::vector<std::string> PrivateEnv(const Request& request);

// Removes every cgroup directory named `name` (with its children, deepest first) in every
// hierarchy under /sys/fs/cgroup; returns the paths that could not be removed.
std::vector<std::string> RemoveCgroupsNamed(const std::string& name);
// Removes the cgroup directory `top` with its children; returns what could not be removed.
std::vector<std::string> RemoveCgroupTree(const std::string& top);

// Sends SIGKILL to the process whose pid `pid_file` holds, when it is still there.
void KillPidFile(const std::string& pid_file);

}  // namespace nsprobe::sandbox
