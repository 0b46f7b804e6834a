#include "suites/support/hygiene.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "runtime/fd.hpp"

namespace nsprobe::testing {

std::set<int> OpenFds() {
  std::set<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != ::dirfd(dir)) fds.insert(fd);
  }
  ::closedir(dir);
  return fds;
}

std::set<int> ChildPids() {
  // /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN, which not every kernel has:
  // scan every process's parent instead.
  std::set<int> pids;
  const int self = ::getpid();
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return pids;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string stat;
    if (!TryReadFile(fmt::format("/proc/{}/stat", e->d_name), stat)) continue;
    std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream in(stat.substr(paren + 1));
    char state = 0;
    int ppid = 0;
    if (in >> state >> ppid && ppid == self) pids.insert(std::atoi(e->d_name));
  }
  ::closedir(dir);
  return pids;
}

void NoLeaksTest::SetUp() { fds_before_ = OpenFds(); }

void NoLeaksTest::TearDown() {
  EXPECT_EQ(OpenFds(), fds_before_) << "descriptors leaked by the test";
  std::set<int> children = ChildPids();
  EXPECT_TRUE(children.empty()) << fmt::format("children left behind: {}", children);
}

}  // namespace nsprobe::testing
