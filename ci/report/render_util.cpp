// Helpers shared by the record renderers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "ci/report/render.hpp"

namespace nsprobe::report {

namespace {

// Dots join components; anything outside [A-Za-z0-9_-] becomes '_'.
std::string DottedPath(std::string_view text) {
  std::string out;
  for (char ch : text) {
    bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '_' || ch == '-';
    out += keep ? ch : (ch == '.' || ch == '/') ? '.' : '_';
  }
  return out;
}

}  // namespace

std::vector<KindTotals> TotalsByKind(const Record& record) {
  std::vector<KindTotals> rows;
  for (const Case& c : record.cases) {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const KindTotals& r) { return r.label == c.label; });
    if (it == rows.end()) it = rows.insert(rows.end(), KindTotals{c.label, {}});
    it->totals.Add(c.verdict);
  }
  return rows;
}

std::string NormalisedReason(std::string_view reason) {
  std::string out;
  bool in_path = false;
  for (std::size_t i = 0; i < reason.size();) {
    char ch = reason[i];
    if (ch == ' ' || ch == '\'' || ch == '"' || ch == '(' || ch == ',') in_path = false;
    if (ch == '/') in_path = true;
    if (ch < '0' || ch > '9') {
      out += ch;
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < reason.size() && reason[end] >= '0' && reason[end] <= '9') ++end;
    // A version ("Linux 6.18") or a knob's value ("=0") stays: it is the reason.
    bool varies = in_path || end - i >= 4;
    out += varies ? std::string("N") : std::string(reason.substr(i, end - i));
    i = end;
  }
  return out;
}

std::vector<std::string> ConformanceLabels(const Record& record) {
  std::vector<std::string> labels;
  for (const Binary& b : record.binaries)
    if (b.conformance && std::find(labels.begin(), labels.end(), b.label) == labels.end())
      labels.push_back(b.label);
  return labels;
}

Outcome RunOutcome(const Record& record) {
  Totals t = record.CountTotals();
  std::vector<std::string> broken;
  for (const Binary& b : record.binaries)
    if (!b.ok) broken.push_back(fmt::format("{}: {}", b.name, b.status));
  std::string unfinished;
  if (t.error > 0) unfinished = fmt::format("{} of {} cases did not finish", t.error, t.All());
  if (!broken.empty())
    unfinished += fmt::format("{}{} ended abnormally ({})", unfinished.empty() ? "" : "; ",
                              broken.size() == 1 ? "a suite binary" : "suite binaries",
                              fmt::join(broken, ", "));
  if (IsNegativeControl(record)) {
    std::vector<std::string> missed;
    std::vector<SensitivityRow> rows = SensitivityRows(record);
    for (const SensitivityRow& r : rows)
      if (!r.complete) missed.push_back(fmt::format("{} ({:.1f}%)", r.kind, r.percent));
    if (!missed.empty())
      return {"fail", fmt::format("withholding {} went unnoticed by some of its cases",
                                  fmt::join(missed, ", "))};
    if (rows.empty()) return {"incomplete", "the negative control measured no kind"};
    return {"pass",
            fmt::format("every case failed when its kind was withheld ({} kinds)", rows.size())};
  }
  if (t.All() == 0) return {"incomplete", "no case ran"};
  if (t.fail > 0)
    return {"fail", fmt::format("{} of {} cases failed{}", t.fail, t.All(),
                                unfinished.empty() ? "" : "; " + unfinished)};
  if (!unfinished.empty()) return {"incomplete", unfinished};
  return {"pass", t.skip == 0 ? fmt::format("all {} cases passed", t.All())
                              : fmt::format("{} cases passed, {} skipped for the reasons below",
                                            t.pass, t.skip)};
}

std::vector<SkipGroup> GroupSkips(const Record& record) {
  std::vector<SkipGroup> groups;
  for (const Case& c : record.cases) {
    if (c.verdict != Verdict::kSkip) continue;
    const std::string key = NormalisedReason(c.reason);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const SkipGroup& g) { return g.reason == key; });
    if (it == groups.end()) it = groups.insert(groups.end(), SkipGroup{c.skip_category, key, {}});
    it->cases.push_back(&c);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const SkipGroup& a, const SkipGroup& b) {
    return a.cases.size() > b.cases.size();
  });
  return groups;
}

std::vector<std::string> CasePaths(const Record& record) {
  std::vector<std::string> paths;
  std::set<std::string> seen;
  for (const Case& c : record.cases) {
    std::string path = DottedPath(fmt::format("nsprobe.{}.{}", c.suite, c.name));
    std::string unique = path;
    for (int n = 2; !seen.insert(unique).second; ++n) unique = fmt::format("{}_{}", path, n);
    paths.push_back(unique);
  }
  return paths;
}

std::string BenchPath(const Benchmark& benchmark) {
  return DottedPath("nsprobe.bench." + benchmark.name);
}

std::string Headline(const Case& c) {
  std::string text = !c.failures.empty() ? c.failures.front() : c.reason;
  // gtest messages start with "file:line\n"; what went wrong, with the values seen, spans the
  // lines after it: join them with single spaces.
  std::size_t nl = text.find('\n');
  if (nl != std::string::npos && text.substr(0, nl).find(' ') == std::string::npos &&
      nl + 1 < text.size())
    text = text.substr(nl + 1);
  std::string line;
  for (char ch : text) {
    bool space = ch == '\n' || ch == ' ' || ch == '\t';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line += space ? ' ' : ch;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (line.size() > 160) line = line.substr(0, 157) + "...";
  return line;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') break;
        out += ch;
    }
  }
  return out;
}

std::string FormatNs(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.2f} µs", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f} ms", ns / 1e6);
  return fmt::format("{:.2f} s", ns / 1e9);
}

std::string MachineLine(const Record& record) {
  return fmt::format("kernel {} · {} · {} · {} CPUs · host {}", record.Fact("kernel.release"),
                     record.Fact("distro"), record.Fact("arch"), record.Fact("cpu.count"),
                     record.Fact("host"));
}

std::string VerdictCell(const Case* c, bool skip_reason) {
  if (c == nullptr) return "—";
  switch (c->verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      if (skip_reason) return "skip: " + c->reason;
      return "skip: " + (c->skip_category.empty() ? std::string("?") : c->skip_category);
    case Verdict::kError:
      return "ERROR";
    case Verdict::kByDesign:
      return skip_reason ? "not isolated by design: " + c->reason : "by design";
  }
  return "?";
}

std::string MdCell(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|')
      out += "\\|";
    else if (ch == '\n')
      out += ' ';
    else
      out += ch;
  }
  return out;
}

bool IsNegativeControl(const Record& record) {
  return record.sensitivity.is_object() && record.sensitivity.contains("kinds");
}

std::vector<SensitivityRow> SensitivityRows(const Record& record) {
  std::vector<SensitivityRow> rows;
  if (!IsNegativeControl(record) || !record.sensitivity["kinds"].is_object()) return rows;
  auto names = [](const nlohmann::ordered_json& j, const char* key) {
    std::vector<std::string> out;
    if (j.contains(key) && j[key].is_array())
      for (const auto& n : j[key])
        if (n.is_string()) out.push_back(n.get<std::string>());
    return out;
  };
  for (const auto& [kind, j] : record.sensitivity["kinds"].items()) {
    if (!j.is_object()) continue;
    SensitivityRow row;
    row.kind = kind;
    row.cases = j.value("cases", 0);
    row.failed = j.value("failed_as_expected", 0);
    row.percent = j.value("percent", 0.0);
    row.complete = j.value("complete", false);
    for (const std::string& n : names(j, "still_passed"))
      row.insensitive.push_back(n + " (still passed)");
    for (const std::string& n : names(j, "skipped_instead"))
      row.insensitive.push_back(n + " (skipped instead)");
    row.failed_in_baseline = names(j, "failed_in_baseline");
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

using OJson = nlohmann::ordered_json;

std::string Text(const OJson& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

}  // namespace

ExposureTable ExposureTableOf(const OJson& exposure) {
  ExposureTable t;
  if (!exposure.is_object() || !exposure.contains("identities") ||
      !exposure["identities"].is_array())
    return t;
  const OJson& ids = exposure["identities"];
  auto row_of = [&](const std::string& item) -> ExposureRow& {
    auto it = std::find_if(t.rows.begin(), t.rows.end(),
                           [&](const ExposureRow& r) { return r.item == item; });
    if (it == t.rows.end()) it = t.rows.insert(t.rows.end(), {item, {}});
    it->cells.resize(ids.size(), "—");
    return *it;
  };
  row_of("user namespace");
  for (std::size_t n = 0; n < ids.size(); ++n) {
    const OJson& id = ids[n];
    t.identities.push_back(Text(id, "as"));
    const std::string refused = Text(id, "refused");
    row_of("user namespace").cells[n] = refused.empty() ? "created" : "refused: " + refused;
    if (!id.is_object() || !id.contains("items") || !id["items"].is_array()) continue;
    for (const OJson& i : id["items"]) {
      const std::string detail = Text(i, "detail");
      const bool allowed = i.is_object() && i.value("allowed", false);
      std::string cell = allowed ? "yes" : "no";
      // The errno, and for a refusal the knob; a bare "yes" needs no words.
      if (!detail.empty() && (!allowed || i.value("errno", 0) != 0)) cell += ": " + detail;
      row_of(Text(i, "group") + ": " + Text(i, "name")).cells[n] = cell;
    }
  }
  for (ExposureRow& r : t.rows) r.cells.resize(ids.size(), "—");
  // An identity refused its user namespace reached nothing: say so in its every cell.
  for (std::size_t n = 0; n < ids.size(); ++n)
    if (!Text(ids[n], "refused").empty())
      for (ExposureRow& r : t.rows)
        if (r.cells[n] == "—") r.cells[n] = "refused";
  if (exposure.contains("knobs") && exposure["knobs"].is_object())
    for (const auto& [k, v] : exposure["knobs"].items())
      t.knobs.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  return t;
}

std::string ExposureText(const ExposureTable& t) {
  // Column widths in code points: the cells hold "—".
  auto width_of = [](const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> widths = {4};
  for (const std::string& id : t.identities) widths.push_back(width_of(id));
  for (const ExposureRow& r : t.rows) {
    widths[0] = std::max(widths[0], width_of(r.item));
    for (std::size_t n = 0; n < r.cells.size() && n + 1 < widths.size(); ++n)
      widths[n + 1] = std::max(widths[n + 1], width_of(r.cells[n]));
  }
  auto line = [&](const std::string& first, const std::vector<std::string>& cells) {
    std::string out = first + std::string(widths[0] - width_of(first), ' ');
    for (std::size_t n = 0; n < cells.size() && n + 1 < widths.size(); ++n)
      out += "  " + cells[n] + std::string(widths[n + 1] - width_of(cells[n]), ' ');
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line("item", t.identities);
  for (const ExposureRow& r : t.rows) out += line(r.item, r.cells);
  std::vector<std::string> knobs;
  for (const auto& [k, v] : t.knobs) knobs.push_back(k + "=" + v);
  if (!knobs.empty()) out += fmt::format("knobs: {}\n", fmt::join(knobs, ", "));
  return out;
}

HealthSummary SummariseHealth(const Record& record) {
  HealthSummary h;
  int new_lines = 0, matched = 0;
  std::set<std::string> taint_states, kmsg_unreadable, listns_skips;
  bool lost = false, ns_back = true, ns_seen = false;
  for (const Binary& b : record.binaries) {
    const OJson& j = b.health;
    if (!j.is_object() || j.empty()) continue;
    ++h.binaries;
    if (j.contains("taint") && j["taint"].is_object())
      taint_states.insert(fmt::format("{}", j["taint"].value("after", std::uint64_t{0})));
    else
      taint_states.insert(Text(j, "taint"));
    if (j.contains("kmsg") && j["kmsg"].is_object()) {
      new_lines += j["kmsg"].value("new_lines", 0);
      if (j["kmsg"].contains("matched") && j["kmsg"]["matched"].is_array())
        matched += static_cast<int>(j["kmsg"]["matched"].size());
      lost = lost || j["kmsg"].value("lost", false);
    } else {
      kmsg_unreadable.insert(Text(j, "kmsg"));
    }
    if (j.contains("namespaces") && j["namespaces"].is_object()) {
      ns_seen = true;
      ns_back = ns_back && j["namespaces"].value("returned", true);
    } else {
      listns_skips.insert(Text(j, "namespaces"));
    }
    if (j.contains("problems") && j["problems"].is_array())
      for (const OJson& p : j["problems"])
        if (p.is_string()) h.problems.push_back(b.name + ": " + p.get<std::string>());
  }
  h.taint = taint_states.size() == 1 ? *taint_states.begin() + " throughout"
                                     : fmt::format("{}", fmt::join(taint_states, ", "));
  if (taint_states.size() == 1 && taint_states.begin()->starts_with("unreadable"))
    h.taint = *taint_states.begin();
  h.kmsg =
      !kmsg_unreadable.empty()
          ? fmt::format("{}", fmt::join(kmsg_unreadable, "; "))
          : fmt::format("{} new line{}, {} matched WARN/BUG/refcount/leak{}", new_lines,
                        new_lines == 1 ? "" : "s", matched == 0 ? "none" : std::to_string(matched),
                        lost ? " (some overwritten before they were read)" : "");
  h.namespaces = ns_seen ? (ns_back ? "back to baseline after every binary"
                                    : "not back to baseline after some binary (recorded, not "
                                      "judged: the count is the machine's)")
                         : fmt::format("{}", fmt::join(listns_skips, "; "));
  return h;
}

std::vector<const Case*> ByDesignCases(const Record& record) {
  std::vector<const Case*> out;
  for (const Case& c : record.cases)
    if (c.verdict == Verdict::kByDesign) out.push_back(&c);
  return out;
}

}  // namespace nsprobe::report
