// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that a
// person opens from a CI artifact. First the verdict in one word and why; then what broke, the
// kinds × modes table of the conformance suites, charts (verdicts per kind, time per suite,
// sensitivity, benchmarks), grouped skip reasons, what the machine allows (the probe) and its
// fingerprint. The layout holds from a 360 px phone to a wide screen: long names wrap, tables
// never push the page sideways.
#include <fmt/format.h>

#include <algorithm>

#include "ci/report/render.hpp"
#include "ci/report/render_runtimes.hpp"
#include "ci/report/svg_chart.hpp"

namespace nsprobe::report {

namespace {

// Colours carry a value only when there is one: a zero count is plain grey, whatever its
// column. th never breaks inside a word; td and code break anywhere, so a long gtest name
// wraps instead of widening the table past a phone's edge.
constexpr std::string_view kStyle = R"(
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;color:#1d1d1d;
padding:12px 16px 40px}
h1{font-size:21px;margin:0}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:14px 0 4px;overflow-wrap:anywhere}
.meta{color:#555;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:6px 0;max-width:100%}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f4f4f4;overflow-wrap:normal;word-break:keep-all;hyphens:none}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{background:#f2f2f2;padding:0 3px;overflow-wrap:anywhere}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;white-space:pre-wrap;
overflow-wrap:anywhere;margin:4px 0 12px}
details{margin:4px 0}summary{cursor:pointer}
.pass{background:#dff3df}.fail{background:#f8d7da}.skip{background:#fff3cd}
.error{background:#f5c2c7}.by_design{background:#dbe7fb}.none{color:#888;background:none}
.verdict{border-radius:8px;padding:12px 16px;margin:8px 0 10px;border:2px solid}
.verdict.pass{border-color:#2e7d32}.verdict.fail{border-color:#c62828}
.verdict.incomplete{background:#ffe8cc;border-color:#e65100}
.verdict b{font-size:26px;letter-spacing:.04em;margin-right:10px}
.verdict span{font-size:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:600;margin:2px 6px 2px 0}
.cell{display:block;font-size:13px;white-space:normal}
.chart{margin:6px 0 14px;max-width:760px}
.row{display:grid;grid-template-columns:minmax(5em,11em) 1fr auto;gap:4px 8px;align-items:center;
margin:2px 0}
.row>span:first-child{overflow-wrap:anywhere;font-size:13px}
.row>span:last-child{font-size:13px;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;height:14px;background:#f0f0f0;border-radius:3px;overflow:hidden}
.bar i{display:block;height:100%}
.bar i.pass,.legend i.pass{background:#43a047}.bar i.fail,.legend i.fail{background:#e53935}
.bar i.skip,.legend i.skip{background:#fbc02d}.bar i.by_design,.legend i.by_design{background:#5c8ee0}.bar i.error,.legend i.error{background:#8e24aa}
.bar i.time{background:#4e79a7}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
svg{max-width:100%;height:auto}
@media (max-width:600px){body{font-size:14px;padding:8px 8px 30px}td,th{padding:3px 5px}
td.n{white-space:normal}
.verdict b{font-size:22px}}
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
    case Verdict::kByDesign:
      return "≈ by design";
  }
  return "?";
}

// A count coloured by its own value: its verdict's colour only when it is not zero.
std::string Badge(int n, std::string_view what, std::string_view css) {
  return fmt::format("<span class=\"badge {}\">{} {}</span>", n == 0 ? "none" : css, n, what);
}

std::string Counts(const Totals& t) {
  return Badge(t.pass, "passed", "pass") + Badge(t.fail, "failed", "fail") +
         Badge(t.skip, "skipped", "skip") +
         Badge(t.error, t.error == 1 ? "error" : "errors", "error") +
         (t.by_design > 0 ? Badge(t.by_design, "not isolated by design", "by_design") : "");
}

std::string VerdictHeader(const Record& record) {
  Outcome o = RunOutcome(record);
  std::string word = o.word;
  std::transform(word.begin(), word.end(), word.begin(), ::toupper);
  return fmt::format(
      "<div class=\"verdict {}\"><b>{}</b><span>{}</span></div>\n<p>{}</p>\n"
      "<h1>nsprobe on Linux {}</h1>\n<p class=\"meta\">{} · {} · nsprobe {}</p>\n",
      o.word, word, XmlEscape(o.why), Counts(record.CountTotals()),
      XmlEscape(record.Fact("kernel.release")), XmlEscape(MachineLine(record)),
      XmlEscape(record.created), XmlEscape(record.nsprobe_version));
}

// One cell of the kinds × modes table: the worst verdict's colour, the counts that are not zero.
std::string ModeCell(const Totals& t) {
  if (t.All() == 0) return "<td class=\"none\">—</td>";
  std::string_view css = t.fail > 0        ? "fail"
                         : t.error > 0     ? "error"
                         : t.pass > 0      ? "pass"
                         : t.by_design > 0 ? "by_design"
                                           : "skip";
  std::string text;
  auto add = [&](int n, std::string_view what) {
    if (n > 0) text += fmt::format("{}{} {}", text.empty() ? "" : " · ", n, what);
  };
  add(t.pass, "pass");
  add(t.fail, "fail");
  add(t.skip, "skip");
  add(t.error, "error");
  add(t.by_design, "by design");
  return fmt::format("<td class=\"{}\">{}</td>", css, text);
}

constexpr std::string_view kModes[] = {"privileged", "unprivileged"};

std::string KindModeTable(const Record& record) {
  std::vector<std::string> labels = ConformanceLabels(record);
  if (labels.empty()) return "<p>No conformance suite ran.</p>\n";
  bool other = false;  // cases of a conformance suite that do not run per mode
  for (const Case& c : record.cases)
    if (c.mode.empty() && std::find(labels.begin(), labels.end(), c.label) != labels.end())
      other = true;
  std::string out = "<table><tr><th>kind</th><th>privileged</th><th>unprivileged</th>";
  if (other) out += "<th>either</th>";
  out += "</tr>\n";
  std::vector<Totals> sums(3);
  for (const std::string& label : labels) {
    std::vector<Totals> cells(3);
    for (const Case& c : record.cases) {
      if (c.label != label) continue;
      std::size_t i = c.mode == kModes[0] ? 0 : c.mode == kModes[1] ? 1 : 2;
      cells[i].Add(c.verdict);
      sums[i].Add(c.verdict);
    }
    out += "<tr><th>" + XmlEscape(label) + "</th>" + ModeCell(cells[0]) + ModeCell(cells[1]);
    out += (other ? ModeCell(cells[2]) : "") + "</tr>\n";
  }
  out += "<tr><th>all</th>" + ModeCell(sums[0]) + ModeCell(sums[1]);
  return out + (other ? ModeCell(sums[2]) : "") + "</tr></table>\n";
}

// A horizontal bar chart in HTML and CSS: it reflows with the page, so it stays readable at
// phone width where a scaled SVG's text would shrink to nothing.
struct Segment {
  std::string_view css;
  double value;
};
std::string BarRow(std::string_view label, const std::vector<Segment>& segments, double scale,
                   std::string_view value) {
  std::string bar;
  for (const Segment& s : segments)
    if (s.value > 0 && scale > 0)
      bar +=
          fmt::format("<i class=\"{}\" style=\"width:{:.2f}%\"></i>", s.css, 100 * s.value / scale);
  return fmt::format(
      "<div class=\"row\"><span>{}</span><span class=\"bar\">{}</span><span>{}</span>"
      "</div>\n",
      XmlEscape(label), bar, XmlEscape(value));
}

std::string Legend() {
  std::string out = "<p class=\"legend meta\">";
  for (std::string_view v : {"pass", "fail", "skip", "error", "by_design"})
    out += fmt::format("<i class=\"{}\"></i>{}", v, v == "by_design" ? "by design" : v);
  return out + "</p>\n";
}

std::string VerdictChart(const Record& record) {
  std::vector<KindTotals> kinds = TotalsByKind(record);
  if (kinds.empty()) return "<p>No cases.</p>\n";
  int most = 0;
  for (const KindTotals& k : kinds) most = std::max(most, k.totals.All());
  // An older record may hold nsprobe's own tests beside the suites: they keep their bar, named
  // as what they are, so that no one reads "runtime" as a ninth kind.
  const std::vector<std::string> conformance = ConformanceLabels(record);
  std::string out = "<div class=\"chart\" role=\"img\" aria-label=\"verdicts per kind\">\n";
  for (const KindTotals& k : kinds) {
    const Totals& t = k.totals;
    const bool own =
        std::find(conformance.begin(), conformance.end(), k.label) == conformance.end();
    out += BarRow(own ? k.label + " (nsprobe's own test)" : k.label,
                  {{"pass", double(t.pass)},
                   {"fail", double(t.fail)},
                   {"skip", double(t.skip)},
                   {"error", double(t.error)},
                   {"by_design", double(t.by_design)}},
                  most, fmt::format("{}/{} pass", t.pass, t.All()));
  }
  return out + "</div>\n";
}

std::string TimeChart(const Record& record) {
  if (record.binaries.empty()) return "<p>No suite binary ran.</p>\n";
  double most = 0, total = 0;
  for (const Binary& b : record.binaries) {
    most = std::max(most, b.duration_s);
    total += b.duration_s;
  }
  std::string out = fmt::format(
      "<p class=\"meta\">{:.1f} s in {} suite binaries.</p>\n<div class=\"chart\" role=\"img\" "
      "aria-label=\"time per suite\">\n",
      total, record.binaries.size());
  for (const Binary& b : record.binaries)
    out += BarRow(b.name, {{"time", b.duration_s}}, most, fmt::format("{:.1f} s", b.duration_s));
  return out + "</div>\n";
}

std::string SensitivityChart(const std::vector<SensitivityRow>& rows) {
  std::string out = "<div class=\"chart\" role=\"img\" aria-label=\"sensitivity per kind\">\n";
  for (const SensitivityRow& r : rows)
    out += BarRow(r.kind, {{r.complete ? "pass" : "fail", r.percent}, {"none", 100 - r.percent}},
                  100, fmt::format("{}/{} ({:.1f}%)", r.failed, r.cases, r.percent));
  return out + "</div>\n";
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
  return out;
}

std::string Skips(const Record& record) {
  std::string out;
  for (const SkipGroup& g : GroupSkips(record)) {
    out += fmt::format(
        "<details><summary><b>{}</b> × {} <span class=\"meta\">({})</span></summary><ul>\n",
        g.cases.size(), XmlEscape(g.reason.empty() ? "(no reason)" : g.reason),
        XmlEscape(g.category));
    for (const Case* c : g.cases) {
      // The exact reason where the group's text made numbers alike.
      std::string exact = c->reason == g.reason ? "" : " — " + XmlEscape(c->reason);
      out += fmt::format("<li>{}: <code>{}</code>{}</li>\n", XmlEscape(c->suite),
                         XmlEscape(c->name), exact);
    }
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
  std::vector<ChartRow> rows;
  std::string table =
      "<table><tr><th>benchmark</th><th>median</th><th>min</th><th>max</th><th>runs</th></tr>\n";
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

// What the probe found this machine allows, per kind and mode, with its reason.
std::string ProbeTable(const Record& record) {
  const auto& p = record.probe;
  if (!p.is_object() || !p.contains("results") || !p["results"].is_array() || p["results"].empty())
    return "<p>The record carries no probe results.</p>\n";
  auto flag = [&](const char* key) {
    return !p.contains(key) || !p[key].is_boolean() ? "?" : p[key].get<bool>() ? "yes" : "no";
  };
  std::string out = fmt::format(
      "<p class=\"meta\">euid {} · clone3 {} · setns(pidfd) {} · NS_GET_ID {}</p>\n"
      "<table><tr><th>kind</th><th>privileged</th><th>unprivileged</th></tr>\n",
      p.contains("euid") ? p["euid"].dump() : "?", flag("clone3"), flag("setns_pidfd"),
      flag("ns_get_id"));
  std::vector<std::string> kinds;
  for (const auto& r : p["results"])
    if (r.is_object() && r.contains("kind") && r["kind"].is_string() &&
        std::find(kinds.begin(), kinds.end(), r["kind"].get<std::string>()) == kinds.end())
      kinds.push_back(r["kind"].get<std::string>());
  for (const std::string& kind : kinds) {
    out += "<tr><th>" + XmlEscape(kind) + "</th>";
    for (std::string_view mode : kModes) {
      std::string cell = "<td class=\"none\">—</td>";
      for (const auto& r : p["results"]) {
        if (!r.is_object() || r.value("kind", "") != kind || r.value("mode", "") != mode) continue;
        std::string verdict = r.value("verdict", "?"), reason = r.value("reason", "");
        cell = fmt::format(
            "<td class=\"{}\">{}{}</td>", verdict == "available" ? "pass" : "skip",
            XmlEscape(verdict),
            reason.empty() ? "" : "<span class=\"cell\">" + XmlEscape(reason) + "</span>");
      }
      out += cell;
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string FingerprintTable(const Record& record) {
  std::string out = "<table><tr><th>fact</th><th>value</th></tr>\n";
  for (const auto& [k, v] : record.fingerprint)
    out +=
        fmt::format("<tr><td><code>{}</code></td><td>{}</td></tr>\n", XmlEscape(k), XmlEscape(v));
  return out + "</table>\n";
}

std::string BinaryTable(const Record& record) {
  std::string out =
      "<table><tr><th>binary</th><th>kind</th><th>cases</th><th>ended</th><th>time</th></tr>\n";
  for (const Binary& b : record.binaries) {
    out += fmt::format(
        "<tr><td><code>{}</code></td><td>{}{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td>"
        "<td class=\"n\">{:.1f} s</td></tr>\n",
        XmlEscape(b.name), XmlEscape(b.label), b.conformance ? "" : " (nsprobe's own test)",
        b.cases, b.ok ? "" : "error", XmlEscape(b.status), b.duration_s);
    if (!b.ok && !b.output_tail.empty())
      out +=
          fmt::format("<tr><td colspan=\"5\"><pre>{}</pre></td></tr>\n", XmlEscape(b.output_tail));
  }
  return out + "</table>\n";
}

std::string ByDesign(const std::vector<const Case*>& cases) {
  std::string out =
      "<p>Neither pass nor fail: what namespaces do not isolate by design, each with the knob "
      "that closes it.</p>\n<table><tr><th>case</th><th>shared</th></tr>\n";
  for (const Case* c : cases)
    out += fmt::format("<tr><td><code>{}</code></td><td class=\"by_design\">{}</td></tr>\n",
                       XmlEscape(c->suite + ":" + c->name), XmlEscape(c->reason));
  return out + "</table>\n";
}

std::string HealthSection(const HealthSummary& h) {
  std::string out = fmt::format(
      "<table><tr><th>taint</th><td>{}</td></tr><tr><th>kernel log</th><td>{}</td></tr>"
      "<tr><th>namespaces</th><td>{}</td></tr></table>\n",
      XmlEscape(h.taint), XmlEscape(h.kmsg), XmlEscape(h.namespaces));
  for (const std::string& p : h.problems)
    out += fmt::format("<pre class=\"fail\">{}</pre>\n", XmlEscape(p));
  return fmt::format("<p class=\"meta\">Read before and after each of {} suite binaries.</p>\n",
                     h.binaries) +
         out;
}

std::string ExposureSection(const ExposureTable& e) {
  std::string out =
      "<p>What a user reaches through a user namespace on this kernel: each action tried in a "
      "fresh user namespace (with its own network, mount, pid, ipc and cgroup namespaces) and "
      "undone.</p>\n<table><tr><th>item</th>";
  for (const std::string& id : e.identities) out += "<th>" + XmlEscape(id) + "</th>";
  out += "</tr>\n";
  for (const ExposureRow& r : e.rows) {
    out += "<tr><td>" + XmlEscape(r.item) + "</td>";
    for (const std::string& c : r.cells)
      out += fmt::format("<td class=\"{}\">{}</td>",
                         c.starts_with("yes") || c == "created" ? "pass" : "none", XmlEscape(c));
    out += "</tr>\n";
  }
  out += "</table>\n";
  if (!e.knobs.empty()) {
    out += "<p class=\"meta\">";
    for (const auto& [k, v] : e.knobs)
      out += fmt::format("<code>{}</code> = {} · ", XmlEscape(k), XmlEscape(v));
    out += "</p>\n";
  }
  return out;
}

// Each withheld kind: how many of its cases failed, and which did not.
std::string SensitivityTable(const std::vector<SensitivityRow>& rows) {
  std::string out =
      "<p>Each kind's suite ran in a guard sandbox with the runtime withholding that kind: "
      "every case that passes with it must fail without it. The failures in this record are "
      "those expected ones.</p>\n" +
      SensitivityChart(rows) +
      "<table><tr><th>withheld</th><th>failed</th><th>caught</th><th>not caught</th></tr>\n";
  for (const SensitivityRow& r : rows) {
    std::string notes;
    for (const std::string& n : r.insensitive) notes += XmlEscape(n) + "<br>";
    for (const std::string& n : r.failed_in_baseline)
      notes += XmlEscape(n) + " (failed with the kind present)<br>";
    out += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{} of {}</td><td class=\"n {}\">{:.1f}%</td>"
        "<td>{}</td></tr>\n",
        XmlEscape(r.kind), r.failed, r.cases, r.complete ? "pass" : "fail", r.percent, notes);
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
  std::string body = VerdictHeader(record);
  const bool negative = IsNegativeControl(record);
  if (negative) body += "<h2>Negative control</h2>\n" + SensitivityTable(SensitivityRows(record));
  if (std::string failures = Failures(record); !failures.empty())
    body += (negative ? "<h2>Failures (expected with the kind withheld)</h2>\n"
                      : "<h2>Failures</h2>\n") +
            failures;
  body += "<h2>Kinds × modes</h2>\n" + KindModeTable(record);
  body += RenderRuntimesHtml(record);
  body += "<h2>Verdicts per kind</h2>\n" + Legend() + VerdictChart(record);
  body += "<h2>Time per suite</h2>\n" + TimeChart(record);
  if (!record.benchmarks.empty()) body += "<h2>Benchmarks</h2>\n" + Benchmarks(record);
  body += "<h2>Skip reasons</h2>\n" + Skips(record);
  if (std::vector<const Case*> by_design = ByDesignCases(record); !by_design.empty())
    body += "<h2>Not isolated by design</h2>\n" + ByDesign(by_design);
  if (HealthSummary h = SummariseHealth(record); h.binaries > 0)
    body += "<h2>Kernel health</h2>\n" + HealthSection(h);
  if (ExposureTable e = ExposureTableOf(record.exposure); !e.Empty())
    body += "<h2>Exposure</h2>\n" + ExposureSection(e);
  body += "<h2>What this machine allows</h2>\n" + ProbeTable(record);
  body += "<h2>Machine</h2>\n<p class=\"meta\">" + XmlEscape(MachineLine(record)) + "</p>\n" +
          FingerprintTable(record);
  body += "<h2>Every case</h2>\n" + AllCases(record);
  body += "<h2>Suite binaries</h2>\n" + BinaryTable(record);
  return HtmlPage(fmt::format("nsprobe {} — {}", record.Fact("kernel.release"), record.created),
                  body);
}

}  // namespace nsprobe::report
