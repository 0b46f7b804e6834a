// `nsprobe compare` output: a terminal table, Markdown, or an HTML page with a chart.
#include <fmt/format.h>

#include <cmath>

#include "ci/compare/compare.hpp"
#include "ci/report/render.hpp"
#include "ci/report/svg_chart.hpp"

namespace nsprobe::compare {

using record::Benchmark;
using record::Case;
using record::Median;
using record::VerdictName;
using report::ChartRow;
using report::ChartValue;
using report::FormatNs;
using report::HtmlPage;
using report::MachineLine;
using report::MdCell;
using report::RangeChartSvg;
using report::VerdictCell;
using report::XmlEscape;

namespace {

std::string Verdict3(const BenchDelta& d) {
  if (d.regression) return "REGRESSION";
  if (d.improvement) return "improvement";
  if (!d.tested) return "not tested (no repetitions)";
  return "no significant change";
}

std::string Summary(const Comparison& cmp) {
  return fmt::format("{}: {} new failure(s), {} benchmark regression(s)",
                     cmp.Failed() ? "FAILED" : "OK", cmp.NewFailures(), cmp.Regressions());
}

std::string Percent(double change) { return fmt::format("{:+.1f}%", change * 100); }

}  // namespace

std::string RenderCompareText(const Comparison& cmp) {
  std::string out;
  for (const Input& in : cmp.inputs)
    out += fmt::format(
        "{}: {}{}\n", in.label, in.path,
        in.gbench_only ? " (benchmarks)" : " (kernel " + in.record.Fact("kernel.release") + ")");
  for (std::size_t i = 0; i < cmp.changes.size(); ++i) {
    const std::string& a = cmp.inputs[0].label;
    const std::string& b = cmp.inputs[i + 1].label;
    if (!cmp.changes[i].empty()) out += fmt::format("\nCases, {} against {}:\n", b, a);
    for (const CaseChange& c : cmp.changes[i])
      out += fmt::format("  {:<20} {}: {}  [{} -> {}]\n", ChangeName(c.change), c.suite, c.name,
                         c.before, c.after);
    if (!cmp.runtimes[i].empty()) out += fmt::format("\nSandbox runtimes, {} against {}:\n", b, a);
    for (const RuntimeDelta& d : cmp.runtimes[i]) out += "  " + RuntimeDeltaLine(d) + "\n";
    if (!cmp.bench[i].empty()) {
      const BenchDelta& first = cmp.bench[i].front();
      out += fmt::format(
          "\nBenchmarks, {} against {} ({}, alpha {}, threshold {:.0f}%):\n", b, a,
          first.paired ? "paired rounds, signed-rank test of each round's ratio" : "U test",
          cmp.options.alpha, first.threshold * 100);
      out += fmt::format("  {:<48} {:>12} {:>12} {:>8} {:>8} {:>8}  {}\n", "benchmark", a, b,
                         "change", "p", "detects", "verdict");
    }
    for (const BenchDelta& d : cmp.bench[i])
      out += fmt::format("  {:<48} {:>12} {:>12} {:>8} {:>8} {:>8}  {}\n", d.name,
                         FormatNs(d.base_median), FormatNs(d.other_median), Percent(d.change),
                         d.tested ? fmt::format("{:.4f}", d.p) : "-",
                         d.tested ? fmt::format("{:.1f}%", d.detectable * 100) : "-", Verdict3(d));
  }
  if (cmp.inputs.size() > 2 || cmp.options.all) {
    out += "\nMatrix (" + std::string(cmp.options.all ? "all cases" : "cases that differ") + "):\n";
    for (const MatrixRow& row : cmp.matrix) {
      out += fmt::format("  {}: {}\n", row.suite, row.name);
      for (std::size_t i = 0; i < row.cells.size(); ++i)
        out += fmt::format("      {}: {}\n", cmp.inputs[i].label, VerdictCell(row.cells[i], true));
    }
  }
  for (const std::string& w : cmp.warnings) out += "\nwarning: " + w + "\n";
  return out + "\n" + Summary(cmp) + "\n";
}

std::string RenderCompareMarkdown(const Comparison& cmp) {
  std::string out = fmt::format("## nsprobe compare: {}\n\n", Summary(cmp));
  for (const Input& in : cmp.inputs)
    out += fmt::format("- **{}**: `{}`{}\n", in.label, in.path,
                       in.gbench_only ? "" : " — kernel " + in.record.Fact("kernel.release"));
  for (std::size_t i = 0; i < cmp.changes.size(); ++i) {
    const std::string& a = cmp.inputs[0].label;
    const std::string& b = cmp.inputs[i + 1].label;
    if (!cmp.changes[i].empty())
      out += fmt::format(
          "\n### Cases, {} against {}\n\n| change | case | {} | {} |\n|---|---|---|---|\n", b, a, a,
          b);
    for (const CaseChange& c : cmp.changes[i])
      out += fmt::format("| {} | `{}: {}` | {} | {} |\n", ChangeName(c.change), c.suite, c.name,
                         MdCell(c.before), MdCell(c.after));
    if (!cmp.runtimes[i].empty())
      out += fmt::format("\n### Sandbox runtimes, {} against {}\n\n", b, a);
    for (const RuntimeDelta& d : cmp.runtimes[i]) out += "- " + MdCell(RuntimeDeltaLine(d)) + "\n";
    if (!cmp.bench[i].empty())
      out += fmt::format(
          "\n### Benchmarks, {} against {}\n\n| benchmark | {} | {} | change | p | verdict |\n"
          "|---|---:|---:|---:|---:|---|\n",
          b, a, a, b);
    for (const BenchDelta& d : cmp.bench[i])
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", d.name, FormatNs(d.base_median),
                         FormatNs(d.other_median), Percent(d.change),
                         d.tested ? fmt::format("{:.4f}", d.p) : "–",
                         d.regression ? "**REGRESSION**" : Verdict3(d));
  }
  if (!cmp.matrix.empty() && (cmp.inputs.size() > 2 || cmp.options.all)) {
    out += "\n### Matrix\n\n| case |";
    for (const Input& in : cmp.inputs) out += fmt::format(" {} |", in.label);
    out += "\n|---|";
    for (std::size_t i = 0; i < cmp.inputs.size(); ++i) out += "---|";
    out += "\n";
    for (const MatrixRow& row : cmp.matrix) {
      out += fmt::format("| `{}: {}` |", row.suite, row.name);
      // fmt, not operator+: GCC 12 at -O3 misreads the temporaries as overlapping (-Wrestrict).
      for (const Case* c : row.cells) out += fmt::format(" {} |", MdCell(VerdictCell(c, true)));
      out += "\n";
    }
  }
  for (const std::string& w : cmp.warnings) out += "\n> ⚠️ " + MdCell(w) + "\n";
  return out;
}

std::string RenderCompareHtml(const Comparison& cmp) {
  std::string body =
      fmt::format("<h1>nsprobe compare</h1>\n<p><span class=\"badge {}\">{}</span></p>\n<ul>\n",
                  cmp.Failed() ? "fail" : "pass", XmlEscape(Summary(cmp)));
  std::vector<std::string> series;
  for (const Input& in : cmp.inputs) {
    body += fmt::format("<li><b>{}</b>: <code>{}</code>{}</li>\n", XmlEscape(in.label),
                        XmlEscape(in.path),
                        in.gbench_only ? "" : XmlEscape(" — " + MachineLine(in.record)));
    series.push_back(in.label);
  }
  body += "</ul>\n";
  for (const std::string& w : cmp.warnings)
    body += fmt::format("<p class=\"skip\">warning: {}</p>\n", XmlEscape(w));
  for (std::size_t i = 0; i < cmp.changes.size(); ++i) {
    const std::string& a = cmp.inputs[0].label;
    const std::string& b = cmp.inputs[i + 1].label;
    if (!cmp.changes[i].empty()) {
      body += fmt::format(
          "<h2>Cases, {} against {}</h2>\n<table><tr><th>change</th><th>case</th>"
          "<th>{}</th><th>{}</th></tr>\n",
          XmlEscape(b), XmlEscape(a), XmlEscape(a), XmlEscape(b));
      for (const CaseChange& c : cmp.changes[i])
        body += fmt::format(
            "<tr><td class=\"{}\">{}</td><td><code>{}: {}</code></td><td>{}</td>"
            "<td>{}</td></tr>\n",
            c.change == Change::kNewFailure ? "fail" : "", ChangeName(c.change), XmlEscape(c.suite),
            XmlEscape(c.name), XmlEscape(c.before), XmlEscape(c.after));
      body += "</table>\n";
    }
    if (!cmp.runtimes[i].empty())
      body += fmt::format("<h2>Sandbox runtimes, {} against {}</h2>\n<ul>\n", XmlEscape(b),
                          XmlEscape(a));
    for (const RuntimeDelta& d : cmp.runtimes[i])
      body += "<li" + std::string(d.changes.empty() ? "" : " class=\"fail\"") + ">" +
              XmlEscape(RuntimeDeltaLine(d)) + "</li>\n";
    if (!cmp.runtimes[i].empty()) body += "</ul>\n";
    if (cmp.bench[i].empty()) continue;
    body += fmt::format(
        "<h2>Benchmarks, {} against {}</h2>\n<table><tr><th>benchmark</th><th>{}</th>"
        "<th>{}</th><th>change</th><th>p</th><th>verdict</th></tr>\n",
        XmlEscape(b), XmlEscape(a), XmlEscape(a), XmlEscape(b));
    for (const BenchDelta& d : cmp.bench[i])
      body += fmt::format(
          "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>\n",
          XmlEscape(d.name), FormatNs(d.base_median), FormatNs(d.other_median), Percent(d.change),
          d.tested ? fmt::format("{:.4f}", d.p) : "–",
          d.regression    ? "fail"
          : d.improvement ? "pass"
                          : "",
          Verdict3(d));
    body += "</table>\n";
  }
  // One chart with every input as a series, over the benchmarks of the first input.
  std::vector<ChartRow> rows;
  for (const Benchmark& b : cmp.inputs[0].record.benchmarks) {
    ChartRow row{b.name, {}};
    for (const Input& in : cmp.inputs) {
      auto it = std::find_if(in.record.benchmarks.begin(), in.record.benchmarks.end(),
                             [&](const Benchmark& x) { return x.name == b.name; });
      if (it == in.record.benchmarks.end())
        row.values.push_back(std::nullopt);
      else
        row.values.push_back(
            ChartValue{it->Median(), it->Min(), it->Max(), static_cast<int>(it->real_ns.size())});
    }
    rows.push_back(std::move(row));
  }
  if (!rows.empty()) body += "<h2>Medians with min–max</h2>\n" + RangeChartSvg(series, rows);
  if (!cmp.matrix.empty()) {
    body += "<h2>Matrix</h2>\n<table><tr><th>case</th>";
    for (const Input& in : cmp.inputs) body += "<th>" + XmlEscape(in.label) + "</th>";
    body += "</tr>\n";
    for (const MatrixRow& row : cmp.matrix) {
      body += fmt::format("<tr><td><code>{}: {}</code></td>", XmlEscape(row.suite),
                          XmlEscape(row.name));
      for (const Case* c : row.cells)
        body += fmt::format("<td class=\"{}\">{}</td>", c ? VerdictName(c->verdict) : "",
                            XmlEscape(VerdictCell(c, true)));
      body += "</tr>\n";
    }
    body += "</table>\n";
  }
  return HtmlPage("nsprobe compare", body);
}

}  // namespace nsprobe::compare
