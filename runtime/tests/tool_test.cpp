// Tool: host programs run inside a launched child's namespaces, output captured.
#include "runtime/tool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/launch.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ToolTest : public testing::NoLeaksTest {};

TEST_F(ToolTest, SeesTheLoneLoopbackOfANewNetworkNamespace) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, Mode::kUnprivileged);
  testing::Holder h(testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kNet}));
  ASSERT_TRUE(h.Ready());
  ToolResult inside = RunTool(h.Pid(), KindSet{Kind::kUser, Kind::kNet}, {"ip", "-o", "link"});
  ASSERT_EQ(inside.exit_code, 0) << inside.Describe();
  EXPECT_THAT(inside.out, MatchesRegex("1: lo: <LOOPBACK> [^\n]*state DOWN[^\n]*\n"));
  ToolResult host = RunTool(0, {}, {"ip", "-o", "link"});
  EXPECT_NE(host.out, inside.out) << "the tool ran in the host's network namespace";
}

TEST_F(ToolTest, EntersAPidNamespaceAsAMember) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, Mode::kUnprivileged);
  Spec spec = testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kPid, Kind::kMnt});
  spec.mount_proc = true;
  testing::Holder h(spec);
  ASSERT_TRUE(h.Ready());
  ToolResult ps =
      RunTool(h.Pid(), KindSet{Kind::kUser, Kind::kPid, Kind::kMnt}, {"ps", "-e", "-o", "pid="});
  ASSERT_EQ(ps.exit_code, 0) << ps.Describe();
  // The holder is PID 1; ps itself is the only other member.
  EXPECT_THAT(ps.out, MatchesRegex(" *1\n *[0-9]+\n")) << ps.Describe();
}

// The creator of a user namespace has every capability in it; root joining it with its own
// (unmapped) ids has none there. `as` makes the program the creator: it may add a device that
// root, joining as itself, may not (the contrast that shows `as` is what made the difference).
TEST_F(ToolTest, AsTheNamespacesCreatorItMayConfigureIt) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, Mode::kUnprivileged);
  if (::geteuid() != 0) GTEST_SKIP() << "privilege: needs root to take uid 65534";
  testing::Holder h(testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kNet}));
  ASSERT_TRUE(h.Ready());
  const std::vector<std::string> add = {"ip",   "link", "add",  "nsptool0", "type",
                                        "veth", "peer", "name", "nsptool1"};
  ProgramRun run;
  run.argv = add;
  run.target = h.Pid();
  run.kinds = KindSet{Kind::kUser, Kind::kNet};
  ToolResult as_root = RunTool(run);
  EXPECT_NE(as_root.exit_code, 0) << "root joined with unmapped ids yet configured the device: "
                                  << as_root.Describe();
  run.as = testing::kNobody;
  ToolResult as_creator = RunTool(run);
  EXPECT_EQ(as_creator.exit_code, 0) << as_creator.Describe();
  run.argv = {"ip", "-o", "link"};
  EXPECT_THAT(RunTool(run).out, HasSubstr("nsptool0"));
}

TEST_F(ToolTest, CapturesStderrAndExitCode) {
  ToolResult r = RunTool(0, {}, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(ToolTest, TimesOutAndKills) {
  ToolResult r = RunTool(0, {}, {"sleep", "30"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(r.timed_out) << r.Describe();
}

TEST_F(ToolTest, RefusesAMissingProgramOrTarget) {
  EXPECT_THROW(RunTool(0, {}, {"nsprobe-no-such-tool"}), std::invalid_argument);
  EXPECT_THROW(RunTool(999999999, KindSet{Kind::kNet}, {"true"}), std::invalid_argument);
}

}  // namespace
}  // namespace nsprobe
