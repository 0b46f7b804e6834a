#include "ci/run/sensitivity.hpp"

#include <map>

namespace nsprobe::run {

using record::Case;
using record::Record;
using record::ToJson;
using record::Verdict;

KindSensitivity Sensitivity(const std::string& kind, const std::vector<Case>& baseline,
                            const std::vector<Case>& withheld) {
  KindSensitivity s;
  s.kind = kind;
  std::map<std::string, const Case*> control;
  for (const Case& c : withheld) control[c.Key()] = &c;
  for (const Case& c : baseline) {
    // A by-design case shows what no namespace isolates: withholding one changes nothing.
    if (c.verdict == Verdict::kSkip || c.verdict == Verdict::kByDesign) {
      ++s.not_applicable;
      continue;
    }
    if (c.verdict != Verdict::kPass) {
      s.failed_in_baseline.push_back(c.name);
      continue;
    }
    ++s.cases;
    auto it = control.find(c.Key());
    // A case the control run never reported (its binary died first) is an error there.
    const Verdict v = it == control.end() ? Verdict::kError : it->second->verdict;
    if (v == Verdict::kFail || v == Verdict::kError) {
      ++s.failed_as_expected;
    } else if (v == Verdict::kPass) {
      s.still_passed.push_back(c.name);
    } else {
      s.skipped_instead.push_back(c.name);
    }
  }
  return s;
}

nlohmann::ordered_json ToJson(const KindSensitivity& s) {
  return {{"cases", s.cases},
          {"failed_as_expected", s.failed_as_expected},
          {"percent", s.Percent()},
          {"complete", s.Complete()},
          {"still_passed", s.still_passed},
          {"skipped_instead", s.skipped_instead},
          {"failed_in_baseline", s.failed_in_baseline},
          {"not_applicable", s.not_applicable}};
}

nlohmann::ordered_json SensitivitySection(const std::vector<KindSensitivity>& kinds,
                                          const nlohmann::ordered_json& guard) {
  std::string withheld;
  bool complete = !kinds.empty();
  nlohmann::ordered_json per_kind = nlohmann::ordered_json::object();
  for (const KindSensitivity& s : kinds) {
    withheld += (withheld.empty() ? "" : ",") + s.kind;
    complete = complete && s.Complete();
    per_kind[s.kind] = ToJson(s);
  }
  return {{"withheld", withheld}, {"complete", complete}, {"guard", guard}, {"kinds", per_kind}};
}

bool SensitivityComplete(const Record& record) {
  return record.sensitivity.is_object() && record.sensitivity.value("complete", false);
}

}  // namespace nsprobe::run
