#include "runtime/kind.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <stdexcept>

namespace nsprobe {
namespace {

using ::testing::HasSubstr;

TEST(Kind, EightKindsWithTheirCloneFlags) {
  EXPECT_EQ(AllKinds().size(), 8u);
  EXPECT_EQ(CloneFlag(Kind::kMnt), static_cast<std::uint64_t>(CLONE_NEWNS));
  EXPECT_EQ(CloneFlag(Kind::kUser), static_cast<std::uint64_t>(CLONE_NEWUSER));
  EXPECT_EQ(CloneFlag(Kind::kTime), 0x80u);
  EXPECT_EQ(Name(Kind::kCgroup), "cgroup");
  EXPECT_EQ(CloneFlagName(Kind::kMnt), "CLONE_NEWNS");
  EXPECT_EQ(Info(Kind::kTime).first_kernel, "5.6");
}

TEST(Kind, ParsesAListInCanonicalOrder) {
  KindSet s = ParseKinds("pid,net");
  EXPECT_TRUE(s.Has(Kind::kPid));
  EXPECT_TRUE(s.Has(Kind::kNet));
  EXPECT_EQ(s.Size(), 2);
  EXPECT_EQ(s.ToString(), "net,pid");
  EXPECT_EQ(s.CloneFlags(), static_cast<std::uint64_t>(CLONE_NEWPID | CLONE_NEWNET));
}

TEST(Kind, ParsesAllNoneSpacesAndDuplicates) {
  EXPECT_EQ(ParseKinds("all"), KindSet::All());
  EXPECT_EQ(ParseKinds("all").Size(), 8);
  EXPECT_EQ(ParseKinds("all").ToString(), "all");
  EXPECT_TRUE(ParseKinds("none").Empty());
  EXPECT_EQ(ParseKinds(" uts , uts,ipc "), (KindSet{Kind::kUts, Kind::kIpc}));
}

TEST(Kind, UnknownNameListsTheValidOnes) {
  try {
    ParseKinds("pid,bogus");
    FAIL() << "ParseKinds accepted 'bogus'";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("'bogus'"));
    EXPECT_THAT(e.what(), HasSubstr("mnt, uts, ipc, net, pid, user, cgroup, time, or all"));
  }
  EXPECT_THROW(ParseKinds(""), std::invalid_argument);
  EXPECT_THROW(ParseKinds("pid,,net"), std::invalid_argument);
  EXPECT_THROW(ParseKinds("PID"), std::invalid_argument);
}

}  // namespace
}  // namespace nsprobe
