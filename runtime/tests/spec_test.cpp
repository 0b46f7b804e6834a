#include "runtime/spec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/launch.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;

// Validate() must throw std::invalid_argument whose message names `field`.
void ExpectInvalid(const Spec& spec, const std::string& field) {
  try {
    spec.Validate();
    ADD_FAILURE() << "Validate accepted a spec with a bad " << field;
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(field));
  }
}

Spec WithKinds(std::initializer_list<Kind> kinds) {
  Spec s;
  s.kinds = KindSet(kinds);
  return s;
}

TEST(Spec, MinimalSpecsAreValid) {
  EXPECT_NO_THROW(Spec{}.Validate());
  Spec full = WithKinds({Kind::kUser, Kind::kUts, Kind::kPid, Kind::kMnt, Kind::kNet, Kind::kTime});
  full.map_root = true;
  full.hostname = std::string(64, 'h');  // the kernel's limit is 64 bytes
  full.mount_proc = full.loopback_up = true;
  full.monotonic_offset = TimeOffset{10, 0};
  full.working_directory = "/";
  EXPECT_NO_THROW(full.Validate());
}

TEST(Spec, HostnameOver64Bytes) {
  Spec s = WithKinds({Kind::kUts});
  s.hostname = std::string(65, 'h');
  ExpectInvalid(s, "hostname");
  s.hostname.reset();
  s.domainname = std::string(65, 'd');
  ExpectInvalid(s, "domainname");
}

TEST(Spec, HostnameWithoutUtsWouldRenameTheHost) {
  Spec s = WithKinds({Kind::kNet});
  s.hostname = "inner";
  ExpectInvalid(s, "hostname");
}

TEST(Spec, IdMapsNeedUser) {
  Spec s = WithKinds({Kind::kUts});
  s.map_root = true;
  ExpectInvalid(s, "uid/gid map");
}

TEST(Spec, IdMapRangesMustNotOverlap) {
  Spec s = WithKinds({Kind::kUser});
  s.uid_map = ParseIdMap("0 1000 10,5 2000 10");
  ExpectInvalid(s, "uid_map");
  s.uid_map = ParseIdMap("0 1000 10,100 1005 10");
  ExpectInvalid(s, "uid_map");
  s.uid_map = ParseIdMap("0 1000 10,10 1010 10");
  EXPECT_NO_THROW(s.Validate());
}

TEST(Spec, IdMapZeroCountAndOverflow) {
  Spec s = WithKinds({Kind::kUser});
  s.gid_map = ParseIdMap("0 1000 0");
  ExpectInvalid(s, "gid_map");
  s.gid_map = ParseIdMap("4294967290 0 10");
  ExpectInvalid(s, "gid_map");
}

TEST(Spec, IdMapAtMost340Lines) {
  Spec s = WithKinds({Kind::kUser});
  for (std::uint32_t i = 0; i < 340; ++i) s.uid_map.lines.push_back({i, 100000 + i, 1});
  EXPECT_NO_THROW(s.Validate());
  s.uid_map.lines.push_back({340, 100340, 1});
  ExpectInvalid(s, "uid_map");
}

TEST(Spec, MapRootAndExplicitMapsExclude) {
  Spec s = WithKinds({Kind::kUser});
  s.map_root = true;
  s.uid_map = ParseIdMap("0 0 1");
  ExpectInvalid(s, "map_root");
}

TEST(Spec, TimeOffsetsNeedTime) {
  Spec s = WithKinds({Kind::kUser});
  s.monotonic_offset = TimeOffset{1, 0};
  ExpectInvalid(s, "monotonic_offset");
  s.monotonic_offset.reset();
  s.boottime_offset = TimeOffset{1, 0};
  ExpectInvalid(s, "boottime_offset");
  s.kinds.Add(Kind::kTime);
  s.boottime_offset = TimeOffset{1, 1'000'000'000};
  ExpectInvalid(s, "boottime_offset");
}

TEST(Spec, ProcNeedsPidAndMnt) {
  Spec s = WithKinds({Kind::kPid});
  s.mount_proc = true;
  ExpectInvalid(s, "mount_proc");
  s = WithKinds({Kind::kMnt});
  s.mount_proc = true;
  ExpectInvalid(s, "mount_proc");
}

TEST(Spec, LoopbackNeedsNet) {
  Spec s = WithKinds({Kind::kUts});
  s.loopback_up = true;
  ExpectInvalid(s, "loopback_up");
}

TEST(Spec, OtherFields) {
  Spec s;
  s.working_directory = "relative/dir";
  ExpectInvalid(s, "working_directory");
  s = WithKinds({Kind::kUser});
  s.create_as = Credentials{0, 0};
  ExpectInvalid(s, "create_as");
  s = WithKinds({Kind::kUts});
  s.join = JoinTarget{1, KindSet{Kind::kNet}};
  ExpectInvalid(s, "join");
  s = Spec{};
  s.join = JoinTarget{0, KindSet{Kind::kNet}};
  ExpectInvalid(s, "join");
  s = Spec{};
  s.fds = {{5, 1}, {6, 1}};
  ExpectInvalid(s, "fds");
  s.fds = {{5, 1}, {1, 2}};
  ExpectInvalid(s, "fds");
}

TEST(IdMapText, ParsesLinesAndRejectsMalformedOnes) {
  IdMap m = ParseIdMap("0 1000 1,1 100000 65536");
  ASSERT_EQ(m.lines.size(), 2u);
  EXPECT_EQ(m.lines[1], (IdMapLine{1, 100000, 65536}));
  EXPECT_EQ(m.ToProcText(), "0 1000 1\n1 100000 65536\n");
  EXPECT_EQ(ParseIdMap("0 1000 1\n").lines.size(), 1u);
  for (const char* bad :
       {"", "0 1000", "0 1000 1 4", "a b c", "-1 0 1", "0 1000 1,,1 2 3", "0 99999999999 1"})
    EXPECT_THROW(ParseIdMap(bad), std::invalid_argument) << "accepted '" << bad << "'";
}

TEST(TimeOffsetText, ParsesSecondsWithNonNegativeNanoseconds) {
  EXPECT_EQ(ParseTimeOffset("86400"), (TimeOffset{86400, 0}));
  EXPECT_EQ(ParseTimeOffset("1.5"), (TimeOffset{1, 500'000'000}));
  EXPECT_EQ(ParseTimeOffset("-1.5"), (TimeOffset{-2, 500'000'000}));
  EXPECT_EQ(ParseTimeOffset("-3"), (TimeOffset{-3, 0}));
  EXPECT_EQ(ParseTimeOffset("0.000000001"), (TimeOffset{0, 1}));
  for (const char* bad : {"", "-", "1.", ".5", "1.0000000001", "x", "1e3", "1.5s", "--5", "+-5"})
    EXPECT_THROW(ParseTimeOffset(bad), std::invalid_argument) << "accepted '" << bad << "'";
}

class InvalidSpecLaunch : public testing::NoLeaksTest {};

TEST_F(InvalidSpecLaunch, CreatesNothing) {
  Spec s = WithKinds({Kind::kUts});
  s.hostname = std::string(65, 'x');
  EXPECT_THROW(Launch(s, [] { return 0; }), std::invalid_argument);
  EXPECT_THROW(Launch(s, std::vector<std::string>{"true"}), std::invalid_argument);
  // NoLeaksTest checks that no child and no descriptor was left.
}

}  // namespace
}  // namespace nsprobe
