#include "ci/run/sensitivity.hpp"

#include <map>
#include <stdexcept>

#include "runtime/kind.hpp"

namespace nsprobe::run {

using record::Case;
using record::Record;
using record::ToJson;
using record::Verdict;

namespace {

// Counts into `s` the baseline cases `counted` selects, each against its withheld run;
// `name` is how the lists name a case.
template <typename Counted, typename Name>
void Count(KindSensitivity& s, const std::vector<Case>& baseline, const std::vector<Case>& withheld,
           Counted counted, Name name) {
  std::map<std::string, const Case*> control;
  for (const Case& c : withheld) control[c.Key()] = &c;
  for (const Case& c : baseline) {
    if (!counted(c)) continue;
    // A by-design case shows what no namespace isolates: withholding one changes nothing.
    if (c.verdict == Verdict::kSkip || c.verdict == Verdict::kByDesign) {
      ++s.not_applicable;
      continue;
    }
    if (c.verdict != Verdict::kPass) {
      s.failed_in_baseline.push_back(name(c));
      continue;
    }
    ++s.cases;
    auto it = control.find(c.Key());
    // A case the control run never reported (its binary died first) is an error there.
    const Verdict v = it == control.end() ? Verdict::kError : it->second->verdict;
    if (v == Verdict::kFail || v == Verdict::kError) {
      ++s.failed_as_expected;
    } else if (v == Verdict::kPass) {
      s.still_passed.push_back(name(c));
    } else {
      s.skipped_instead.push_back(name(c));
    }
  }
}

}  // namespace

KindSensitivity Sensitivity(const std::string& kind, const std::vector<Case>& baseline,
                            const std::vector<Case>& withheld) {
  KindSensitivity s;
  s.kind = kind;
  Count(
      s, baseline, withheld, [](const Case&) { return true; },
      [](const Case& c) { return c.name; });
  return s;
}

void AddDeclared(KindSensitivity& s, const std::vector<Case>& baseline,
                 const std::vector<Case>& withheld) {
  const int before = s.cases;
  Count(
      s, baseline, withheld, [&](const Case& c) { return Declares(c, s.kind); },
      [](const Case& c) { return c.Key(); });
  s.declared_cases += s.cases - before;
}

bool Declares(const Case& c, const std::string& kind) {
  if (c.declared_kinds.empty()) return false;
  try {
    return ParseKinds(c.declared_kinds).Has(ParseKind(kind));
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::string DeclaredFilter(const std::vector<Case>& baseline, const std::string& kind) {
  std::string filter;
  for (const Case& c : baseline)
    if (Declares(c, kind)) filter += (filter.empty() ? "" : ":") + c.name;
  return filter;
}

Declarations DeclarationsOf(const std::string& suite, const std::vector<Case>& baseline) {
  Declarations d;
  d.suite = suite;
  for (const Case& c : baseline) {
    ++d.cases;
    if (c.declared_kinds.empty())
      d.not_declared.push_back(c.name);
    else
      ++d.declared;
  }
  return d;
}

nlohmann::ordered_json ToJson(const KindSensitivity& s) {
  return {{"cases", s.cases},
          {"failed_as_expected", s.failed_as_expected},
          {"percent", s.Percent()},
          {"complete", s.Complete()},
          {"still_passed", s.still_passed},
          {"skipped_instead", s.skipped_instead},
          {"failed_in_baseline", s.failed_in_baseline},
          {"not_applicable", s.not_applicable},
          {"declared_cases", s.declared_cases}};
}

nlohmann::ordered_json SensitivitySection(const std::vector<KindSensitivity>& kinds,
                                          const nlohmann::ordered_json& guard,
                                          const std::vector<Declarations>& declarations) {
  std::string withheld;
  bool complete = !kinds.empty();
  nlohmann::ordered_json per_kind = nlohmann::ordered_json::object();
  for (const KindSensitivity& s : kinds) {
    withheld += (withheld.empty() ? "" : ",") + s.kind;
    complete = complete && s.Complete();
    per_kind[s.kind] = ToJson(s);
  }
  nlohmann::ordered_json section = {
      {"withheld", withheld}, {"complete", complete}, {"guard", guard}, {"kinds", per_kind}};
  if (!declarations.empty()) {
    nlohmann::ordered_json by_suite = nlohmann::ordered_json::object();
    for (const Declarations& d : declarations)
      by_suite[d.suite] = {
          {"cases", d.cases}, {"declared", d.declared}, {"not_declared", d.not_declared}};
    section["declarations"] = by_suite;
  }
  return section;
}

bool SensitivityComplete(const Record& record) {
  return record.sensitivity.is_object() && record.sensitivity.value("complete", false);
}

}  // namespace nsprobe::run
