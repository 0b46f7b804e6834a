// The sandbox runtimes in a record's renderings and in `nsprobe compare`: a section per runtime
// with its name and version, each property's verdict per mode and where its negative control
// came from; compare names a runtime whose version differs and the verdicts that changed. Each
// check is shown to bite on a record (or a pair) where it must not hold.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ci/compare/compare.hpp"
#include "ci/report/render.hpp"
#include "ci/report/render_runtimes.hpp"

namespace nsprobe::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::ordered_json;

// A record as `nsprobe run --runtime crun` makes it: crun can share pid (runtime control) but
// not mnt (the host's), and has no rootless mode here.
Record RuntimeRecord(const std::string& version, Verdict pid_privileged) {
  Record rec;
  Json modes = {{"privileged",
                 {{"not_in_mode", ""},
                  {"flags", "crun --root WORK/state run --bundle WORK/bundle NAME"},
                  {"promises", "mnt,ipc,net,pid,uts"},
                  {"shareable", "ipc,net,pid,uts"}}},
                {"unprivileged",
                 {{"not_in_mode", "unsupported: crun has no rootless mode on this host"},
                  {"flags", ""},
                  {"promises", "mnt,ipc,pid,uts,user"},
                  {"shareable", "ipc,pid,uts"}}}};
  rec.runtimes.push_back({{"name", "crun"},
                          {"case_prefix", "crun"},
                          {"package", "crun"},
                          {"version", version},
                          {"modes", modes}});
  auto add = [&](const std::string& kind, const std::string& mode, Verdict v) {
    Case c;
    c.suite = "sandbox";
    c.label = "sandbox";
    c.mode = mode;
    c.name = "Runtimes/SandboxRuntime.IsolatesByDefaultAndNotWhenShared/crun_" + kind + "_" + mode;
    c.verdict = v;
    if (v == Verdict::kSkip) {
      c.skip_category = "unsupported";
      c.reason = "unsupported: crun has no rootless mode on this host";
    }
    rec.cases.push_back(c);
  };
  add("pid", "privileged", pid_privileged);
  add("mnt", "privileged", Verdict::kPass);
  add("pid", "unprivileged", Verdict::kSkip);
  return rec;
}

TEST(RuntimeRender, EveryRenderingHasASectionPerRuntimeWithItsVersion) {
  const Record rec = RuntimeRecord("crun version 1.8.1", Verdict::kPass);
  for (const std::string& out : {RenderText(rec), RenderMarkdown(rec), RenderHtml(rec)}) {
    EXPECT_THAT(out, HasSubstr("crun version 1.8.1"));
    EXPECT_THAT(out, HasSubstr("not controllable with crun"));  // mnt: the host's control
    EXPECT_THAT(out, HasSubstr("runtime"));                     // pid: crun's own
    EXPECT_THAT(out, HasSubstr("crun has no rootless mode"));
  }
  // A skip's reason is said once under the table (and in the mode's line), not in every cell.
  const std::string md = RenderRuntimesMarkdown(rec);
  std::size_t said = 0;
  for (std::size_t at = md.find("no rootless mode"); at != std::string::npos;
       at = md.find("no rootless mode", at + 1))
    ++said;
  EXPECT_EQ(said, 2u) << md;
  const std::vector<RuntimeTable> tables = RuntimeTables(rec);
  ASSERT_EQ(tables.size(), 1u);
  const RuntimeRow& pid = *std::find_if(tables[0].rows.begin(), tables[0].rows.end(),
                                        [](const RuntimeRow& r) { return r.kind == "pid"; });
  EXPECT_EQ(pid.cells[0].verdict, "pass");
  EXPECT_EQ(pid.cells[0].sensitivity, "runtime");
  EXPECT_EQ(pid.cells[1].verdict, "skip");
  const RuntimeRow& mnt = *std::find_if(tables[0].rows.begin(), tables[0].rows.end(),
                                        [](const RuntimeRow& r) { return r.kind == "mnt"; });
  EXPECT_EQ(mnt.cells[0].sensitivity, "not controllable with crun");
}

TEST(RuntimeRender, ARecordWithoutRuntimesHasNoSection) {
  Record rec = RuntimeRecord("crun version 1.8.1", Verdict::kPass);
  rec.runtimes = Json::array();
  EXPECT_EQ(RenderRuntimesText(rec), "");
  EXPECT_THAT(RenderHtml(rec), Not(HasSubstr("Sandbox runtimes")));
  EXPECT_THAT(RenderMarkdown(rec), Not(HasSubstr("Sandbox runtimes")));
}

TEST(RuntimeCompare, NamesADifferentVersionAndTheVerdictsThatChanged) {
  const Record a = RuntimeRecord("crun version 1.8.1", Verdict::kPass);
  const Record b = RuntimeRecord("crun version 1.14", Verdict::kFail);
  const std::vector<compare::RuntimeDelta> d = compare::CompareRuntimes(a, b);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].base_version, "crun version 1.8.1");
  EXPECT_EQ(d[0].other_version, "crun version 1.14");
  EXPECT_EQ(d[0].properties, 3);
  ASSERT_EQ(d[0].changes.size(), 1u);
  EXPECT_EQ(d[0].changes[0], "pid privileged: pass -> fail");
  EXPECT_THAT(compare::RuntimeDeltaLine(d[0]), HasSubstr("the version differs"));

  // The contrast: the same version and verdicts say so and list nothing.
  const std::vector<compare::RuntimeDelta> same = compare::CompareRuntimes(a, a);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_TRUE(same[0].changes.empty());
  EXPECT_THAT(compare::RuntimeDeltaLine(same[0]), Not(HasSubstr("differs")));
  EXPECT_THAT(compare::RuntimeDeltaLine(same[0]), HasSubstr("on both"));
}

TEST(RuntimeCompare, TheRenderingsCarryTheRuntimeLines) {
  compare::Input a{"a.json", "A", false, RuntimeRecord("crun version 1.8.1", Verdict::kPass)};
  compare::Input b{"b.json", "B", false, RuntimeRecord("crun version 1.14", Verdict::kPass)};
  const compare::Comparison cmp = compare::Compare({a, b}, {});
  const std::string line = "crun version 1.8.1 -> crun version 1.14 (the version differs)";
  EXPECT_THAT(compare::RenderCompareText(cmp), HasSubstr(line));
  EXPECT_THAT(compare::RenderCompareMarkdown(cmp), HasSubstr(line));
  EXPECT_THAT(compare::RenderCompareHtml(cmp), HasSubstr(XmlEscape(line)));
}

}  // namespace
}  // namespace nsprobe::report
