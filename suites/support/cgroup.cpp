#include "suites/support/cgroup.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

#include "runtime/fd.hpp"
#include "runtime/proc_files.hpp"

namespace nsprobe::testing {
namespace {

std::string Errno(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : std::to_string(err);
}

void Remove(const std::string& dir) {
  // A reaped child leaves its cgroup at exit, but the kernel may still be unlinking it:
  // EBUSY is retried for a bounded moment.
  for (int i = 0; i < 500; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ADD_FAILURE() << "rmdir(" << dir << "): " << Errno(errno);
}

}  // namespace

std::string OwnCgroup2Path() {
  for (const proc::CgroupLine& l : proc::ParseCgroup(ReadFile("/proc/self/cgroup")))
    if (l.hierarchy == 0) return l.path;
  return "";
}

PrivateCgroup::PrivateCgroup() {
  for (const proc::MountInfo& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo")))
    if (m.fstype == "cgroup2" && m.root == "/") {
      mount_ = m.mount_point;
      break;
    }
  if (mount_.empty()) {
    unavailable_ = "unsupported: no cgroup2 hierarchy is mounted (/proc/self/mountinfo)";
    return;
  }
  std::string own = OwnCgroup2Path();
  static std::atomic<int> counter{0};
  path_ = fmt::format("{}/nsprobe-cgroup-{}-{}", own == "/" ? "" : own, ::getpid(), counter++);
  dir_ = mount_ + path_;
  if (::mkdir(dir_.c_str(), 0755) != 0)
    unavailable_ = fmt::format(
        "privilege: mkdir({}) gave {}: a private cgroup for this case needs write access to "
        "the cgroup2 hierarchy (root on the host)",
        dir_, Errno(errno));
}

PrivateCgroup::~PrivateCgroup() {
  if (!unavailable_.empty()) return;
  for (auto it = subs_.rbegin(); it != subs_.rend(); ++it) Remove(dir_ + "/" + *it);
  Remove(dir_);
}

void PrivateCgroup::MakeSub(const std::string& sub) {
  std::string dir = dir_ + "/" + sub;
  if (::mkdir(dir.c_str(), 0755) != 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("mkdir({})", dir));
  subs_.push_back(sub);
}

void PrivateCgroup::Move(pid_t pid, const std::string& sub) const {
  WriteFileOrThrow(Dir(sub) + "/cgroup.procs", std::to_string(pid));
}

}  // namespace nsprobe::testing
