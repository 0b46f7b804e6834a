// The negative-control seam stays off unless the guard arms it completely.
#include "runtime/negative_control.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include "runtime/identity.hpp"
#include "runtime/tool.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "0123456789abcdef0123";

// A small program that launches through the suites' seam, as a case does (built beside this test).
std::string SeamedExec() {
  return testing::ShellQuoted(testing::SelfDir() + "/fixtures/seamed_exec");
}

// Shell words that print the shell's NamespaceFingerprint(): readlink of every kind, in the
// runtime's order, joined by spaces.
constexpr const char* kShellFingerprint =
    "$(for k in mnt uts ipc net pid user cgroup time; do readlink /proc/self/ns/$k || "
    "echo $k:-; done | paste -sd' ')";

// Writes a guard file for `kinds` and `token` on a fresh tmpfs at /mnt, from the shell's own
// namespaces, and exports the variables that arm the seam with `env_token`.
std::string GuardSetup(const std::string& kinds, const std::string& env_token = kToken) {
  return fmt::format(
      "mount -t tmpfs guard /mnt && printf '%s' \"{0}:{1}:{2}\" > /mnt/g && "
      "NSPROBE_NEGATIVE_CONTROL={0} NSPROBE_GUARD_FILE=/mnt/g NSPROBE_GUARD_TOKEN={3}",
      kinds, kToken, kShellFingerprint, env_token);
}

// Runs `readlink /proc/self/ns/uts` in a new uts namespace, launched by `launcher` (the
// suites' seam by default), in a shell snippet `setup` that prepares the environment, inside a
// private user+mount namespace so a tmpfs can be mounted.
ToolResult UtsOfExecAfter(const std::string& setup,
                          const std::string& launcher = SeamedExec() + " uts") {
  std::string script = setup + " exec " + launcher + " readlink /proc/self/ns/uts";
  return RunTool(0, {},
                 {testing::NsprobeCommand(), "exec", "--ns", "user,mnt", "--map-root", "--", "sh",
                  "-c", script});
}

class NegativeControl : public testing::NoLeaksTest {
 protected:
  void SetUp() override {
    testing::NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, Mode::kUnprivileged);
    host_uts_ = ReadNsLink(0, Kind::kUts);
  }
  std::string host_uts_;
};

TEST_F(NegativeControl, IsOffInANormalProcess) {
  EXPECT_TRUE(ArmedKinds().Empty());
  EXPECT_TRUE(testing::WithheldKinds().Empty());
}

TEST(WithholdKinds, DropsTheKindsAndTheSetupThatBelongsInsideThem) {
  Spec spec;
  spec.kinds = KindSet::All();
  spec.hostname = "inside";
  spec.map_root = true;
  spec.mount_proc = true;
  spec.loopback_up = true;
  spec.monotonic_offset = TimeOffset{5, 0};
  ASSERT_NO_THROW(spec.Validate());
  for (const KindInfo& k : AllKinds()) {
    Spec out = testing::WithholdKinds(spec, KindSet{k.kind});
    EXPECT_FALSE(out.kinds.Has(k.kind)) << k.name;
    EXPECT_EQ(out.kinds.Size(), kKindCount - 1) << k.name;
    EXPECT_NO_THROW(out.Validate()) << k.name;
  }
  EXPECT_EQ(testing::WithholdKinds(spec, {}).kinds, spec.kinds);
  EXPECT_EQ(testing::WithholdKinds(spec, {Kind::kNet}).hostname, spec.hostname)
      << "setup of a kind not withheld stays";
}

TEST_F(NegativeControl, TheVariableAloneDoesNotArmIt) {
  ToolResult r = UtsOfExecAfter("NSPROBE_NEGATIVE_CONTROL=uts");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, host_uts_ + "\n") << "the seam withheld uts without a guard file";
  EXPECT_THAT(r.err, Not(HasSubstr("NEGATIVE CONTROL")));
}

TEST_F(NegativeControl, AGuardFileOffTmpfsDoesNotArmIt) {
  // The file is written to /var/tmp, which must not be a tmpfs for this case to mean anything.
  struct statfs fs {};
  ASSERT_EQ(::statfs("/var/tmp", &fs), 0);
  if (fs.f_type == TMPFS_MAGIC) GTEST_SKIP() << "unsupported: /var/tmp is a tmpfs on this machine";
  // Everything right but the file system; inside a user namespace so that uid 65534 can make
  // the uts namespace too. The directory is removed before the shell exits.
  std::string script = fmt::format(
      "d=$(mktemp -d -p /var/tmp) && printf '%s' \"uts:{0}:{1}\" > $d/g && "
      "NSPROBE_NEGATIVE_CONTROL=uts NSPROBE_GUARD_FILE=$d/g NSPROBE_GUARD_TOKEN={0} "
      "{2} uts readlink /proc/self/ns/uts; rc=$?; rm -rf $d; exit $rc",
      kToken, kShellFingerprint, SeamedExec());
  ToolResult r = RunTool(
      0, {},
      {testing::NsprobeCommand(), "exec", "--ns", "user", "--map-root", "--", "sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, host_uts_ + "\n");
  EXPECT_THAT(r.err, Not(HasSubstr("NEGATIVE CONTROL")));
}

TEST_F(NegativeControl, AWrongTokenDoesNotArmIt) {
  ToolResult r = UtsOfExecAfter(GuardSetup("uts", std::string(kToken) + "x"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, Not(HasSubstr("NEGATIVE CONTROL")));
}

TEST_F(NegativeControl, AProcessOutsideTheGuardsNamespacesIsNotArmed) {
  // Everything right, but nsprobe runs in an ipc namespace the guard file does not name.
  std::string script =
      GuardSetup("uts") + " exec unshare --ipc " + SeamedExec() + " uts readlink /proc/self/ns/uts";
  ToolResult r = RunTool(0, {},
                         {testing::NsprobeCommand(), "exec", "--ns", "user,mnt", "--map-root", "--",
                          "sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, host_uts_ + "\n") << "armed outside the guard's namespaces";
  EXPECT_THAT(r.err, Not(HasSubstr("NEGATIVE CONTROL")));
}

TEST_F(NegativeControl, AFullyArmedGuardWithholdsTheKindAndSaysSo) {
  ToolResult r = UtsOfExecAfter(GuardSetup("uts"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // The command ran in the uts namespace of the shell that launched it: the withheld kind.
  EXPECT_EQ(r.out, host_uts_ + "\n") << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("NEGATIVE CONTROL: this process withholds uts namespaces"));
}

TEST_F(NegativeControl, ProductionLaunchNeverWithholdsEvenFullyArmed) {
  // The contrast to the case above: the same armed environment around `nsprobe exec`, whose
  // Launch knows nothing of the seam.
  ToolResult r = UtsOfExecAfter(
      GuardSetup("uts"), testing::ShellQuoted(testing::NsprobeCommand()) + " exec --ns uts --");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, host_uts_ + "\n") << "production Launch withheld uts";
  EXPECT_THAT(r.err, Not(HasSubstr("NEGATIVE CONTROL")));
}

}  // namespace
}  // namespace nsprobe
