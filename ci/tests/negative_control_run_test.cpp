// `nsprobe run --negative-control`: the guard sandbox, the sensitivity section, what it exits
// with, and that the host comes out as it went in. Also the sensitivity arithmetic alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "ci/record/record.hpp"
#include "ci/run/sensitivity.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "runtime/fd.hpp"
#include "runtime/probe.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::run;  // NOLINT(google-build-using-namespace)
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Nsprobe;

Case Made(const std::string& name, Verdict v) {
  Case c;
  c.suite = "uts";
  c.label = "uts";
  c.name = name;
  c.verdict = v;
  return c;
}

TEST(Sensitivity, CountsEachCaseThatPassedWithTheKindAgainstTheControl) {
  std::vector<Case> baseline = {Made("a", Verdict::kPass), Made("b", Verdict::kPass),
                                Made("c", Verdict::kPass), Made("d", Verdict::kPass),
                                Made("e", Verdict::kSkip), Made("f", Verdict::kFail),
                                Made("g", Verdict::kPass)};
  std::vector<Case> control = {Made("a", Verdict::kFail), Made("b", Verdict::kPass),
                               Made("c", Verdict::kSkip), Made("d", Verdict::kError),
                               Made("e", Verdict::kSkip), Made("f", Verdict::kFail)};
  KindSensitivity s = Sensitivity("uts", baseline, control);
  EXPECT_EQ(s.cases, 5);               // a b c d g
  EXPECT_EQ(s.failed_as_expected, 3);  // a, d (error), g (never reported: its binary died)
  EXPECT_THAT(s.still_passed, ElementsAre("b"));
  EXPECT_THAT(s.skipped_instead, ElementsAre("c"));
  EXPECT_THAT(s.failed_in_baseline, ElementsAre("f"));
  EXPECT_EQ(s.not_applicable, 1);
  EXPECT_FALSE(s.Complete());
  EXPECT_DOUBLE_EQ(s.Percent(), 60.0);
}

TEST(Sensitivity, CompleteOnlyWhenEveryApplicableCaseFailedAndOneExisted) {
  EXPECT_TRUE(
      Sensitivity("uts", {Made("a", Verdict::kPass)}, {Made("a", Verdict::kFail)}).Complete());
  EXPECT_FALSE(
      Sensitivity("uts", {Made("a", Verdict::kSkip)}, {Made("a", Verdict::kSkip)}).Complete())
      << "nothing was applicable, so nothing was shown";
}

class NegativeControlRun : public nsprobe::testing::NoLeaksTest {
 protected:
  // The guard sandbox mounts and creates namespaces as real root; `nsprobe run` refuses
  // anyone else (which WithoutRootItSaysSoAndExitsTwo checks from root).
  static constexpr const char* kNeedsRoot = "privilege: the negative control's guard needs root";
  std::string Hostname() {
    char name[65] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
  }
  testing::TempDir dir_;
};

TEST_F(NegativeControlRun, UtsIsFullySensitiveAndTheHostKeepsItsName) {
  if (::geteuid() != 0) GTEST_SKIP() << kNeedsRoot;
  // The uts suite's unprivileged half must run for the cases this counts to be had: not so
  // in a rootless sandbox (uid 65534 is not mapped) nor where user namespaces are refused.
  if (std::string why = nsprobe::testing::UnavailableReason(Kind::kUts, Mode::kUnprivileged);
      !why.empty())
    GTEST_SKIP() << why << " (the uts suite's unprivileged mode cannot run here)";
  const std::string before = Hostname();
  std::string out = dir_ / "uts";
  ToolResult r = Nsprobe({"run", "--negative-control", "uts", "--out", out});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Hostname(), before);
  Record rec = LoadRecord(out + "/record.json");
  const auto& uts = rec.sensitivity["kinds"]["uts"];
  EXPECT_GT(uts.value("cases", 0), 10) << rec.sensitivity.dump(2);
  EXPECT_EQ(uts.value("failed_as_expected", -1), uts.value("cases", 0)) << rec.sensitivity.dump(2);
  EXPECT_TRUE(rec.sensitivity.value("complete", false));
  EXPECT_THAT(rec.sensitivity["guard"].value("hostname", ""), HasSubstr("nsprobe-guard-"));
  EXPECT_EQ(rec.options.value("negative_control", ""), "uts");
  EXPECT_TRUE(rec.host.value("checked", false));
  EXPECT_TRUE(rec.host["changes"].empty()) << rec.host.dump(2);
  EXPECT_THAT(r.out, HasSubstr("uts              16       16       100.0%"));
  const std::string md = testing::ReadText(out + "/summary.md");
  EXPECT_THAT(md, HasSubstr("## ✅ nsprobe negative control of uts (every case sensitive)"));
  EXPECT_THAT(md, HasSubstr("### Negative control"));
}

TEST_F(NegativeControlRun, APlantedInsensitiveCaseIsNamedAndFailsTheRun) {
  if (::geteuid() != 0) GTEST_SKIP() << kNeedsRoot;
  std::string out = dir_ / "planted";
  ToolResult r = Nsprobe({"run", "--negative-control", "uts", "--suites",
                          nsprobe::testing::SelfDir() + "/fixtures/insensitive", "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("insensitive: UtsFixture.PlantedInsensitiveCase (still passed)"));
  Record rec = LoadRecord(out + "/record.json");
  const auto& uts = rec.sensitivity["kinds"]["uts"];
  EXPECT_EQ(uts.value("cases", 0), 2);
  EXPECT_EQ(uts.value("failed_as_expected", 0), 1) << "the sensitive case failed as it should";
  EXPECT_FALSE(rec.sensitivity.value("complete", true));
  EXPECT_THAT(testing::ReadText(out + "/summary.md"),
              HasSubstr("## ❌ nsprobe negative control of uts (NOT every case sensitive)"));
}

TEST_F(NegativeControlRun, BadRequestsExitTwoWithOneLineAndWriteNothing) {
  const std::string out = dir_ / "never";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", "--negative-control", "uts,bogus", "--out", out},
        {"run", "--negative-control", "none", "--out", out},
        {"run", "--negative-control", "uts", "--kinds", "pid", "--out", out},
        {"run", "--negative-control", "uts", "--repeat", "2", "--out", out},
        {"run", "--negative-control", "uts", "--stress", "--out", out},
        {"run", "--negative-control", "uts", "--suites", "/", "--out", out}}) {
    ToolResult r = Nsprobe(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--negative-control")) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(NegativeControlRun, WithoutRootItSaysSoAndExitsTwo) {
  if (::geteuid() != 0) GTEST_SKIP() << kNeedsRoot;
  if (std::string why = nsprobe::testing::CannotBecomeReason(65534); !why.empty())
    GTEST_SKIP() << why;
  ToolResult nobody = RunTool(0, {},
                              {"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                               nsprobe::testing::NsprobeCommand(), "run", "--negative-control",
                               "uts", "--out", "/tmp/nsprobe-never-written"},
                              std::chrono::seconds(60));
  EXPECT_EQ(nobody.exit_code, 2) << nobody.Describe();
  EXPECT_THAT(nobody.err, HasSubstr("needs root")) << nobody.err;
  EXPECT_FALSE(std::filesystem::exists("/tmp/nsprobe-never-written"));
}

}  // namespace
}  // namespace nsprobe::record
