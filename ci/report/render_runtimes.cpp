#include "ci/report/render_runtimes.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ci/report/render.hpp"
#include "runtime/kind.hpp"

namespace nsprobe::report {

using Json = nlohmann::ordered_json;

namespace {

// sandbox_test's case of `kind` in `mode` for the runtime whose case prefix is `prefix`:
// "Runtimes/SandboxRuntime.IsolatesByDefaultAndNotWhenShared/<prefix>_<kind>_<mode>".
const Case* FindCase(const Record& rec, const std::string& prefix, std::string_view kind,
                     std::string_view mode) {
  const std::string suffix = fmt::format("/{}_{}_{}", prefix, kind, mode);
  for (const Case& c : rec.cases)
    if (c.label == "sandbox" && c.name.ends_with(suffix)) return &c;
  return nullptr;
}

std::string VersionOrAbsent(const RuntimeTable& t) {
  return t.version.empty() ? "not installed" : t.version;
}

// "skip (policy)": the reason goes once under the table, not in every cell.
std::string CellText(const RuntimeCell& c) {
  return c.verdict == "skip" ? "skip (" + c.skip_category + ")" : c.verdict;
}

}  // namespace

std::vector<std::string> RuntimeTable::SkipReasons() const {
  std::vector<std::string> reasons;
  for (const RuntimeRow& r : rows)
    for (const RuntimeCell& c : r.cells)
      if (!c.skip_reason.empty() &&
          std::find(reasons.begin(), reasons.end(), c.skip_reason) == reasons.end())
        reasons.push_back(c.skip_reason);
  return reasons;
}

std::vector<RuntimeTable> RuntimeTables(const Record& rec) {
  std::vector<RuntimeTable> tables;
  for (const Json& rt : rec.runtimes) {
    RuntimeTable t;
    t.name = rt.value("name", "");
    t.package = rt.value("package", "");
    t.version = rt.value("version", "");
    const std::string prefix = rt.value("case_prefix", t.name);
    for (int m = 0; m < 2; ++m) {
      const Json mode = rt.contains("modes") ? rt["modes"].value(kRuntimeModes[m], Json::object())
                                             : Json::object();
      t.modes[m] = mode.value("not_in_mode", "").empty() ? mode.value("flags", "")
                                                         : mode.value("not_in_mode", "");
    }
    for (const KindInfo& k : AllKinds()) {
      RuntimeRow row;
      row.kind = std::string(k.name);
      for (int m = 0; m < 2; ++m) {
        const Case* c = FindCase(rec, prefix, k.name, kRuntimeModes[m]);
        if (c == nullptr) continue;
        RuntimeCell& cell = row.cells[m];
        cell.verdict = std::string(VerdictName(c->verdict));
        if (c->verdict == Verdict::kSkip) {
          cell.skip_category = c->skip_category;
          cell.skip_reason = c->reason;
          continue;
        }
        const Json mode = rt["modes"].value(kRuntimeModes[m], Json::object());
        cell.sensitivity = ParseKinds(mode.value("shareable", "none")).Has(k.kind)
                               ? "runtime"
                               : "not controllable with " + t.name;
      }
      t.rows.push_back(row);
    }
    tables.push_back(t);
  }
  return tables;
}

std::string RenderRuntimesText(const Record& rec) {
  std::string out;
  for (const RuntimeTable& t : RuntimeTables(rec)) {
    out += fmt::format("\n{} — {} (Debian package {})\n", t.name, VersionOrAbsent(t), t.package);
    for (int m = 0; m < 2; ++m) out += fmt::format("  {:<13} {}\n", kRuntimeModes[m], t.modes[m]);
    out += fmt::format("  {:<8} {:<24} {:<24} {}\n", "property", kRuntimeModes[0], kRuntimeModes[1],
                       "negative control (privileged / unprivileged)");
    for (const RuntimeRow& r : t.rows) {
      std::string cells[2], controls[2];
      for (int m = 0; m < 2; ++m) {
        const RuntimeCell& c = r.cells[m];
        cells[m] = CellText(c);
        controls[m] = c.sensitivity.empty() ? "-" : c.sensitivity;
      }
      out += fmt::format("  {:<8} {:<24} {:<24} {} / {}\n", r.kind, cells[0], cells[1], controls[0],
                         controls[1]);
    }
  }
  return out;
}

std::string RenderRuntimesMarkdown(const Record& rec) {
  const std::vector<RuntimeTable> tables = RuntimeTables(rec);
  if (tables.empty()) return "";
  std::string out = "\n### Sandbox runtimes\n";
  for (const RuntimeTable& t : tables) {
    out += fmt::format("\n#### {} — {} (package `{}`)\n\n", MdCell(t.name),
                       MdCell(VersionOrAbsent(t)), MdCell(t.package));
    for (int m = 0; m < 2; ++m)
      out += fmt::format("- {}: `{}`\n", kRuntimeModes[m], MdCell(t.modes[m]));
    out +=
        "\n| property | privileged | unprivileged | sensitivity (privileged / unprivileged) |\n"
        "|---|---|---|---|\n";
    for (const RuntimeRow& r : t.rows) {
      std::string cells[2], controls[2];
      for (int m = 0; m < 2; ++m) {
        cells[m] = CellText(r.cells[m]);
        controls[m] = r.cells[m].sensitivity.empty() ? "–" : r.cells[m].sensitivity;
      }
      out += fmt::format("| {} | {} | {} | {} / {} |\n", r.kind, MdCell(cells[0]), MdCell(cells[1]),
                         MdCell(controls[0]), MdCell(controls[1]));
    }
    for (const std::string& reason : t.SkipReasons()) out += "\n- skip: " + MdCell(reason);
    out += "\n";
  }
  return out;
}

std::string RenderRuntimesHtml(const Record& rec) {
  const std::vector<RuntimeTable> tables = RuntimeTables(rec);
  if (tables.empty()) return "";
  std::string out = "<h2>Sandbox runtimes</h2>\n";
  for (const RuntimeTable& t : tables) {
    out += fmt::format("<h3>{} — {}</h3>\n<p class=\"meta\">Debian package {}</p>\n<ul>\n",
                       XmlEscape(t.name), XmlEscape(VersionOrAbsent(t)), XmlEscape(t.package));
    for (int m = 0; m < 2; ++m)
      out += fmt::format("<li>{}: <code>{}</code></li>\n", kRuntimeModes[m], XmlEscape(t.modes[m]));
    out +=
        "</ul>\n<div class=\"scroll\"><table>\n<tr><th>property</th><th>privileged</th>"
        "<th>unprivileged</th><th>sensitivity</th></tr>\n";
    for (const RuntimeRow& r : t.rows) {
      out += "<tr><td>" + XmlEscape(r.kind) + "</td>";
      std::string controls;
      for (int m = 0; m < 2; ++m) {
        const RuntimeCell& c = r.cells[m];
        out +=
            fmt::format("<td class=\"{}\"{}>{}</td>", XmlEscape(c.verdict),
                        c.skip_reason.empty() ? "" : " title=\"" + XmlEscape(c.skip_reason) + "\"",
                        XmlEscape(CellText(c)));
        if (!controls.empty()) controls += " / ";
        controls += c.sensitivity.empty() ? "–" : c.sensitivity;
      }
      out += "<td>" + XmlEscape(controls) + "</td></tr>\n";
    }
    out += "</table></div>\n";
    const std::vector<std::string> reasons = t.SkipReasons();
    if (!reasons.empty()) out += "<ul class=\"meta\">\n";
    for (const std::string& reason : reasons) out += "<li>skip: " + XmlEscape(reason) + "</li>\n";
    if (!reasons.empty()) out += "</ul>\n";
  }
  return out;
}

}  // namespace nsprobe::report
