// A test leaves nothing behind: no descriptor, no child, no zombie.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace nsprobe::testing {

// The descriptors this process holds (from /proc/self/fd), excluding the one used to read it.
std::set<int> OpenFds();
// Pids of this process's children, living or zombie.
std::set<int> ChildPids();

// Fixture base: records descriptors and children before each test, and fails the test if
// any are left after it.
class NoLeaksTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // For a descriptor the fixture opened before SetUp and closes before TearDown.
  void ExemptFromLeakCheck(int fd) { fds_before_.erase(fd); }

 private:
  std::set<int> fds_before_;
};

}  // namespace nsprobe::testing
