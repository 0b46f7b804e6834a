// A private cgroup2 directory for one case, below this process's own cgroup: the cgroup
// namespace cases need a starting point that is not the hierarchy's root, and moving their
// children there takes write access to the cgroup2 hierarchy (root on the host).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace nsprobe::testing {

// This process's cgroup2 path ("/" or "/user.slice/..."), as /proc/self/cgroup's "0::" line
// shows it; empty when there is no such line.
std::string OwnCgroup2Path();

// A cgroup2 directory of our own below this process's cgroup, with sub-cgroups; removed with
// everything in it when destroyed (after the test's children are reaped).
class PrivateCgroup {
 public:
  PrivateCgroup();
  ~PrivateCgroup();
  PrivateCgroup(const PrivateCgroup&) = delete;
  PrivateCgroup& operator=(const PrivateCgroup&) = delete;

  // Empty when the cgroup exists; otherwise why not, for GTEST_SKIP.
  const std::string& Unavailable() const { return unavailable_; }
  // "" is the private cgroup itself, "a" or "a/inner" below it. Throws std::system_error.
  void MakeSub(const std::string& sub);
  // Moves a process of ours (host pid) into the sub-cgroup. Throws std::system_error.
  void Move(pid_t pid, const std::string& sub) const;
  // The path /proc/PID/cgroup shows from our cgroup namespace: "/nsprobe-cgroup-1-0/a".
  std::string Path(const std::string& sub = "") const {
    return sub.empty() ? path_ : path_ + "/" + sub;
  }
  // The directory in the cgroup2 mount we found: "/sys/fs/cgroup/nsprobe-cgroup-1-0/a".
  std::string Dir(const std::string& sub = "") const {
    return sub.empty() ? dir_ : dir_ + "/" + sub;
  }
  // Where that cgroup2 hierarchy is mounted, at its root: "/sys/fs/cgroup".
  const std::string& Mount() const { return mount_; }

 private:
  std::string unavailable_;
  std::string mount_;
  std::string path_;
  std::string dir_;
  std::vector<std::string> subs_;
};

}  // namespace nsprobe::testing
