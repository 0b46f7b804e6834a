// "Not isolated by design" as an outcome of its own: a case that skips with "by-design: ..."
// is neither pass, fail nor skip in the record, the totals and every rendering, counts as
// not applicable for the negative control, and an older record without the count still reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ci/record/record.hpp"
#include "ci/report/render.hpp"
#include "ci/run/sensitivity.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::record {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Nsprobe;
using testing::ReadText;
using ::testing::SizeIs;
using testing::TempDir;

Record OneByDesign() {
  Record r = testing::SampleRecord();
  r.cases.push_back({"by_design",
                     "by_design",
                     "Modes/ByDesign.BootIdIsTheHosts/privileged",
                     "privileged",
                     Verdict::kByDesign,
                     "",
                     "boot_id is the host's (closed by no sysctl)",
                     {},
                     0.01});
  return r;
}

TEST(ByDesignOutcome, CountedApartFromPassFailAndSkip) {
  const Record base = testing::SampleRecord();
  const Totals before = base.CountTotals();
  const Totals after = OneByDesign().CountTotals();
  EXPECT_EQ(after.by_design, 1);
  EXPECT_EQ(after.pass, before.pass);
  EXPECT_EQ(after.fail, before.fail);
  EXPECT_EQ(after.skip, before.skip);
  EXPECT_EQ(after.All(), before.All() + 1);
}

TEST(ByDesignOutcome, RoundTripsAndAnOlderRecordWithoutTheCountStillReads) {
  nlohmann::ordered_json j = ToJson(OneByDesign());
  EXPECT_EQ(j["totals"]["by_design"], 1);
  EXPECT_EQ(j["cases"].back()["verdict"], "by_design");
  EXPECT_FALSE(j["cases"].back().contains("skip_category"));
  Record back = FromJson(j, "record.json");
  EXPECT_EQ(back.cases.back().verdict, Verdict::kByDesign);
  nlohmann::ordered_json older = ToJson(testing::SampleRecord());
  older["totals"].erase("by_design");
  EXPECT_NO_THROW(FromJson(older, "older.json"));
  // The count is checked like the others: a record that claims none but holds one is refused.
  j["totals"]["by_design"] = 0;
  EXPECT_THROW(FromJson(j, "edited.json"), InputError);
}

TEST(ByDesignOutcome, EveryRenderingSaysNotIsolatedByDesign) {
  const Record r = OneByDesign();
  EXPECT_THAT(report::RenderJunit(r),
              HasSubstr("<skipped message=\"not isolated by design: boot_id is the host"));
  EXPECT_THAT(report::RenderKtap(r),
              AllOf(HasSubstr("# SKIP not isolated by design: boot_id is the host"),
                    HasSubstr("# not isolated by design: 1\n")));
  EXPECT_THAT(report::RenderMarkdown(r),
              AllOf(HasSubstr("| by design |"), HasSubstr("### Not isolated by design")));
  EXPECT_THAT(report::RenderHtml(r),
              AllOf(HasSubstr("1 not isolated by design"), HasSubstr("≈ by design"),
                    HasSubstr("<h2>Not isolated by design</h2>")));
  EXPECT_THAT(report::RenderText(r),
              AllOf(HasSubstr("by-design"), HasSubstr("Not isolated by design"),
                    HasSubstr("boot_id is the host's")));
  EXPECT_THAT(report::RenderKcidb(r), HasSubstr("\"by_design\""));
}

TEST(ByDesignOutcome, NotApplicableToTheNegativeControl) {
  Case c;
  c.suite = c.label = "uts";
  c.name = "a";
  c.verdict = Verdict::kByDesign;
  run::KindSensitivity s = run::Sensitivity("uts", {c}, {c});
  EXPECT_EQ(s.not_applicable, 1);
  EXPECT_EQ(s.cases, 0);
  EXPECT_TRUE(s.failed_in_baseline.empty());
}

// For real: nsprobe run over a stand-in suite whose case skips "by-design: ...".
TEST(ByDesignOutcome, NsprobeRunRecordsASkipThatSaysByDesignAsItsOwnOutcome) {
  TempDir out;
  ToolResult r = Nsprobe({"run", "--suites", nsprobe::testing::SelfDir() + "/fixtures/health",
                          "--out", out / "r", "--filter", "Fixture.SharedByDesign:Fixture.Passes"});
  Record rec = LoadRecord(out / "r/record.json");
  // Exit 0, or 1 only for a host change made meanwhile by something else on this machine.
  EXPECT_TRUE(
      r.exit_code == 0 ||
      (r.exit_code == 1 && r.err.find("the host changed during the run") != std::string::npos))
      << r.Describe();
  ASSERT_THAT(rec.cases, SizeIs(2));
  const Case& c = rec.cases[0].name == "Fixture.SharedByDesign" ? rec.cases[0] : rec.cases[1];
  EXPECT_EQ(c.verdict, Verdict::kByDesign);
  EXPECT_EQ(c.reason, "the fixture's planted thing is shared (closed by fixture.knob=1)");
  const Totals t = rec.CountTotals();
  EXPECT_EQ(t.by_design, 1);
  EXPECT_EQ(t.pass, 1);
  EXPECT_EQ(t.skip, 0);
  EXPECT_THAT(ReadText(out / "r/results.ktap"),
              HasSubstr("# SKIP not isolated by design: the fixture's planted thing"));
  EXPECT_THAT(r.out, Not(HasSubstr("Skip reasons"))) << "not a skip";
}

}  // namespace
}  // namespace nsprobe::record
