// Renderers of a run record: each returns the whole document as a string, and writes nothing.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::report {

using record::Benchmark;
using record::Binary;
using record::Case;
using record::Record;
using record::Totals;
using record::ValidUtf8;
using record::Verdict;
using record::VerdictName;

std::string RenderJunit(const Record& record);     // JUnit XML, one testcase per case
std::string RenderKtap(const Record& record);      // KTAP v1, flat, with a "# Totals:" line
std::string RenderMarkdown(const Record& record);  // for $GITHUB_STEP_SUMMARY, under 1 MiB
std::string RenderHtml(const Record& record);      // one self-contained page
// Who submits a KCIDB report and what its tests ran on. Empty ids get defaults made from the
// record (the kernel release and architecture); an id without "<origin>:" gets it in front.
struct KcidbIds {
  std::string origin = "nsprobe";
  std::string checkout_id, build_id;
};
// KCIDB v4.5: one checkout, one build, tests[] (benchmark medians as DONE tests with a number).
std::string RenderKcidb(const Record& record, const KcidbIds& ids = {});
// What is wrong with `ids` as KCIDB would see it, naming the option and the fix; "" when fine.
std::string KcidbIdsProblem(const KcidbIds& ids);
std::string RenderText(const Record& record);  // the terminal summary of `nsprobe run`

// Shared by the renderers.

// Per kind label, in first-seen order, and the total.
struct KindTotals {
  std::string label;
  Totals totals;
};
std::vector<KindTotals> TotalsByKind(const Record& record);

// The run's verdict in one word, and why, for the first line a reader sees: "fail" when a
// case failed (for a negative control: when a withheld kind went unnoticed), "incomplete"
// when nothing ran or a case or suite binary did not finish, else "pass".
struct Outcome {
  std::string word;  // "pass", "fail", "incomplete"
  std::string why;   // "2 of 128 cases failed", ...
};
Outcome RunOutcome(const Record& record);

// The labels of the conformance suites that ran (kinds and concerns such as join), in
// first-seen order: not the tool's own tests, not a matrix's "(kernel run)" entries.
std::vector<std::string> ConformanceLabels(const Record& record);

// A skip reason with what varies between runs and cases made alike: numbers inside paths
// ("/proc/4711/uid_map" -> "/proc/N/uid_map") and numbers of four digits or more (pids, uids).
std::string NormalisedReason(std::string_view reason);

// Normalised skip reason -> the cases skipped for it, most frequent reason first.
struct SkipGroup {
  std::string category;
  std::string reason;  // NormalisedReason of every case's reason
  std::vector<const Case*> cases;
};
std::vector<SkipGroup> GroupSkips(const Record& record);

// The negative control's rows, read back from the record's sensitivity section; empty for
// a normal run.
struct SensitivityRow {
  std::string kind;
  int cases = 0;   // passed with the kind present
  int failed = 0;  // of those, failed with it withheld
  double percent = 0;
  bool complete = false;
  std::vector<std::string> insensitive;  // "<case> (still passed)", "(skipped instead)"
  std::vector<std::string> failed_in_baseline;
};
std::vector<SensitivityRow> SensitivityRows(const Record& record);
// "net: 24/24 (100%)" lines' common header, e.g. for a title: "negative control of net,pid".
bool IsNegativeControl(const Record& record);

// The exposure map of a record (or of `nsprobe probe --exposure`): one row per item, one
// cell per identity the map was drawn for ("yes", "no: EPERM", "refused: <why>").
struct ExposureRow {
  std::string item;  // "net: veth", "mount: tmpfs", "user namespace"
  std::vector<std::string> cells;
};
struct ExposureTable {
  std::vector<std::string> identities;  // "uid 0", "uid 65534"
  std::vector<ExposureRow> rows;
  std::vector<std::pair<std::string, std::string>> knobs;  // user.max_* and the items' sysctls
  bool Empty() const { return identities.empty(); }
};
ExposureTable ExposureTableOf(const nlohmann::ordered_json& exposure);
// The table as aligned text, for the terminal.
std::string ExposureText(const ExposureTable& table);

// The kernel's health around the suite binaries, from binaries[].health.
struct HealthSummary {
  int binaries = 0;        // with a health reading
  std::string taint;       // "0 throughout", "unreadable: ...", "changed (see problems)"
  std::string kmsg;        // "12 new lines, none matched", "unreadable: open(/dev/kmsg): ..."
  std::string namespaces;  // "skip: listns(2) needs Linux 6.19; ..." or "back to baseline"
  std::vector<std::string> problems;  // "<binary>: <problem>"
};
HealthSummary SummariseHealth(const Record& record);

// The cases reported "not isolated by design", in record order.
std::vector<const Case*> ByDesignCases(const Record& record);

// A flat, unique, dotted path per case (same order as record.cases), matching KCIDB's
// ^[.a-zA-Z0-9_-]*$ and safe as a KTAP description: "nsprobe.pid.Modes.PidNamespace.X.privileged".
std::vector<std::string> CasePaths(const Record& record);
// "nsprobe.bench.BM_CreateNamespace.net.real_time".
std::string BenchPath(const Benchmark& benchmark);

// The first line of a case's first failure (or its error reason), for one-line listings.
std::string Headline(const Case& c);
// A case's verdict in one short cell: "pass", "FAIL", "ERROR", "skip: <why>" with the skip's
// reason or only its category; "—" where the case did not run.
std::string VerdictCell(const Case* c, bool skip_reason);
// One Markdown table cell: '|' escaped, newlines as spaces.
std::string MdCell(std::string_view text);
// Escapes &, <, >, " and ' and drops characters XML 1.0 does not allow.
std::string XmlEscape(std::string_view text);
// "812 ns", "2.41 µs", "1.20 ms", "3.00 s".
std::string FormatNs(double ns);
// A whole HTML page around `body`: inline CSS, no script, nothing fetched.
std::string HtmlPage(std::string_view title, std::string_view body);
// A one-line description of the machine: kernel, distro, arch, cpus, host.
std::string MachineLine(const Record& record);

}  // namespace nsprobe::report
