// `nsprobe compare` of records made by `nsprobe run --runtime`: per runtime, whether its
// version differs between the two records and which of its property verdicts changed, so that
// "bwrap 0.8 on 6.1 against bwrap 0.9 on 6.12" reads as one line per runtime.
#include <fmt/format.h>

#include <algorithm>

#include "ci/compare/compare.hpp"
#include "ci/report/render.hpp"
#include "ci/report/render_runtimes.hpp"

namespace nsprobe::compare {

namespace {

const report::RuntimeTable* Find(const std::vector<report::RuntimeTable>& tables,
                                 const std::string& name) {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

std::string Version(const report::RuntimeTable* t) {
  if (t == nullptr) return "not judged";
  return t->version.empty() ? "not installed" : t->version;
}

}  // namespace

std::vector<RuntimeDelta> CompareRuntimes(const Record& base, const Record& other) {
  const std::vector<report::RuntimeTable> a = report::RuntimeTables(base);
  const std::vector<report::RuntimeTable> b = report::RuntimeTables(other);
  std::vector<std::string> names;
  for (const auto* side : {&a, &b})
    for (const auto& t : *side)
      if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  std::vector<RuntimeDelta> out;
  for (const std::string& name : names) {
    const report::RuntimeTable* ta = Find(a, name);
    const report::RuntimeTable* tb = Find(b, name);
    RuntimeDelta d;
    d.name = name;
    d.base_version = Version(ta);
    d.other_version = Version(tb);
    if (ta != nullptr && tb != nullptr)
      for (std::size_t k = 0; k < ta->rows.size() && k < tb->rows.size(); ++k)
        for (int m = 0; m < 2; ++m) {
          const report::RuntimeCell& ca = ta->rows[k].cells[m];
          const report::RuntimeCell& cb = tb->rows[k].cells[m];
          if (ca.verdict == "-" && cb.verdict == "-") continue;
          ++d.properties;
          if (ca.verdict != cb.verdict)
            d.changes.push_back(fmt::format("{} {}: {} -> {}", ta->rows[k].kind,
                                            report::kRuntimeModes[m], ca.verdict, cb.verdict));
        }
    out.push_back(d);
  }
  return out;
}

std::string RuntimeDeltaLine(const RuntimeDelta& d) {
  std::string line = d.base_version == d.other_version
                         ? fmt::format("{}: {} on both", d.name, d.base_version)
                         : fmt::format("{}: {} -> {} (the version differs)", d.name, d.base_version,
                                       d.other_version);
  line += fmt::format("; {} property verdicts compared, {} differ", d.properties, d.changes.size());
  for (const std::string& c : d.changes) line += "; " + c;
  return line;
}

}  // namespace nsprobe::compare
