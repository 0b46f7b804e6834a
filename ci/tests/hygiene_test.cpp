// Host hygiene catches a planted change. The "host" here is a sandbox of fresh namespaces,
// so planting touches nothing real.
#include "suites/support/hygiene.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/tool.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;

// Runs `body` (shell) in a sandbox: user, uts, ipc, net, mnt namespaces with root mapped,
// and $N naming the nsprobe binary, $D a private tmpfs directory for the snapshots.
ToolResult InSandbox(const std::string& body) {
  std::string script = "N=" + nsprobe::testing::ShellQuoted(nsprobe::testing::NsprobeCommand()) +
                       "; D=/mnt; mount -t tmpfs snapshots $D && " + body;
  return RunTool(0, {},
                 {nsprobe::testing::NsprobeCommand(), "exec", "--ns", "user,uts,ipc,net,mnt",
                  "--map-root", "--", "sh", "-c", script},
                 std::chrono::seconds(30));
}

class Hygiene : public testing::NoLeaksTest {
 protected:
  void SetUp() override {
    testing::NoLeaksTest::SetUp();
    for (Kind k : {Kind::kUser, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kMnt})
      NSPROBE_SKIP_UNLESS_AVAILABLE(k, Mode::kUnprivileged);
  }
};

TEST_F(Hygiene, AnUntouchedHostComparesEqual) {
  ToolResult r = InSandbox(
      "\"$N\" hygiene snapshot --out $D/a && \"$N\" hygiene snapshot --out $D/b && \"$N\" hygiene "
      "diff $D/a "
      "$D/b");
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "host unchanged\n");
}

TEST_F(Hygiene, CatchesAPlantedChangeOfEachAspect) {
  ToolResult r = InSandbox(
      "\"$N\" hygiene snapshot --out $D/a && hostname planted && ipcmk -Q >/dev/null && "
      "mkdir $D/m && mount -t tmpfs planted $D/m && ip link add p0 type veth peer name p1 && "
      "\"$N\" hygiene snapshot --out $D/b; \"$N\" hygiene diff $D/a $D/b");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("hostname: +'planted'"));
  EXPECT_THAT(r.err, HasSubstr("sysv_ipc: +'msg key="));
  EXPECT_THAT(r.err, HasSubstr("mounts: +'/mnt/m tmpfs planted"));
  EXPECT_THAT(r.err, HasSubstr("net_links: +'p0' +'p1'"));
}

TEST_F(Hygiene, RefusesAFileThatIsNotASnapshot) {
  ToolResult r = InSandbox(
      "echo '{\"x\":1}' > $D/bad && \"$N\" hygiene snapshot --out $D/a && \"$N\" hygiene diff $D/a "
      "$D/bad");
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("/mnt/bad: not an nsprobe host snapshot"));
}

}  // namespace
}  // namespace nsprobe
