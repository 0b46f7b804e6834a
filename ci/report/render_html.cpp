// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that a
// person opens from a CI artifact: verdicts per kind, failures with the values seen, skip
// reasons, the machine, benchmark charts.
#include <fmt/format.h>

#include "ci/report/render.hpp"
#include "ci/report/svg_chart.hpp"

namespace nsprobe::report {

namespace {

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #ddd;padding:3px 9px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{background:#dff3df}.fail{background:#f8d7da}.skip{background:#fff3cd}.error{background:#f5c2c7}
.zero{color:#aaa;background:none}.badge{display:inline-block;padding:1px 7px;border-radius:9px;
font-weight:600;margin-right:6px}pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;
overflow-x:auto;white-space:pre-wrap;margin:4px 0 12px}details{margin:4px 0}summary{cursor:pointer}
code{background:#f2f2f2;padding:0 3px}
)";

std::string_view Css(Verdict v) { return VerdictName(v); }

std::string Symbol(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "✔ pass";
    case Verdict::kFail:
      return "✘ fail";
    case Verdict::kSkip:
      return "– skip";
    case Verdict::kError:
      return "! error";
  }
  return "?";
}

std::string CountCell(int n, std::string_view css) {
  return fmt::format("<td class=\"n {}\">{}</td>", n == 0 ? "zero" : css, n);
}

std::string KindTable(const Record& record) {
  std::string out =
      "<table><tr><th>kind</th><th>pass</th><th>fail</th><th>skip</th><th>error</th>"
      "<th>cases</th></tr>\n";
  auto row = [&](std::string_view label, const Totals& t, bool bold) {
    out += fmt::format("<tr><td>{}{}{}</td>{}{}{}{}<td class=\"n\">{}</td></tr>\n",
                       bold ? "<b>" : "", XmlEscape(label), bold ? "</b>" : "",
                       CountCell(t.pass, "pass"), CountCell(t.fail, "fail"),
                       CountCell(t.skip, "skip"), CountCell(t.error, "error"), t.All());
  };
  for (const KindTotals& k : TotalsByKind(record)) row(k.label, k.totals, false);
  row("total", record.CountTotals(), true);
  return out + "</table>\n";
}

std::string Failures(const Record& record) {
  std::string out;
  for (const Case& c : record.cases) {
    if (c.verdict != Verdict::kFail && c.verdict != Verdict::kError) continue;
    out += fmt::format("<h3><span class=\"badge {}\">{}</span>{}: <code>{}</code></h3>\n",
                       Css(c.verdict), Symbol(c.verdict), XmlEscape(c.suite), XmlEscape(c.name));
    for (const std::string& f : c.failures) out += fmt::format("<pre>{}</pre>\n", XmlEscape(f));
    if (!c.reason.empty()) out += fmt::format("<pre>{}</pre>\n", XmlEscape(c.reason));
  }
  return out.empty() ? "<p>None.</p>\n" : out;
}

std::string Skips(const Record& record) {
  std::string out;
  for (const SkipGroup& g : GroupSkips(record)) {
    out += fmt::format(
        "<details><summary><b>{}</b> × {} <span class=\"meta\">({})</span>"
        "</summary><ul>\n",
        g.cases.size(), XmlEscape(g.reason.empty() ? "(no reason)" : g.reason),
        XmlEscape(g.category));
    for (const Case* c : g.cases)
      out += fmt::format("<li>{}: <code>{}</code></li>\n", XmlEscape(c->suite), XmlEscape(c->name));
    out += "</ul></details>\n";
  }
  return out.empty() ? "<p>None.</p>\n" : out;
}

std::string AllCases(const Record& record) {
  std::string out;
  for (const KindTotals& k : TotalsByKind(record)) {
    out += fmt::format(
        "<details><summary>{} ({} cases)</summary><table>\n"
        "<tr><th>case</th><th>mode</th><th>verdict</th><th>time</th></tr>\n",
        XmlEscape(k.label), k.totals.All());
    for (const Case& c : record.cases) {
      if (c.label != k.label) continue;
      std::string note = c.verdict == Verdict::kPass ? "" : XmlEscape(Headline(c));
      out += fmt::format(
          "<tr><td><code>{}</code></td><td>{}</td><td class=\"{}\" title=\"{}\">{}</td>"
          "<td class=\"n\">{:.3f} s</td></tr>\n",
          XmlEscape(c.name), XmlEscape(c.mode.empty() ? "—" : c.mode), Css(c.verdict), note,
          Symbol(c.verdict), c.duration_s);
    }
    out += "</table></details>\n";
  }
  return out;
}

std::string Benchmarks(const Record& record) {
  if (record.benchmarks.empty())
    return "<p>No benchmark results attached (nsprobe run --bench FILE).</p>\n";
  std::vector<ChartRow> rows;
  std::string table =
      "<table><tr><th>benchmark</th><th>median</th><th>min</th><th>max</th><th>repetitions</th>"
      "</tr>\n";
  for (const Benchmark& b : record.benchmarks) {
    int reps = static_cast<int>(b.real_ns.size());
    rows.push_back({b.name, {ChartValue{b.Median(), b.Min(), b.Max(), reps}}});
    table += fmt::format(
        "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}{}</td></tr>\n",
        XmlEscape(b.name), FormatNs(b.Median()), FormatNs(b.Min()), FormatNs(b.Max()), reps,
        b.aggregates_only ? " (median only)" : "");
  }
  return RangeChartSvg({"median"}, rows) + table + "</table>\n";
}

std::string FingerprintTable(const Record& record) {
  std::string out = "<details><summary>All facts</summary><table>\n";
  for (const auto& [k, v] : record.fingerprint)
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", XmlEscape(k), XmlEscape(v));
  return out + "</table></details>\n";
}

std::string BinaryTable(const Record& record) {
  std::string out =
      "<table><tr><th>binary</th><th>kind</th><th>cases</th><th>ended</th><th>time</th></tr>\n";
  for (const Binary& b : record.binaries) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td>"
        "<td class=\"n\">{:.1f} s</td></tr>\n",
        XmlEscape(b.name), XmlEscape(b.label), b.cases, b.ok ? "" : "error", XmlEscape(b.status),
        b.duration_s);
    if (!b.ok && !b.output_tail.empty())
      out +=
          fmt::format("<tr><td colspan=\"5\"><pre>{}</pre></td></tr>\n", XmlEscape(b.output_tail));
  }
  return out + "</table>\n";
}

// Each withheld kind: how many of its cases failed, and which did not.
std::string SensitivityTable(const Record& record) {
  std::string out =
      "<p>Each kind's suite ran in a guard sandbox with the runtime withholding that kind: "
      "every case that passes with it must fail without it. The failures in this record are "
      "those expected ones.</p>\n<table><tr><th>withheld</th><th>cases</th><th>failed</th>"
      "<th>sensitivity</th><th>insensitive cases</th></tr>\n";
  for (const SensitivityRow& r : SensitivityRows(record)) {
    std::string notes;
    for (const std::string& n : r.insensitive) notes += XmlEscape(n) + "<br>";
    for (const std::string& n : r.failed_in_baseline)
      notes += XmlEscape(n) + " (failed with the kind present)<br>";
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {}\">{:.1f}%</span></td>"
        "<td>{}</td></tr>\n",
        XmlEscape(r.kind), r.cases, r.failed, r.complete ? "pass" : "fail", r.percent, notes);
  }
  return out + "</table>\n";
}

}  // namespace

std::string HtmlPage(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style></head>\n<body>\n{}</body></html>\n",
      XmlEscape(title), kStyle, body);
}

std::string RenderHtml(const Record& record) {
  Totals t = record.CountTotals();
  std::string body = fmt::format(
      "<h1>nsprobe on {}</h1>\n<p class=\"meta\">{} · {} · nsprobe {}</p>\n<p>"
      "<span class=\"badge pass\">{} passed</span><span class=\"badge fail\">{} failed</span>"
      "<span class=\"badge skip\">{} skipped</span><span class=\"badge error\">{} errors</span>"
      "</p>\n",
      XmlEscape(record.Fact("kernel.release")), XmlEscape(MachineLine(record)),
      XmlEscape(record.created), XmlEscape(record.nsprobe_version), t.pass, t.fail, t.skip,
      t.error);
  if (IsNegativeControl(record)) body += "<h2>Negative control</h2>\n" + SensitivityTable(record);
  body += "<h2>Verdicts per kind</h2>\n" + KindTable(record);
  body += "<h2>Failures</h2>\n" + Failures(record);
  body += "<h2>Skip reasons</h2>\n" + Skips(record);
  body += "<h2>Benchmarks</h2>\n" + Benchmarks(record);
  body += "<h2>Every case</h2>\n" + AllCases(record);
  body += "<h2>Suite binaries</h2>\n" + BinaryTable(record);
  body += "<h2>Machine</h2>\n<p>" + XmlEscape(MachineLine(record)) + "</p>\n" +
          FingerprintTable(record);
  return HtmlPage(fmt::format("nsprobe {} — {}", record.Fact("kernel.release"), record.created),
                  body);
}

}  // namespace nsprobe::report
