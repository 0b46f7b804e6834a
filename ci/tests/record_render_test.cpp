// The renderers of a run record: JUnit that an XML parser accepts with the right counts, KTAP
// that round-trips through a parser of the format, a self-contained HTML page, Markdown under
// GitHub's limit, KCIDB v4, and the record's own JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "ci/record/gbench.hpp"
#include "ci/report/render.hpp"
#include "ci/tests/ktap_reader.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::report;  // NOLINT(google-build-using-namespace)
namespace {

using nsprobe::testing::Ktap;
using nsprobe::testing::KtapResult;
using nsprobe::testing::ParseKtap;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleRecord;

class RecordRender : public nsprobe::testing::NoLeaksTest {};

// xmllint (libxml2-utils) is the XML parser: a count it prints is what any CI reader sees.
std::string XPath(const std::string& file, const std::string& expr) {
  ToolResult r = RunTool(0, {}, {"xmllint", "--xpath", expr, file});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

TEST_F(RecordRender, JunitParsesAsXmlWithTheRightCounts) {
  testing::TempDir dir;
  Record rec = SampleRecord();
  testing::WriteText(dir / "junit.xml", RenderJunit(rec));
  ToolResult wellformed = RunTool(0, {}, {"xmllint", "--noout", dir / "junit.xml"});
  ASSERT_EQ(wellformed.exit_code, 0) << wellformed.Describe();
  EXPECT_EQ(XPath(dir / "junit.xml", "count(//testcase)"), "8");
  EXPECT_EQ(XPath(dir / "junit.xml", "count(//testcase[failure])"), "1");
  EXPECT_EQ(XPath(dir / "junit.xml", "count(//testcase[skipped])"), "3");
  EXPECT_EQ(XPath(dir / "junit.xml", "count(//testcase[error])"), "1");
  EXPECT_EQ(XPath(dir / "junit.xml", "count(//testsuite)"), "3");
  EXPECT_EQ(XPath(dir / "junit.xml", "string(/testsuites/@tests)"), "8");
  EXPECT_EQ(XPath(dir / "junit.xml", "sum(//testsuite/@skipped)"), "3");
  EXPECT_EQ(XPath(dir / "junit.xml", "string(//testsuite[@name='pid']/@failures)"), "1");
  // The failure keeps the values seen, escaped and read back intact.
  EXPECT_THAT(XPath(dir / "junit.xml", "string(//failure)"),
              HasSubstr("child saw <pid> & \"4711\" | # not 1"));
  EXPECT_EQ(XPath(dir / "junit.xml",
                  "string(//testcase[@name='HostnameChangeInvisibleToParent/"
                  "unprivileged']/skipped/@message)"),
            "policy: user.max_uts_namespaces=0");
}

TEST_F(RecordRender, KtapRoundTripsThroughAParser) {
  Record rec = SampleRecord();
  std::string text = RenderKtap(rec);
  Ktap k = ParseKtap(text);
  EXPECT_THAT(k.errors, ::testing::IsEmpty()) << text;
  ASSERT_EQ(k.plan, static_cast<int>(rec.cases.size())) << text;
  ASSERT_EQ(k.results.size(), rec.cases.size()) << text;
  std::vector<std::string> paths = CasePaths(rec);
  std::set<std::string> names;
  static const std::regex kKcidbPath(R"(^[.a-zA-Z0-9_-]*$)");
  for (std::size_t i = 0; i < rec.cases.size(); ++i) {
    const KtapResult& r = k.results[i];
    const Case& c = rec.cases[i];
    EXPECT_EQ(r.number, static_cast<int>(i + 1)) << "numbers step by 1";
    EXPECT_EQ(r.name, paths[i]);
    EXPECT_TRUE(names.insert(r.name).second) << "duplicate name " << r.name;
    EXPECT_TRUE(std::regex_match(r.name, kKcidbPath)) << r.name;
    switch (c.verdict) {
      case Verdict::kPass:
        EXPECT_TRUE(r.ok && r.directive.empty()) << r.name;
        break;
      case Verdict::kFail:
        EXPECT_TRUE(!r.ok && r.directive.empty()) << r.name;
        break;
      case Verdict::kSkip:
        EXPECT_TRUE(r.ok) << r.name;
        EXPECT_EQ(r.directive, "SKIP");
        // '#' cannot appear in a directive's text; everything else survives.
        EXPECT_EQ(r.reason, std::regex_replace(c.reason, std::regex(" # "), "   "));
        break;
      case Verdict::kError:
        EXPECT_FALSE(r.ok);
        EXPECT_EQ(r.directive, "ERROR");
        EXPECT_EQ(r.reason, c.reason);
        break;
      case Verdict::kByDesign:
        EXPECT_TRUE(r.ok) << r.name;
        EXPECT_EQ(r.directive, "SKIP");
        EXPECT_EQ(r.reason, "not isolated by design: " + c.reason);
        break;
    }
  }
  EXPECT_EQ(k.totals["pass"], 3);
  EXPECT_EQ(k.totals["fail"], 1);
  EXPECT_EQ(k.totals["skip"], 3);
  EXPECT_EQ(k.totals["error"], 1);
  // The failure's values come as diagnostics before its result line.
  EXPECT_THAT(text, HasSubstr("#     Which is: 4711\n"));
}

TEST_F(RecordRender, KtapLinesMatchKernelCisKselftestParser) {
  // The Perl regex of kernelci test-definitions' kselftest parse_output, in ECMAScript.
  static const std::regex kKernelCi(R"(^(?:# )*(not )?ok (?:\d+) ([^#]+)(# (SKIP)?)?)");
  Record rec = SampleRecord();
  std::istringstream in(RenderKtap(rec));
  std::map<std::string, std::string> seen;  // name -> pass/fail/skip as KernelCI reads it
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kKernelCi)) continue;
    std::string name = m[2];
    while (!name.empty() && name.back() == ' ') name.pop_back();
    seen[name] = m[4].matched ? "skip" : m[1].matched ? "fail" : "pass";
  }
  std::vector<std::string> paths = CasePaths(rec);
  ASSERT_EQ(seen.size(), rec.cases.size());
  for (std::size_t i = 0; i < rec.cases.size(); ++i) {
    Verdict v = rec.cases[i].verdict;
    std::string want = v == Verdict::kPass ? "pass" : v == Verdict::kSkip ? "skip" : "fail";
    EXPECT_EQ(seen[paths[i]], want) << paths[i];
  }
}

TEST_F(RecordRender, HtmlIsSelfContained) {
  std::string html = RenderHtml(SampleRecord());
  // Nothing that makes a browser fetch: no URL scheme, no src/href, no CSS import or url().
  for (const char* remote : {"http:", "https:", "//cdn", "src=", "href=", "@import", "url(",
                             "<script", "<link", "<iframe", "<img"})
    EXPECT_THAT(html, Not(HasSubstr(remote))) << "remote reference " << remote;
  EXPECT_THAT(html, AllOf(HasSubstr("<style>"), HasSubstr("<svg"), HasSubstr("</html>")));
  // What a reader needs: the per-kind table, the failure with its values, grouped skip
  // reasons, the machine, the benchmark medians — with text escaped.
  EXPECT_THAT(html, HasSubstr("child saw &lt;pid&gt; &amp; &quot;4711&quot;"));
  EXPECT_THAT(html, HasSubstr("policy: user.max_uts_namespaces=0"));
  EXPECT_THAT(html, HasSubstr("6.18.44-test"));
  EXPECT_THAT(html, HasSubstr("BM_CreateNamespace/net/real_time"));
  EXPECT_THAT(html, HasSubstr("387.50 µs")) << "median of the net benchmark: (385 + 390) / 2 µs";
  EXPECT_THAT(html, Not(HasSubstr("<pid>")));
}

// The part of `html` from heading `h2` to the next heading.
std::string Section(const std::string& html, const std::string& h2) {
  std::size_t at = html.find("<h2>" + h2 + "</h2>");
  if (at == std::string::npos) return {};
  return html.substr(at, html.find("<h2>", at + 4) - at);
}

TEST_F(RecordRender, HtmlStartsWithTheRunsVerdict) {
  Record failing = SampleRecord();
  Record passing = SampleRecord();
  std::erase_if(passing.cases, [](const Case& c) { return c.verdict != Verdict::kPass; });
  passing.binaries.pop_back();  // the crashed launch_test
  Record crashed = passing;
  crashed.cases.back().verdict = Verdict::kError;
  Record empty = passing;
  empty.cases.clear();
  for (const auto& [rec, word] : {std::pair{failing, "FAIL"},
                                  {passing, "PASS"},
                                  {crashed, "INCOMPLETE"},
                                  {empty, "INCOMPLETE"}}) {
    std::string html = RenderHtml(rec);
    std::size_t verdict = html.find("<div class=\"verdict ");
    ASSERT_NE(verdict, std::string::npos) << word;
    EXPECT_LT(verdict, html.find("<h1>")) << "the verdict comes before everything else";
    EXPECT_EQ(html.substr(html.find("<b>", verdict) + 3, std::string_view(word).size()), word);
  }
  EXPECT_EQ(RunOutcome(failing).why,
            "1 of 8 cases failed; 1 of 8 cases did not finish; a suite binary ended abnormally "
            "(launch_test: signal 11 (SIGSEGV))");
  // Zero counts are not painted: a passing run has no pink badge.
  std::string html = RenderHtml(passing);
  EXPECT_THAT(html, HasSubstr("<span class=\"badge none\">0 failed</span>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge none\">0 errors</span>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge pass\">3 passed</span>"));
  EXPECT_THAT(RenderHtml(failing), HasSubstr("<span class=\"badge fail\">1 failed</span>"));
}

TEST_F(RecordRender, HtmlTablesKindsByModeForConformanceSuitesOnly) {
  std::string table = Section(RenderHtml(SampleRecord()), "Kinds × modes");
  EXPECT_THAT(table, HasSubstr("<th>kind</th><th>privileged</th><th>unprivileged</th>"));
  EXPECT_THAT(table, HasSubstr("<tr><th>pid</th><td class=\"pass\">1 pass · 1 skip</td>"
                               "<td class=\"fail\">1 fail · 1 skip</td></tr>"));
  EXPECT_THAT(table, HasSubstr("<tr><th>uts</th>"));
  EXPECT_THAT(table, Not(HasSubstr("runtime"))) << "launch_test is nsprobe's own test";
  // The verdict chart keeps the tool test's bar but says what it is.
  EXPECT_THAT(Section(RenderHtml(SampleRecord()), "Verdicts per kind"),
              HasSubstr("runtime (nsprobe&#39;s own test)"));
  // A matrix's "(kernel run)" entries have no suite binary: not a kind either.
  Record rec = SampleRecord();
  rec.cases.push_back({"matrix", "matrix", "(kernel run)", "", Verdict::kError, "", "boot", {}, 0});
  EXPECT_THAT(Section(RenderHtml(rec), "Kinds × modes"), Not(HasSubstr("matrix")));
}

TEST_F(RecordRender, HtmlHasChartsWithoutBenchmarks) {
  Record rec = SampleRecord();
  rec.benchmarks.clear();
  std::string html = RenderHtml(rec);
  EXPECT_THAT(Section(html, "Verdicts per kind"), HasSubstr("aria-label=\"verdicts per kind\""));
  EXPECT_THAT(Section(html, "Verdicts per kind"),
              HasSubstr("<span>pid</span><span class=\"bar\"><i class=\"pass\" "
                        "style=\"width:25.00%\"></i><i class=\"fail\" style=\"width:25.00%\">"));
  EXPECT_THAT(Section(html, "Time per suite"), HasSubstr("<span>pid_test</span>"));
  EXPECT_THAT(Section(html, "Time per suite"), HasSubstr("style=\"width:100.00%\""))
      << "pid_test took longest (1.5 s)";
  EXPECT_EQ(Section(html, "Benchmarks"), "");
  EXPECT_THAT(html, Not(HasSubstr("sensitivity per kind")));
  rec.sensitivity = {{"withheld", "pid"},
                     {"kinds",
                      {{"pid",
                        {{"cases", 2},
                         {"failed_as_expected", 1},
                         {"percent", 50.0},
                         {"complete", false},
                         {"still_passed", {"X.Y"}}}}}}};
  html = RenderHtml(rec);
  EXPECT_THAT(html, HasSubstr("aria-label=\"sensitivity per kind\""));
  EXPECT_THAT(html, HasSubstr("X.Y (still passed)"));
  EXPECT_EQ(RunOutcome(rec).word, "fail") << "a kind withheld unnoticed fails the control";
  EXPECT_THAT(RenderHtml(SampleRecord()), HasSubstr("<h2>Benchmarks</h2>"));
}

TEST_F(RecordRender, HtmlShowsTheProbeAndTheFingerprint) {
  Record rec = SampleRecord();
  rec.probe = {
      {"euid", 1000},
      {"clone3", true},
      {"setns_pidfd", false},
      {"ns_get_id", false},
      {"results",
       {{{"kind", "net"},
         {"mode", "privileged"},
         {"verdict", "privilege"},
         {"reason", "privilege: needs CAP_SYS_ADMIN"}},
        {{"kind", "net"}, {"mode", "unprivileged"}, {"verdict", "available"}, {"reason", ""}}}}};
  std::string probe = Section(RenderHtml(rec), "What this machine allows");
  EXPECT_THAT(probe, HasSubstr("euid 1000 · clone3 yes · setns(pidfd) no · NS_GET_ID no"));
  EXPECT_THAT(probe, HasSubstr("<tr><th>net</th><td class=\"skip\">privilege<span class=\"cell\">"
                               "privilege: needs CAP_SYS_ADMIN</span></td><td class=\"pass\">"
                               "available</td></tr>"));
  EXPECT_THAT(Section(RenderHtml(rec), "Machine"),
              HasSubstr("<tr><td><code>cpu.model</code></td><td>Test CPU</td></tr>"));
}

TEST_F(RecordRender, SkipReasonsThatDifferOnlyByANumberInAPathGroupTogether) {
  EXPECT_EQ(NormalisedReason("policy: write(/proc/4711/uid_map): EPERM"),
            "policy: write(/proc/N/uid_map): EPERM");
  EXPECT_EQ(NormalisedReason("unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY)"),
            "unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY)");
  EXPECT_EQ(NormalisedReason("policy: user.max_uts_namespaces=0"),
            "policy: user.max_uts_namespaces=0");
  EXPECT_EQ(NormalisedReason("privilege: uid 65534 cannot map 100000"),
            "privilege: uid N cannot map N");
  Record rec = SampleRecord();
  rec.cases[2].reason = "privilege: /tmp/nsprobe-12/run/4711/cgroup.procs: EACCES";
  rec.cases[5].reason = "privilege: /tmp/nsprobe-12/run/4712/cgroup.procs: EACCES";
  rec.cases[5].skip_category = "privilege";
  std::vector<SkipGroup> groups = GroupSkips(rec);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].reason, "privilege: /tmp/nsprobe-N/run/N/cgroup.procs: EACCES");
  EXPECT_EQ(groups[0].cases.size(), 2u);
  std::string skips = Section(RenderHtml(rec), "Skip reasons");
  EXPECT_THAT(skips, HasSubstr("<b>2</b> × privilege: /tmp/nsprobe-N/run/N/cgroup.procs"));
  EXPECT_THAT(skips, HasSubstr(" — privilege: /tmp/nsprobe-12/run/4712/cgroup.procs: EACCES"))
      << "each case keeps its exact reason";
}

TEST_F(RecordRender, MarkdownStaysUnderGithubsSummaryLimit) {
  Record rec = SampleRecord();
  std::string small = RenderMarkdown(rec);
  EXPECT_THAT(small, HasSubstr("| pid | 1 | 1 | 2 | 0 |"));
  EXPECT_THAT(small, HasSubstr("| 1 | policy | policy: user.max_uts_namespaces=0 |"));
  // A run where everything fails with long messages still fits.
  Case big = rec.cases[1];
  big.failures = {std::string(8 * 1024, 'x')};
  for (int i = 0; i < 200; ++i) {
    big.name = "Many.Failures/" + std::to_string(i);
    rec.cases.push_back(big);
  }
  std::string md = RenderMarkdown(rec);
  EXPECT_LT(md.size(), 1024u * 1024) << "GitHub refuses step summaries over 1 MiB";
  EXPECT_THAT(md, HasSubstr("more entries left out"));
  EXPECT_THAT(md, HasSubstr("| **total** | **3** | **201** |"));
}

TEST_F(RecordRender, KcidbHasDottedPathsStatusesAndBenchmarkNumbers) {
  auto j = nlohmann::json::parse(RenderKcidb(SampleRecord()));
  EXPECT_EQ(j["version"]["major"], 4);
  std::map<std::string, int> statuses;
  static const std::regex kPath(R"(^[.a-zA-Z0-9_-]*$)");
  for (const auto& t : j["tests"]) {
    ++statuses[t["status"].get<std::string>()];
    EXPECT_TRUE(std::regex_match(t["path"].get<std::string>(), kPath)) << t["path"];
    EXPECT_THAT(t["id"].get<std::string>(), ::testing::StartsWith("nsprobe:"));
    EXPECT_EQ(t["origin"], "nsprobe");
  }
  EXPECT_EQ(statuses, (std::map<std::string, int>{
                          {"PASS", 3}, {"FAIL", 1}, {"SKIP", 3}, {"ERROR", 1}, {"DONE", 2}}));
  const auto& net = j["tests"].back();
  EXPECT_EQ(net["path"], "nsprobe.bench.BM_CreateNamespace.net.real_time");
  EXPECT_DOUBLE_EQ(net["number"]["value"].get<double>(), 387500e-9);
  EXPECT_EQ(net["number"]["unit"], "s");
}

TEST_F(RecordRender, RecordJsonRoundTrips) {
  Record rec = SampleRecord();
  Record back = FromJson(ToJson(rec), "test");
  ASSERT_EQ(back.cases.size(), rec.cases.size());
  for (std::size_t i = 0; i < rec.cases.size(); ++i) {
    EXPECT_EQ(back.cases[i].Key(), rec.cases[i].Key());
    EXPECT_EQ(back.cases[i].verdict, rec.cases[i].verdict);
    EXPECT_EQ(back.cases[i].reason, rec.cases[i].reason);
    EXPECT_EQ(back.cases[i].skip_category, rec.cases[i].skip_category);
    EXPECT_EQ(back.cases[i].failures, rec.cases[i].failures);
  }
  EXPECT_EQ(back.fingerprint, rec.fingerprint);
  ASSERT_EQ(back.benchmarks.size(), 2u);
  EXPECT_EQ(back.benchmarks[1].real_ns, rec.benchmarks[1].real_ns);
  EXPECT_EQ(back.CountTotals(), (Totals{3, 1, 3, 1, 0, 3}));
}

TEST_F(RecordRender, GbenchRepetitionsAreGroupedInNanoseconds) {
  auto json = testing::GbenchJson({{"BM_A", {1.5, 2.5, 2.0}}}, "us");
  BenchFile f = ParseGbench(json, "bench.json");
  ASSERT_EQ(f.benchmarks.size(), 1u);
  EXPECT_EQ(f.benchmarks[0].real_ns, (std::vector<double>{1500, 2500, 2000}))
      << "iterations only, the median aggregate left out, µs converted";
  EXPECT_DOUBLE_EQ(f.benchmarks[0].Median(), 2000);
  EXPECT_FALSE(f.benchmarks[0].aggregates_only);
}

}  // namespace
}  // namespace nsprobe::record
