// Sensitivity: how many of a kind's cases fail once the runtime withholds that kind's
// namespace. A pure function of two runs of the kind's suite inside the guard sandbox: one
// with the namespace (the baseline) and one without (the negative control).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::run {

using record::Case;
using record::Record;
using record::ToJson;

struct KindSensitivity {
  std::string kind;
  // Cases that passed in the baseline: the ones the control must turn into failures.
  int cases = 0;
  int failed_as_expected = 0;  // of those, failed (or errored) with the kind withheld
  // Insensitive: passed, or skipped, although the namespace they isolate with was withheld.
  std::vector<std::string> still_passed;
  std::vector<std::string> skipped_instead;
  // Failed in the baseline: the guard itself broke them, so they prove nothing either way.
  std::vector<std::string> failed_in_baseline;
  int not_applicable = 0;  // skipped in the baseline too (with the probe's reason)

  double Percent() const { return cases == 0 ? 0 : 100.0 * failed_as_expected / cases; }
  // Every applicable case failed, at least one was applicable, and the baseline was clean.
  bool Complete() const {
    return cases > 0 && failed_as_expected == cases && failed_in_baseline.empty();
  }
};

KindSensitivity Sensitivity(const std::string& kind, const std::vector<Case>& baseline,
                            const std::vector<Case>& withheld);

nlohmann::ordered_json ToJson(const KindSensitivity& s);
// The record's sensitivity section: {"withheld": "net,pid", "complete": bool, "guard": guard,
// "kinds": {"net": {...}, ...}}.
nlohmann::ordered_json SensitivitySection(const std::vector<KindSensitivity>& kinds,
                                          const nlohmann::ordered_json& guard);
// True when the record's sensitivity section says every withheld kind reached 100%.
bool SensitivityComplete(const Record& record);

}  // namespace nsprobe::run
