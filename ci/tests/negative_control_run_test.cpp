// `nsprobe run --negative-control`: the guard sandbox, the sensitivity section, what it exits
// with, and that the host comes out as it went in. Also the sensitivity arithmetic alone.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "ci/record/input_error.hpp"
#include "ci/record/record.hpp"
#include "ci/run/gtest_output.hpp"
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

Case Declaring(const std::string& name, Verdict v, const std::string& kinds) {
  Case c = Made(name, v);
  c.suite = c.label = "regression";
  c.declared_kinds = kinds;
  return c;
}

TEST(Sensitivity, ACrossCuttingSuiteCountsOnlyItsCasesThatDeclareTheKind) {
  std::vector<Case> baseline = {
      Declaring("a", Verdict::kPass, "mnt,uts"), Declaring("b", Verdict::kPass, "uts"),
      Declaring("c", Verdict::kPass, "net"),     Declaring("d", Verdict::kPass, ""),
      Declaring("e", Verdict::kSkip, "uts"),     Declaring("f", Verdict::kFail, "uts"),
      Declaring("g", Verdict::kPass, "bogus")};
  // c, d and g pass with uts withheld too: none of them claims uts, so none is counted.
  std::vector<Case> control = {
      Declaring("a", Verdict::kFail, "mnt,uts"), Declaring("b", Verdict::kPass, "uts"),
      Declaring("c", Verdict::kPass, "net"), Declaring("d", Verdict::kPass, ""),
      Declaring("g", Verdict::kPass, "bogus")};
  KindSensitivity s = Sensitivity("uts", {Made("own", Verdict::kPass)}, {});
  AddDeclared(s, baseline, control);
  EXPECT_EQ(s.cases, 3);  // own, a, b
  EXPECT_EQ(s.declared_cases, 2);
  EXPECT_EQ(s.failed_as_expected, 2);  // own (never reported), a
  EXPECT_THAT(s.still_passed, ElementsAre("regression:b"));
  EXPECT_THAT(s.failed_in_baseline, ElementsAre("regression:f"));
  EXPECT_EQ(s.not_applicable, 1);  // e
  EXPECT_FALSE(s.Complete());
  EXPECT_EQ(ToJson(s).value("declared_cases", -1), 2);

  EXPECT_EQ(DeclaredFilter(baseline, "uts"), "a:b:e:f");
  EXPECT_EQ(DeclaredFilter(baseline, "mnt"), "a");
  EXPECT_EQ(DeclaredFilter(baseline, "time"), "") << "no run at all for a kind none declares";

  Declarations d = DeclarationsOf("regression", baseline);
  EXPECT_EQ(d.cases, 7);
  EXPECT_EQ(d.declared, 6);
  EXPECT_THAT(d.not_declared, ElementsAre("d"));
  const auto section = SensitivitySection({s}, {}, {d});
  EXPECT_EQ(section["declarations"]["regression"].value("declared", -1), 6);
  EXPECT_FALSE(SensitivitySection({s}, {}).contains("declarations"))
      << "a run without cross-cutting suites has the section it always had";
}

TEST(Sensitivity, TheDeclaredKindsAndChecksComeFromGtestJsonAndSurviveTheRecord) {
  const auto json = nlohmann::ordered_json::parse(R"({"testsuites": [{"name": "Modes/R",
      "testsuite": [{"name": "A/privileged", "status": "RUN", "result": "COMPLETED",
                     "time": "0.1s", "nsprobe_kinds": "mnt,user", "nsprobe_checks": "418"},
                    {"name": "B/privileged", "status": "RUN", "result": "COMPLETED",
                     "time": "0.1s", "nsprobe_checks": "-3"}]}]})");
  std::vector<GtestCase> cases = ParseGtestJson(json);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].declared_kinds, "mnt,user");
  EXPECT_EQ(cases[1].declared_kinds, "");
  EXPECT_EQ(cases[0].checks, 418) << "a sweep's count of the behaviours it proved";
  EXPECT_EQ(cases[1].checks, 1) << "a count below one is not taken: the case is one check";

  Record rec = testing::SampleRecord();
  rec.cases = {Declaring("a", Verdict::kPass, "mnt,user"), Declaring("b", Verdict::kPass, "")};
  const nlohmann::ordered_json written = ToJson(rec);
  EXPECT_FALSE(written["cases"][1].contains("declared_kinds")) << "nothing declared, no field";
  Record back = FromJson(written, "test");
  EXPECT_EQ(back.cases[0].declared_kinds, "mnt,user");
  EXPECT_EQ(back.cases[1].declared_kinds, "");

  // The checks: in the case when it counted more than itself, and summed over passing cases.
  rec.cases[0].checks = 418;
  rec.cases.push_back(Declaring("c", Verdict::kFail, ""));
  rec.cases.back().checks = 7;
  const nlohmann::ordered_json counted = ToJson(rec);
  EXPECT_EQ(counted["cases"][0].value("checks", 0), 418);
  EXPECT_FALSE(counted["cases"][1].contains("checks"));
  EXPECT_EQ(counted["totals"].value("checks", 0), 419) << "418 + 1; the failing case adds none";
  EXPECT_EQ(FromJson(counted, "test").cases[0].checks, 418);
  nlohmann::ordered_json edited = counted;
  edited["totals"]["checks"] = 500;
  EXPECT_THROW(FromJson(edited, "test"), record::InputError) << "totals that disagree are refused";
  edited = counted;
  edited["totals"].erase("checks");
  EXPECT_NO_THROW(FromJson(edited, "test")) << "a record from before the count";
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
  // 16 of uts's own suite and the cross-cutting cases that declare uts (kernel_api's, join's,
  // lifetime's), every one failed with uts withheld.
  EXPECT_GT(uts.value("declared_cases", 0), 0) << rec.sensitivity.dump(2);
  EXPECT_THAT(r.out, HasSubstr(fmt::format("uts              {}       {}       100.0%",
                                           uts.value("cases", 0), uts.value("cases", 0))));
  EXPECT_THAT(r.out, HasSubstr("regression: "));
  EXPECT_THAT(r.out, HasSubstr(" cases declare kinds"));
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
  // Two of the planted uts suite, two of the planted cross-cutting suite's (those declaring uts).
  EXPECT_EQ(uts.value("cases", 0), 4) << rec.sensitivity.dump(2);
  EXPECT_EQ(uts.value("declared_cases", 0), 2);
  EXPECT_EQ(uts.value("failed_as_expected", 0), 2) << "the sensitive cases failed as they should";
  EXPECT_THAT(uts["still_passed"],
              ElementsAre("UtsFixture.PlantedInsensitiveCase",
                          "crosscut:CrossFixture.PlantedDeclaredInsensitiveCase"));
  const auto& crosscut = rec.sensitivity["declarations"]["crosscut"];
  EXPECT_EQ(crosscut.value("cases", 0), 4);
  EXPECT_EQ(crosscut.value("declared", 0), 3);
  EXPECT_THAT(crosscut["not_declared"], ElementsAre("CrossFixture.DeclaresNothing"));
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
