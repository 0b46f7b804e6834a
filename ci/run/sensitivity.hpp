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
  // Of `cases`, those from cross-cutting suites that declare the kind (named "suite:case").
  int declared_cases = 0;

  double Percent() const { return cases == 0 ? 0 : 100.0 * failed_as_expected / cases; }
  // Every applicable case failed, at least one was applicable, and the baseline was clean.
  bool Complete() const {
    return cases > 0 && failed_as_expected == cases && failed_in_baseline.empty();
  }
};

KindSensitivity Sensitivity(const std::string& kind, const std::vector<Case>& baseline,
                            const std::vector<Case>& withheld);

// Adds to `s` the cases of a cross-cutting suite's two runs that declare s.kind
// (Case::declared_kinds); every other case of theirs is left out, whatever its verdict.
void AddDeclared(KindSensitivity& s, const std::vector<Case>& baseline,
                 const std::vector<Case>& withheld);

// True when `c` declares `kind` ("mnt" in "mnt,user"). A declaration that is no kind list
// declares nothing.
bool Declares(const Case& c, const std::string& kind);
// The --gtest_filter that runs exactly the baseline's cases declaring `kind` ("A.B/x:C.D/y"),
// empty when none does.
std::string DeclaredFilter(const std::vector<Case>& baseline, const std::string& kind);

// How much of a cross-cutting suite the control can judge: "regression: 15 of 17 cases
// declare kinds", with the others named.
struct Declarations {
  std::string suite;
  int cases = 0;
  int declared = 0;
  std::vector<std::string> not_declared;
};
Declarations DeclarationsOf(const std::string& suite, const std::vector<Case>& baseline);

nlohmann::ordered_json ToJson(const KindSensitivity& s);
// The record's sensitivity section: {"withheld": "net,pid", "complete": bool, "guard": guard,
// "kinds": {"net": {...}, ...}}, and with cross-cutting suites "declarations": {"regression":
// {"cases": 17, "declared": 15, "not_declared": [...]}, ...}.
nlohmann::ordered_json SensitivitySection(const std::vector<KindSensitivity>& kinds,
                                          const nlohmann::ordered_json& guard,
                                          const std::vector<Declarations>& declarations = {});
// True when the record's sensitivity section says every withheld kind reached 100%.
bool SensitivityComplete(const Record& record);

}  // namespace nsprobe::run
