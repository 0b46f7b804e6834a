// nsprobe compare as CI runs it: its exit status, what it names, and how it reads its inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ci/compare/compare.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::compare;  // NOLINT(google-build-using-namespace)
namespace {

using testing::GbenchJson;
using ::testing::HasSubstr;
using testing::Noisy;
using ::testing::Not;
using testing::Nsprobe;
using testing::SampleRecord;

class RecordCompare : public nsprobe::testing::NoLeaksTest {
 protected:
  // Three benchmarks, nine repetitions each, around their own medians.
  std::map<std::string, std::vector<double>> Runs(double phase, double net_factor = 1) {
    return {{"BM_CreateNamespace/uts/real_time", Noisy(2000, 9, phase)},
            {"BM_CreateNamespace/net/real_time", Noisy(380000 * net_factor, 9, phase)},
            {"BM_CreateNamespace/pid/real_time", Noisy(29000, 9, phase)}};
  }
  std::string WriteBench(const std::string& name, double phase, double net_factor = 1) {
    std::string path = dir_ / name;
    testing::WriteText(path, GbenchJson(Runs(phase, net_factor)).dump(2));
    return path;
  }
  std::string WriteRecord(const std::string& name, const Record& r) {
    std::string path = dir_ / name;
    testing::WriteText(path, ToJson(r).dump(2));
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(RecordCompare, SameBenchmarksTwicePass) {
  std::string a = WriteBench("a.json", 0.0), b = WriteBench("b.json", 0.9);
  ToolResult r = Nsprobe({"compare", a, b});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, Not(HasSubstr("REGRESSION")));
  EXPECT_THAT(r.out, HasSubstr("OK: 0 new failure(s), 0 benchmark regression(s)"));
  ToolResult self = Nsprobe({"compare", a, a});
  EXPECT_EQ(self.exit_code, 0) << self.Describe();
}

TEST_F(RecordCompare, OneBenchmarkSlowedByThirtyPercentFailsNamingIt) {
  std::string a = WriteBench("a.json", 0.0), b = WriteBench("slow.json", 0.9, 1.3);
  ToolResult r = Nsprobe({"compare", a, b});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, ::testing::ContainsRegex("BM_CreateNamespace/net/real_time +[^\n]*\\+3[0-9]"
                                              "\\.[0-9]%[^\n]*REGRESSION"));
  EXPECT_THAT(r.out, HasSubstr("1 benchmark regression(s)"));
  // Only the slowed one.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("uts/real_time [^\n]*no significant change"));
  // The same change under a higher threshold is not a regression.
  ToolResult lenient = Nsprobe({"compare", "--threshold", "40", a, b});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.Describe();
  // Markdown and HTML say the same.
  ToolResult md = Nsprobe({"compare", "--format", "md", a, b});
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_THAT(md.out, HasSubstr("| `BM_CreateNamespace/net/real_time` |"));
  EXPECT_THAT(md.out, HasSubstr("**REGRESSION**"));
  ToolResult html = Nsprobe({"compare", "--format", "html", a, b});
  EXPECT_EQ(html.exit_code, 1);
  EXPECT_THAT(html.out, HasSubstr("<svg"));
}

// Twelve rounds of an A/B run on a machine that drifts by ±30% between rounds: B is 7% slower
// in every round. Two separate samples cannot show it; the rounds, paired, can.
TEST_F(RecordCompare, ThePairedRoundsOfAnAbRunFindWhatTheDriftHides) {
  std::vector<double> a, b, b_noisy;
  for (int r = 0; r < 12; ++r) {
    const double machine = 1 + 0.3 * std::sin(1.3 * r);
    a.push_back(10000 * machine);
    b.push_back(10700 * machine * (1 + 0.004 * std::sin(2.7 * r + 0.5)));
    b_noisy.push_back(10700 * machine * (1 + 0.2 * std::sin(2.7 * r + 0.5)));
  }
  auto write = [&](const std::string& name, const std::vector<double>& v, const char* ab) {
    nlohmann::ordered_json j = GbenchJson({{"BM_Launch/uts", v}});
    if (ab != nullptr) j["context"]["nsprobe.bench.ab"] = ab;
    std::string path = dir_ / name;
    testing::WriteText(path, j.dump(2));
    return path;
  };
  ToolResult unpaired =
      Nsprobe({"compare", write("a.json", a, nullptr), write("b.json", b, nullptr)});
  EXPECT_EQ(unpaired.exit_code, 0) << unpaired.Describe();
  EXPECT_THAT(unpaired.out, HasSubstr("U test"));

  const std::string pa = write("pa.json", a, "run-1"), pb = write("pb.json", b, "run-1");
  ToolResult paired = Nsprobe({"compare", pa, pb});
  EXPECT_EQ(paired.exit_code, 1) << paired.Describe();
  EXPECT_THAT(paired.out, HasSubstr("paired rounds"));
  EXPECT_THAT(paired.out, HasSubstr("threshold 5%"));
  EXPECT_THAT(paired.out,
              ::testing::ContainsRegex("BM_Launch/uts +[^\n]*\\+7\\.[0-9]%[^\n]*REGRESSION"));
  // Files of two different A/B runs do not pair.
  ToolResult other_run = Nsprobe({"compare", pa, write("pc.json", b, "run-2")});
  EXPECT_EQ(other_run.exit_code, 0) << other_run.Describe();

  // --unresolved names what needs more rounds: nothing here, the noisy B's benchmark there.
  ToolResult resolved = Nsprobe({"compare", "--unresolved", "10", pa, pb});
  EXPECT_EQ(resolved.exit_code, 0) << resolved.Describe();
  EXPECT_EQ(resolved.out, "");
  ToolResult unresolved =
      Nsprobe({"compare", "--unresolved", "10", pa, write("pn.json", b_noisy, "run-1")});
  EXPECT_EQ(unresolved.exit_code, 0) << unresolved.Describe();
  EXPECT_EQ(unresolved.out, "BM_Launch/uts\n");
  EXPECT_EQ(Nsprobe({"compare", "--unresolved", "0", pa, pb}).exit_code, 2);
  EXPECT_EQ(Nsprobe({"compare", "--unresolved", "10", "--format", "md", pa, pb}).exit_code, 2)
      << "names, not a report";
  const std::string names = dir_ / "names.txt";
  ToolResult to_file = Nsprobe(
      {"compare", "--unresolved", "10", "--out", names, pa, write("pn2.json", b_noisy, "run-1")});
  EXPECT_EQ(to_file.exit_code, 0) << to_file.Describe();
  EXPECT_EQ(to_file.out, "") << "--out takes the names";
  EXPECT_EQ(testing::ReadText(names), "BM_Launch/uts\n");
}

TEST_F(RecordCompare, FewRepetitionsAndOtherMachinesAreWarnedAbout) {
  std::string a = dir_ / "three.json", b = dir_ / "other.json";
  testing::WriteText(a, GbenchJson({{"BM_X", {100, 110, 105}}}).dump());
  auto other = GbenchJson({{"BM_X", {100, 111, 104}}});
  other["context"]["num_cpus"] = 64;
  testing::WriteText(b, other.dump());
  ToolResult r = Nsprobe({"compare", a, b});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("fewer than 9 repetitions"));
  EXPECT_THAT(r.out, HasSubstr("cpu.count (2 vs 64)"));
}

TEST_F(RecordCompare, BenchmarksAloneMakeNoCaseNew) {
  // A raw benchmark file has no cases: a record's failing case is not "newly failing" against
  // it, only its benchmarks are compared.
  Record rec = SampleRecord();
  rec.benchmarks = {{"BM_CreateNamespace/uts/real_time", Noisy(2000, 9, 0.3), {}, false}};
  std::string bench = WriteBench("a.json", 0.0);
  ToolResult r = Nsprobe({"compare", bench, WriteRecord("rec.json", rec)});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, Not(HasSubstr("newly failing")));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("uts/real_time [^\n]*no significant change"));
}

TEST_F(RecordCompare, NewFailureFailsAndChangesAreListed) {
  Record base = SampleRecord();
  Record next = base;
  next.cases[0].verdict = Verdict::kFail;  // pid privileged: pass -> fail
  next.cases[0].failures = {"pid_test.cpp:10\nsaw 4711"};
  next.cases[1].verdict = Verdict::kPass;  // pid unprivileged: fail -> pass
  next.cases[1].failures.clear();
  next.cases[5].reason = "policy: user.max_uts_namespaces=1";  // skip reason changed
  next.cases[4].verdict = Verdict::kSkip;                      // uts privileged newly skipped
  next.cases[4].reason = "privilege: no CAP_SYS_ADMIN";
  next.cases[4].skip_category = "privilege";
  std::string a = WriteRecord("a.json", base), b = WriteRecord("b.json", next);
  ToolResult same = Nsprobe({"compare", a, a});
  EXPECT_EQ(same.exit_code, 0) << same.Describe();
  ToolResult r = Nsprobe({"compare", a, b});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "newly failing +pid: Modes/PidNamespace.SeesItselfAsPid1/privileged"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "newly passing +pid: Modes/PidNamespace.SeesItselfAsPid1/unprivileged"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("newly skipped +uts: [^\n]*/privileged"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("skip reason changed +uts: [^\n]*/unprivileged"));
  // A fix alone passes.
  Record fixed = base;
  fixed.cases[1].verdict = Verdict::kPass;
  fixed.cases[1].failures.clear();
  ToolResult f = Nsprobe({"compare", a, WriteRecord("fixed.json", fixed)});
  EXPECT_EQ(f.exit_code, 0) << f.Describe();
}

TEST_F(RecordCompare, ThreeRecordsMakeAMatrixOfTheRowsThatDiffer) {
  Record a = SampleRecord(), b = a, c = a;
  c.cases[0].verdict = Verdict::kFail;
  ToolResult r = Nsprobe(
      {"compare", WriteRecord("a.json", a), WriteRecord("b.json", b), WriteRecord("c.json", c)});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("Matrix (cases that differ):\n  pid: "
                               "Modes/PidNamespace.SeesItselfAsPid1/privileged\n      A: pass\n"
                               "      B: pass\n      C: FAIL\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("  uts: Modes/UtsNamespace.HostnameChangeInvisibleToParent/"
                                   "privileged\n      A:")))
      << "rows that do not differ stay out without --all";
  ToolResult all =
      Nsprobe({"compare", "--all", WriteRecord("a2.json", a), WriteRecord("b2.json", b)});
  EXPECT_EQ(all.exit_code, 0) << all.Describe();
  EXPECT_THAT(all.out, HasSubstr("  uts: Modes/UtsNamespace.HostnameChangeInvisibleToParent/"
                                 "privileged\n      A: pass\n      B: pass\n"));
}

TEST_F(RecordCompare, MarkdownMatrixHasOneColumnPerRecord) {
  Record a = SampleRecord(), b = a, c = a;
  c.cases[0].verdict = Verdict::kFail;
  ToolResult r = Nsprobe({"compare", "--format", "md", WriteRecord("a.json", a),
                          WriteRecord("b.json", b), WriteRecord("c.json", c)});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  // A table renders only when its separator row has as many cells as its header.
  EXPECT_THAT(r.out, HasSubstr("| case | A | B | C |\n|---|---|---|---|\n"
                               "| `pid: Modes/PidNamespace.SeesItselfAsPid1/privileged` | pass | "
                               "pass | FAIL |"))
      << r.out;
}

TEST_F(RecordCompare, BadInputsExitTwoNamingTheFile) {
  std::string good = WriteRecord("good.json", SampleRecord());
  std::string not_gbench = dir_ / "not_gbench.json";
  testing::WriteText(not_gbench, R"({"tests": 3, "testsuites": []})");
  std::string bad_entry = dir_ / "bad_entry.json";
  testing::WriteText(bad_entry, R"({"context": {}, "benchmarks": [{"name": "BM_X"}]})");
  Record disjoint = SampleRecord();
  for (Case& c : disjoint.cases) c.suite = "other";
  disjoint.benchmarks.clear();
  Record no_bench = SampleRecord();
  no_bench.benchmarks.clear();
  std::string d = WriteRecord("disjoint.json", disjoint);
  std::string nb = WriteRecord("nobench.json", no_bench);
  struct Bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"compare", good, not_gbench},
            not_gbench + ": neither an nsprobe record nor Google Benchmark JSON"},
           {{"compare", good, bad_entry},
            bad_entry + ": not Google Benchmark JSON: benchmarks[0] has no numeric"},
           {{"compare", nb, d}, nb + " and " + d + ": no case and no benchmark in common"},
           {{"compare", good, dir_ / "missing.json"}, dir_ / "missing.json: cannot open"},
           {{"compare", good}, "at least two files"}}) {
    ToolResult r = Nsprobe(bad.args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(bad.says)) << r.Describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_EQ(r.out, "") << "nothing printed before the error";
  }
}

}  // namespace
}  // namespace nsprobe::record
