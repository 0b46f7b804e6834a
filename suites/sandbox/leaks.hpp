// What a sandbox runtime leaves on the host after its run, seen by diffing the host before and
// after: mounts in the host's mount table that name the run (its directory, its container
// name) or sit where runtimes mount (/, /proc, /run/netns, /run/containers, ...); processes
// whose command line or environment names the run (conmon, a podman pause process, a
// container's init); cgroups named for the run or by a runtime (libpod_parent); network
// namespaces, nspawn propagation directories, firejail sandboxes, CNI state; host links a
// runtime makes (cni-*, podman*). Other builders share this machine, so only what names the run
// or a runtime counts: a stranger's mount elsewhere is not this run's leak.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace nsprobe::sandbox {

struct Leak {
  std::string what;  // "mount 412 on /run/netns (nsfs)", "process 5121: conmon ...", ...
  int mount_id = 0;  // when a mount: its id, and where, to remove it
  std::string mount_point;
  pid_t pid = 0;     // when a process
  std::string path;  // when a cgroup directory
};

// The processes other than this one whose command line or environment holds one of `markers`.
std::vector<pid_t> ProcessesNaming(const std::vector<std::string>& markers);

class LeakWatch {
 public:
  // `markers`: strings only this run's objects carry (its private directory, its name).
  explicit LeakWatch(std::vector<std::string> markers);
  // What is there now and was not at construction. Processes get up to `grace` to go first
  // (podman's cleanup and a runtime's reaper run after the runtime itself has returned).
  std::vector<Leak> Leaks(std::chrono::milliseconds grace = std::chrono::seconds(10)) const;
  // Removes them: mounts detached, processes killed, cgroup directories removed.
  static void Remove(const std::vector<Leak>& leaks);

 private:
  std::vector<std::string> markers_;
  std::set<int> mounts_;
  std::set<pid_t> pids_;
  std::set<std::string> paths_;  // runtime state entries and cgroups
};

}  // namespace nsprobe::sandbox
