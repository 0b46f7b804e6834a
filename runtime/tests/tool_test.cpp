// Tool: host programs run inside a launched child's namespaces, output captured.
#include "runtime/tool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/launch.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// A child that holds its namespaces until the pipe closes.
struct Holder {
  Pipe hold = Pipe::Make();
  Child child;
  explicit Holder(const Spec& spec) {
    child = Launch(spec, [this] {
      char c;
      return static_cast<int>(::read(hold.read.Get(), &c, 1));
    });
  }
};

class ToolTest : public testing::NoLeaksTest {};

TEST_F(ToolTest, SeesTheLoneLoopbackOfANewNetworkNamespace) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, Mode::kUnprivileged);
  Holder h(testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kNet}));
  ToolResult inside =
      RunTool(h.child.Pid(), KindSet{Kind::kUser, Kind::kNet}, {"ip", "-o", "link"});
  ASSERT_EQ(inside.exit_code, 0) << inside.Describe();
  EXPECT_THAT(inside.out, MatchesRegex("1: lo: <LOOPBACK> [^\n]*state DOWN[^\n]*\n"));
  ToolResult host = RunTool(0, {}, {"ip", "-o", "link"});
  EXPECT_NE(host.out, inside.out) << "the tool ran in the host's network namespace";
}

TEST_F(ToolTest, EntersAPidNamespaceAsAMember) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, Mode::kUnprivileged);
  Spec spec = testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kPid, Kind::kMnt});
  spec.mount_proc = true;
  Holder h(spec);
  ToolResult ps = RunTool(h.child.Pid(), KindSet{Kind::kUser, Kind::kPid, Kind::kMnt},
                          {"ps", "-e", "-o", "pid="});
  ASSERT_EQ(ps.exit_code, 0) << ps.Describe();
  // The holder is PID 1; ps itself is the only other member.
  EXPECT_THAT(ps.out, MatchesRegex(" *1\n *[0-9]+\n")) << ps.Describe();
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
