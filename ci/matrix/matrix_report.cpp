#include "ci/matrix/matrix_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ci/report/render.hpp"
#include "ci/report/svg_chart.hpp"

namespace nsprobe::matrix {
namespace {

using record::Case;
using record::Verdict;
using report::MdCell;
using report::VerdictCell;

// Fingerprint facts that describe the kernel and its policy, by row group.
std::string FactGroup(const std::string& key) {
  if (key.starts_with("config.")) return key == "config.source" ? "" : "config";
  if (key.starts_with("kernel.") && key != "kernel.release" && key != "kernel.version")
    return "policy";
  if (key == "user.max_user_namespaces" || key == "user_namespace.enable" || key == "seccomp")
    return "policy";
  if (key == "kernel.release" || key == "cgroup.version" || key == "emulation" ||
      key == "virtualization" || key == "distro")
    return "machine";
  return "";  // per-host noise (cpu model, host name, namespace limits sized by memory)
}

void Finish(MatrixRow& row) {
  std::set<std::string> seen(row.cells.begin(), row.cells.end());
  row.differs = seen.size() > 1;
}

void StableDiffersFirst(std::vector<MatrixRow>& rows) {
  std::stable_partition(rows.begin(), rows.end(), [](const MatrixRow& r) { return r.differs; });
}

std::string Truncate(std::string text, std::size_t max) {
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

std::string ColumnTitle(const MatrixColumn& c) {
  return c.run.label + (c.run.emulation == "tcg" ? " (TCG)" : "");
}

std::string Timing(const KernelRun& run) {
  std::vector<std::string> parts;
  double total = 0;
  for (const auto& [phase, s] : run.timings) {
    parts.push_back(fmt::format("{} {:.1f} s", phase, s));
    total += s;
  }
  return parts.empty() ? "" : fmt::format("{:.1f} s ({})", total, fmt::join(parts, ", "));
}

std::string GuestPhases(const KernelRun& run) {
  std::vector<std::string> parts;
  for (const auto& [phase, s] : run.guest_phases)
    parts.push_back(fmt::format("{} {:.1f} s", phase, s));
  return parts.empty() ? "—" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string Totals(const record::Record& r) {
  record::Totals t = r.CountTotals();
  return fmt::format("{} pass, {} fail, {} skip, {} error{}", t.pass, t.fail, t.skip, t.error,
                     t.by_design > 0 ? fmt::format(", {} by design", t.by_design) : "");
}

std::vector<std::pair<std::string, std::string>> ProbeFacts(const nlohmann::ordered_json& probe,
                                                            const std::string& who) {
  std::vector<std::pair<std::string, std::string>> facts;
  if (!probe.is_object()) return facts;
  for (const auto& [key, value] : probe.items()) {
    if (key == "results" || key == "euid") continue;
    facts.emplace_back(key, value.is_boolean() ? (value.get<bool>() ? "yes" : "no") : value.dump());
  }
  if (probe.contains("results") && probe["results"].is_array())
    for (const auto& r : probe["results"]) {
      std::string verdict = r.value("verdict", "?");
      std::string reason = r.value("reason", "");
      facts.emplace_back(
          fmt::format("{} ({}, as {})", r.value("kind", "?"), r.value("mode", "?"), who),
          reason.empty() ? verdict : fmt::format("{}: {}", verdict, reason));
    }
  return facts;
}

}  // namespace

std::vector<MatrixRow> FeatureRows(const std::vector<MatrixColumn>& columns) {
  const std::size_t n = columns.size();
  std::vector<std::string> order;
  std::map<std::string, MatrixRow> rows;
  auto put = [&](const std::string& group, const std::string& name, std::size_t col,
                 const std::string& value) {
    std::string key = group + "\n" + name;
    auto [it, fresh] = rows.try_emplace(key);
    if (fresh) {
      order.push_back(key);
      it->second = {group,
                    name,
                    std::vector<std::string>(n, "—"),
                    std::vector<std::string>(n),
                    std::vector<std::string>(n),
                    false};
    }
    std::size_t colon = value.find(": ");
    it->second.cells[col] = colon == std::string::npos ? value : value.substr(0, colon);
    it->second.detail[col] = value;
    const std::string& v = it->second.cells[col];
    it->second.css[col] = v == "available" || v == "yes" || v == "created" ? "pass"
                          : v == "unsupported" || v == "no"                ? "skip"
                          : v == "policy" || v == "privilege"              ? "skip"
                          : v.starts_with("error") || v == "failed"        ? "fail"
                                                                           : "";
  };
  for (std::size_t i = 0; i < n; ++i) {
    const record::Record& r = columns[i].record;
    for (const auto& [k, v] : ProbeFacts(r.probe, "root")) {
      bool kind = k.find(" (") != std::string::npos;
      put(kind ? "kind" : "api", k, i, v);
    }
    const auto& m = r.options.contains("matrix") ? r.options["matrix"] : nlohmann::ordered_json();
    if (m.is_object() && m.contains("probe_unprivileged"))
      for (const auto& [k, v] : ProbeFacts(m["probe_unprivileged"], "uid"))
        if (k.find(" (") != std::string::npos) put("kind", k, i, v);
    for (const auto& [k, v] : r.fingerprint)
      if (std::string g = FactGroup(k); !g.empty()) put(g, k, i, v);
    // What a user reaches through a user namespace on this kernel, so that a distribution's
    // restriction (AppArmor, max_user_namespaces=0) reads beside another's openness.
    const report::ExposureTable exposure = report::ExposureTableOf(r.exposure);
    for (const report::ExposureRow& row : exposure.rows)
      for (std::size_t id = 0; id < row.cells.size(); ++id)
        put("exposure", fmt::format("{} (as {})", row.item, exposure.identities[id]), i,
            row.cells[id]);
  }
  // What the suites found missing without a probe field for it (nsfs file handles): each
  // "unsupported" skip reason is a row, marked where a kernel's cases skipped for it.
  std::map<std::string, std::vector<int>> unsupported;
  for (std::size_t i = 0; i < n; ++i)
    for (const Case& c : columns[i].record.cases)
      if (c.verdict == Verdict::kSkip && c.skip_category == "unsupported") {
        auto [it, fresh] = unsupported.try_emplace(c.reason, std::vector<int>(n, 0));
        ++it->second[i];
      }
  for (const auto& [reason, counts] : unsupported)
    for (std::size_t i = 0; i < n; ++i) {
      if (columns[i].record.cases.empty()) continue;
      std::string name = reason.substr(reason.find(": ") + 2);
      put("unsupported", name, i,
          counts[i] == 0 ? "available"
                         : fmt::format("unsupported: {} case(s) skip for it", counts[i]));
    }
  std::vector<MatrixRow> out;
  for (const std::string& key : order) {
    Finish(rows[key]);
    out.push_back(rows[key]);
  }
  StableDiffersFirst(out);
  return out;
}

std::vector<MatrixRow> CaseRows(const std::vector<MatrixColumn>& columns) {
  const std::size_t n = columns.size();
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Case*>> cells;
  for (std::size_t i = 0; i < n; ++i)
    for (const Case& c : columns[i].record.cases) {
      auto [it, fresh] = cells.try_emplace(c.Key(), std::vector<const Case*>(n, nullptr));
      if (fresh) order.push_back(c.Key());
      it->second[i] = &c;
    }
  std::vector<MatrixRow> out;
  for (const std::string& key : order) {
    MatrixRow row{"case", key, {}, {}, {}, false};
    for (const Case* c : cells[key]) {
      row.cells.push_back(VerdictCell(c, false));
      row.detail.push_back(c == nullptr
                               ? "not run on this kernel"
                               : (c->verdict == Verdict::kSkip ? c->reason : report::Headline(*c)));
      row.css.push_back(c == nullptr ? "" : std::string(record::VerdictName(c->verdict)));
    }
    // A case a kernel did not run (the guest leaves out the suites of nsprobe's own tooling)
    // is no verdict: only the kernels that ran it are compared.
    std::set<std::string> verdicts;
    for (std::size_t i = 0; i < n; ++i)
      if (cells[key][i] != nullptr) verdicts.insert(row.cells[i]);
    row.differs = verdicts.size() > 1;
    out.push_back(std::move(row));
  }
  StableDiffersFirst(out);
  return out;
}

std::string RenderMatrixMarkdown(const std::vector<MatrixColumn>& columns) {
  std::string out = "# nsprobe kernel matrix\n\n";
  std::string head = "| |", rule = "|---|";
  for (const MatrixColumn& c : columns) {
    head += " " + MdCell(ColumnTitle(c)) + " |";
    rule += "---|";
  }
  auto table_row = [&](const std::string& name, const std::vector<std::string>& cells) {
    std::string line = "| " + MdCell(name) + " |";
    // Appended piecewise: GCC 12's -Wrestrict misfires on `" " + std::string&&` at -O3.
    for (const std::string& cell : cells)
      line.append(" ").append(MdCell(Truncate(cell, 80))).append(" |");
    return line + "\n";
  };
  out += head + "\n" + rule + "\n";
  std::vector<std::string> source, totals, time, guest;
  for (const MatrixColumn& c : columns) {
    source.push_back(c.run.source);
    totals.push_back(Totals(c.record));
    time.push_back(Timing(c.run));
    guest.push_back(GuestPhases(c.run));
  }
  out += table_row("source", source) + table_row("verdicts", totals) + table_row("time", time) +
         table_row("in the guest", guest);

  std::vector<MatrixRow> features = FeatureRows(columns);
  std::vector<MatrixRow> cases = CaseRows(columns);
  const auto differing = [](const std::vector<MatrixRow>& rows) {
    return std::count_if(rows.begin(), rows.end(), [](const MatrixRow& r) { return r.differs; });
  };
  out += fmt::format("\n{} of {} feature rows and {} of {} cases differ between kernels.\n",
                     differing(features), features.size(), differing(cases), cases.size());
  for (const MatrixColumn& c : columns)
    for (const std::string& p : c.run.problems)
      out += fmt::format("\n> **{}**: {}\n", MdCell(c.run.label), MdCell(p));

  out += "\n## What each kernel offers (differences first)\n\n" + head + "\n" + rule + "\n";
  for (const MatrixRow& r : features)
    out += table_row((r.differs ? "**≠** " : "") + r.group + ": " + r.name, r.detail);

  out += "\n## Cases that differ\n\n";
  if (differing(cases) == 0)
    out += "None: every case has the same verdict on every kernel.\n";
  else
    out += head + "\n" + rule + "\n";
  std::size_t bytes = out.size();
  for (const MatrixRow& r : cases) {
    if (!r.differs) break;
    std::vector<std::string> cells;
    for (std::size_t i = 0; i < r.cells.size(); ++i)
      // A skip's reason already starts with its category.
      cells.push_back(r.css[i] == "skip"                          ? "skip — " + r.detail[i]
                      : r.css[i] == "fail" || r.css[i] == "error" ? r.cells[i] + " — " + r.detail[i]
                                                                  : r.cells[i]);
    std::string line = table_row(r.name, cells);
    // $GITHUB_STEP_SUMMARY takes at most 1 MiB per step.
    if (bytes + line.size() > std::size_t{900} * 1024) {
      out += "\n(truncated: see matrix.html)\n";
      break;
    }
    bytes += line.size();
    out += line;
  }
  out += fmt::format("\n{} cases have the same verdict on every kernel (listed in matrix.html).\n",
                     cases.size() - static_cast<std::size_t>(differing(cases)));
  return out;
}

std::string RenderMatrixHtml(const std::vector<MatrixColumn>& columns) {
  using report::XmlEscape;
  // One column per kernel; the row names are names (gtest cases, probe facts) that wrap
  // anywhere, the kernel headers break only where their words do.
  std::string head = "<tr><th></th>";
  for (const MatrixColumn& c : columns) head += "<th>" + XmlEscape(ColumnTitle(c)) + "</th>";
  head += "</tr>\n";
  auto row_html = [&](const MatrixRow& r, const std::string& name) {
    std::string line =
        fmt::format("<tr{}><th class=\"name\">{}{}</th>", r.differs ? " class=\"differs\"" : "",
                    r.differs ? "≠ " : "", XmlEscape(name));
    for (std::size_t i = 0; i < r.cells.size(); ++i)
      line += fmt::format("<td class=\"{}\" title=\"{}\">{}</td>", r.css[i], XmlEscape(r.detail[i]),
                          XmlEscape(r.cells[i]));
    return line + "</tr>\n";
  };
  auto table = [&](const std::vector<MatrixRow>& rows, bool differing, bool feature) {
    std::string out;
    for (const MatrixRow& r : rows)
      if (r.differs == differing) out += row_html(r, feature ? r.group + ": " + r.name : r.name);
    return out.empty() ? std::string()
                       : "<div class=\"fit\"><table>\n" + head + out + "</table></div>\n";
  };
  std::vector<MatrixRow> features = FeatureRows(columns);
  std::vector<MatrixRow> cases = CaseRows(columns);
  const auto differing = [](const std::vector<MatrixRow>& rows) {
    return std::count_if(rows.begin(), rows.end(), [](const MatrixRow& r) { return r.differs; });
  };

  // The headline: each kernel's verdict, then how much differs.
  std::string body =
      "<style>tr.differs th.name{border-left:4px solid #c62828}th.name{font-weight:normal;"
      "overflow-wrap:anywhere;word-break:normal;background:#fafafa;min-width:6.5em}.fit{max-width:"
      "100%;"
      "overflow-x:auto}</style>\n<h1>nsprobe kernel matrix</h1>\n";
  std::string worst = "pass";
  for (const MatrixColumn& c : columns) {
    std::string word = report::RunOutcome(c.record).word;
    if (word == "fail" || (word == "incomplete" && worst == "pass")) worst = word;
  }
  std::string upper = worst;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  body += fmt::format(
      "<div class=\"verdict {}\"><b>{}</b><span>{} kernels: {} of {} cases and {} of {} feature "
      "rows differ between them</span></div>\n",
      worst, upper, columns.size(), differing(cases), cases.size(), differing(features),
      features.size());
  body += "<div class=\"fit\"><table>\n" + head + "<tr><th class=\"name\">verdict</th>";
  for (const MatrixColumn& c : columns) {
    report::Outcome o = report::RunOutcome(c.record);
    body += fmt::format("<td class=\"{}\" title=\"{}\"><b>{}</b></td>",
                        o.word == "incomplete" ? "error" : o.word, XmlEscape(o.why), o.word);
  }
  body += "</tr>\n";
  auto info = [&](const std::string& name, auto value) {
    std::string line = "<tr><th class=\"name\">" + XmlEscape(name) + "</th>";
    for (const MatrixColumn& c : columns) line += "<td>" + XmlEscape(value(c)) + "</td>";
    return line + "</tr>\n";
  };
  body += info("verdicts", [](const MatrixColumn& c) { return Totals(c.record); });
  body += info("source", [](const MatrixColumn& c) { return c.run.source; });
  body += info("distro", [](const MatrixColumn& c) { return c.record.Fact("distro"); });
  body += info("time", [](const MatrixColumn& c) { return Timing(c.run); });
  body += info("in the guest", [](const MatrixColumn& c) { return GuestPhases(c.run); });
  body += "</table></div>\n";
  for (const MatrixColumn& c : columns)
    for (const std::string& p : c.run.problems)
      body += fmt::format("<p class=\"error\"><b>{}</b>: {}</p>\n", XmlEscape(c.run.label),
                          XmlEscape(p));

  body += "<h2>Cases that differ</h2>\n";
  std::string case_diffs = table(cases, true, false);
  body += case_diffs.empty() ? "<p>None: every case has the same verdict on every kernel.</p>\n"
                             : case_diffs;
  body +=
      "<h2>What differs in what each kernel offers</h2>\n<p class=\"meta\">Kinds per mode "
      "(what the probe could create), nsfs ioctls and other APIs, policy knobs, "
      "configuration. Hover or tap a cell for the probe's reason.</p>\n";
  std::string feature_diffs = table(features, true, true);
  body += feature_diffs.empty() ? "<p>None: every kernel offers the same.</p>\n" : feature_diffs;
  body += fmt::format(
      "<h2>The same on every kernel</h2>\n<details><summary>{} feature rows</summary>\n{}"
      "</details>\n<details><summary>{} cases</summary>\n{}</details>\n",
      features.size() - static_cast<std::size_t>(differing(features)), table(features, false, true),
      cases.size() - static_cast<std::size_t>(differing(cases)), table(cases, false, false));

  // Benchmarks, when the records carry them: one series per kernel, TCG marked.
  std::vector<std::string> series;
  std::vector<report::ChartRow> chart;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    series.push_back(ColumnTitle(columns[i]));
    for (const record::Benchmark& b : columns[i].record.benchmarks) {
      auto [it, fresh] = index.try_emplace(b.name, chart.size());
      if (fresh)
        chart.push_back({b.name, std::vector<std::optional<report::ChartValue>>(columns.size())});
      chart[it->second].values[i] =
          report::ChartValue{b.Median(), b.Min(), b.Max(), static_cast<int>(b.real_ns.size())};
    }
  }
  if (!chart.empty())
    body +=
        "<h2>Benchmarks</h2>\n<p>Kernels marked TCG ran emulated: compare them only with "
        "each other.</p>\n" +
        report::RangeChartSvg(series, chart);
  return report::HtmlPage("nsprobe kernel matrix", body);
}

}  // namespace nsprobe::matrix
