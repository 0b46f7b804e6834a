// The terminal summary `nsprobe run` and `nsprobe report --format text` print.
#include <fmt/format.h>

#include "ci/report/render.hpp"
#include "ci/report/render_runtimes.hpp"

namespace nsprobe::report {

std::string RenderText(const Record& record) {
  std::string out = fmt::format("{:<12} {:>6} {:>6} {:>6} {:>6} {:>9}\n", "kind", "pass", "fail",
                                "skip", "error", "by-design");
  for (const KindTotals& k : TotalsByKind(record))
    out += fmt::format("{:<12} {:>6} {:>6} {:>6} {:>6} {:>9}\n", k.label, k.totals.pass,
                       k.totals.fail, k.totals.skip, k.totals.error, k.totals.by_design);
  Totals t = record.CountTotals();
  out += fmt::format("{:<12} {:>6} {:>6} {:>6} {:>6} {:>9}\n", "total", t.pass, t.fail, t.skip,
                     t.error, t.by_design);
  if (t.checks != t.pass)
    out += fmt::format("{} behaviours proven by the {} passing cases (a sweep counts each item)\n",
                       t.checks, t.pass);
  const std::vector<SensitivityRow> sensitivity = SensitivityRows(record);
  if (!sensitivity.empty()) {
    out += fmt::format(
        "\nNegative control (failures are expected: each kind's suite ran with the runtime "
        "withholding that kind):\n{:<12} {:>6} {:>8} {:>12}\n",
        "withheld", "cases", "failed", "sensitivity");
    for (const SensitivityRow& r : sensitivity) {
      out += fmt::format("{:<12} {:>6} {:>8} {:>11.1f}%{}\n", r.kind, r.cases, r.failed, r.percent,
                         r.complete ? "" : "  INCOMPLETE");
      for (const std::string& n : r.insensitive) out += fmt::format("  insensitive: {}\n", n);
      for (const std::string& n : r.failed_in_baseline)
        out += fmt::format("  failed with the kind present: {}\n", n);
    }
    // The cross-cutting suites' coverage: only their cases that declare a kind were counted.
    const auto& declarations =
        record.sensitivity.value("declarations", nlohmann::ordered_json::object());
    for (const auto& [suite, d] : declarations.items())
      out += fmt::format("{}: {} of {} cases declare kinds\n", suite, d.value("declared", 0),
                         d.value("cases", 0));
  }
  bool header = false;
  for (const Case& c : record.cases) {
    // A control's failures are the expected ones; what matters is listed per kind above.
    if (!sensitivity.empty()) break;
    if (c.verdict != Verdict::kFail && c.verdict != Verdict::kError) continue;
    if (!header) out += "\nFailing cases:\n";
    header = true;
    out += fmt::format("  {} {}: {}\n    {}\n", c.verdict == Verdict::kFail ? "FAIL " : "ERROR",
                       c.suite, c.name, Headline(c));
  }
  if (!record.flaky.empty())
    out +=
        fmt::format("\nFlaky: {} case(s) changed verdict between repeats:\n", record.flaky.size());
  for (const std::string& line : record.flaky) out += fmt::format("  {}\n", line);
  std::vector<SkipGroup> skips = GroupSkips(record);
  if (!skips.empty()) out += "\nSkip reasons:\n";
  for (const SkipGroup& g : skips)
    out += fmt::format("  {:>4} × {}\n", g.cases.size(),
                       g.reason.empty() ? "(no reason given)" : g.reason);
  std::vector<const Case*> by_design = ByDesignCases(record);
  if (!by_design.empty())
    out += "\nNot isolated by design (neither pass nor fail; the knob in brackets closes it):\n";
  for (const Case* c : by_design)
    out += fmt::format("  {}: {}\n    {}\n", c->suite, c->name, c->reason);
  if (HealthSummary h = SummariseHealth(record); h.binaries > 0) {
    out += fmt::format(
        "\nKernel health around {} suite binaries:\n  taint: {}\n  kernel log: {}\n  "
        "namespaces: {}\n",
        h.binaries, h.taint, h.kmsg, h.namespaces);
    for (const std::string& p : h.problems) out += fmt::format("  FAIL {}\n", p);
  }
  if (ExposureTable e = ExposureTableOf(record.exposure); !e.Empty())
    out += "\nExposure (what a user reaches through a user namespace here):\n" + ExposureText(e);
  for (const Binary& b : record.binaries)
    if (!b.ok) out += fmt::format("\n{} did not end cleanly: {}\n", b.name, b.status);
  out += RenderRuntimesText(record);
  return out;
}

}  // namespace nsprobe::report
