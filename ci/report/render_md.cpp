// summary.md for $GITHUB_STEP_SUMMARY (GitHub Flavored Markdown, at most 1 MiB per step):
// totals and the per-kind table always fit; failure details and case lists are cut to a
// budget, with a pointer to report.html for the rest.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ci/report/render.hpp"
#include "ci/report/render_runtimes.hpp"
#include "ci/run/sensitivity.hpp"

namespace nsprobe::report {

namespace {

// Well under GitHub's 1024 KiB so other steps of the job still have room.
constexpr std::size_t kBudget = std::size_t{512} * 1024;
constexpr std::size_t kMaxFailureText = 4000;

// A fenced block whose fence is longer than any backtick run inside it.
std::string Fenced(std::string_view text) {
  std::size_t longest = 0, run = 0;
  for (char ch : text) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fmt::format("{}\n{}\n{}\n", fence, text, fence);
}

}  // namespace

std::string RenderMarkdown(const Record& record) {
  Totals t = record.CountTotals();
  // A negative control's verdict is its sensitivity: there, the failures are the point.
  const bool control = IsNegativeControl(record);
  const bool good = control ? run::SensitivityComplete(record) : t.fail + t.error == 0;
  std::string out =
      fmt::format("## {} nsprobe{}: {} passed, {} failed, {} skipped, {} errors{}\n\n{} · {}\n\n",
                  good ? "✅" : "❌",
                  control ? fmt::format(" negative control of {} ({})",
                                        record.sensitivity.value("withheld", std::string("?")),
                                        good ? "every case sensitive" : "NOT every case sensitive")
                          : "",
                  t.pass, t.fail, t.skip, t.error,
                  t.by_design > 0 ? fmt::format(", {} not isolated by design", t.by_design) : "",
                  MachineLine(record), record.created);
  out += "| kind | pass | fail | skip | error | by design |\n|---|---:|---:|---:|---:|---:|\n";
  for (const KindTotals& k : TotalsByKind(record))
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", MdCell(k.label), k.totals.pass,
                       k.totals.fail, k.totals.skip, k.totals.error, k.totals.by_design);
  out += fmt::format("| **total** | **{}** | **{}** | **{}** | **{}** | **{}** |\n", t.pass, t.fail,
                     t.skip, t.error, t.by_design);
  if (t.checks != t.pass)
    out +=
        fmt::format("\n{} behaviours proven by the {} passing cases (a sweep counts each item).\n",
                    t.checks, t.pass);

  const std::vector<SensitivityRow> sensitivity = SensitivityRows(record);
  if (!sensitivity.empty()) {
    out +=
        "\n### Negative control\n\nEach kind's suite ran in a guard sandbox with the runtime "
        "withholding that kind: every case that passes with it must fail without it.\n\n"
        "| withheld | cases | failed | sensitivity | insensitive cases "
        "|\n|---|---:|---:|---:|---|\n";
    for (const SensitivityRow& r : sensitivity) {
      std::vector<std::string> notes = r.insensitive;
      for (const std::string& n : r.failed_in_baseline) notes.push_back(n + " (failed with it)");
      out += fmt::format("| {} | {} | {} | {}{:.1f}% | {} |\n", MdCell(r.kind), r.cases, r.failed,
                         r.complete ? "✅ " : "❌ ", r.percent,
                         MdCell(fmt::format("{}", fmt::join(notes, "; "))));
    }
  }

  if (!record.flaky.empty()) {
    out += fmt::format("\n### Flaky: {} case(s) changed verdict between repeats\n\n",
                       record.flaky.size());
    for (const std::string& line : record.flaky) out += fmt::format("- `{}`\n", MdCell(line));
  }

  std::size_t left_out = 0;
  if (t.fail + t.error > 0 && sensitivity.empty()) out += "\n### Failures\n\n";
  for (const Case& c : record.cases) {
    if (!sensitivity.empty()) break;  // a control's failures are the expected ones
    if (c.verdict != Verdict::kFail && c.verdict != Verdict::kError) continue;
    std::string text;
    for (const std::string& f : c.failures) text += f + "\n";
    if (!c.reason.empty()) text += c.reason + "\n";
    if (text.size() > kMaxFailureText) text = text.substr(0, kMaxFailureText) + "\n[cut]";
    std::string entry = fmt::format(
        "<details><summary>{} <b>{}</b>: <code>{}</code> — {}</summary>\n\n{}\n"
        "</details>\n\n",
        c.verdict == Verdict::kFail ? "❌" : "⚠️", XmlEscape(c.suite), XmlEscape(c.name),
        XmlEscape(Headline(c)), Fenced(text));
    if (out.size() + entry.size() > kBudget) {
      ++left_out;
      continue;
    }
    out += entry;
  }
  out += RenderRuntimesMarkdown(record);
  std::vector<SkipGroup> skips = GroupSkips(record);
  if (!skips.empty())
    out += "\n### Skip reasons\n\n| cases | category | reason |\n|---:|---|---|\n";
  for (const SkipGroup& g : skips)
    out += fmt::format("| {} | {} | {} |\n", g.cases.size(), MdCell(g.category), MdCell(g.reason));
  if (std::vector<const Case*> by_design = ByDesignCases(record); !by_design.empty()) {
    out +=
        "\n### Not isolated by design\n\nNeither pass nor fail: what namespaces share by "
        "design, and the knob that closes it.\n\n| case | shared |\n|---|---|\n";
    for (const Case* c : by_design)
      out += fmt::format("| `{}` | {} |\n", MdCell(c->suite + ":" + c->name), MdCell(c->reason));
  }
  if (HealthSummary h = SummariseHealth(record); h.binaries > 0) {
    out += fmt::format(
        "\n### Kernel health\n\nAround each of {} suite binaries: taint {}; kernel log: {}; "
        "namespaces: {}.\n",
        h.binaries, MdCell(h.taint), MdCell(h.kmsg), MdCell(h.namespaces));
    for (const std::string& p : h.problems) out += fmt::format("- ❌ {}\n", MdCell(p));
  }
  if (ExposureTable e = ExposureTableOf(record.exposure); !e.Empty()) {
    out +=
        "\n### Exposure\n\nWhat a user reaches through a user namespace on this kernel.\n\n| item "
        "|";
    for (const std::string& id : e.identities) out += fmt::format(" {} |", MdCell(id));
    out += "\n|---|";
    for (std::size_t n = 0; n < e.identities.size(); ++n) out += "---|";
    out += "\n";
    for (const ExposureRow& r : e.rows) {
      out += fmt::format("| {} |", MdCell(r.item));
      for (const std::string& c : r.cells) out += fmt::format(" {} |", MdCell(c));
      out += "\n";
    }
    for (const auto& [k, v] : e.knobs) out += fmt::format("\n`{}` = {}", MdCell(k), MdCell(v));
    out += "\n";
  }
  if (!record.benchmarks.empty()) {
    out +=
        "\n### Benchmarks\n\n| benchmark | median | min | max | reps "
        "|\n|---|---:|---:|---:|---:|\n";
    for (const Benchmark& b : record.benchmarks) {
      std::string row =
          fmt::format("| `{}` | {} | {} | {} | {} |\n", MdCell(b.name), FormatNs(b.Median()),
                      FormatNs(b.Min()), FormatNs(b.Max()), b.real_ns.size());
      if (out.size() + row.size() > kBudget) {
        ++left_out;
        continue;
      }
      out += row;
    }
  }
  if (left_out > 0)
    out += fmt::format(
        "\n_{} more entries left out to stay under GitHub's summary limit; see "
        "report.html._\n",
        left_out);
  return out;
}

}  // namespace nsprobe::report
