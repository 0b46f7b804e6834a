// What a GoogleTest binary tells about its cases: --gtest_list_tests, the --gtest_output=json
// file, and the console lines (the only place gtest 1.12 puts skip messages).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::run {

using record::Verdict;

struct GtestCase {
  std::string name;  // "Modes/PidNamespace.SeesItselfAsPid1/privileged"
  Verdict verdict = Verdict::kPass;
  std::vector<std::string> failures;
  double duration_s = 0;
  // The case's "nsprobe_kinds" property (suites/support/depends.hpp): "mnt,user", or empty
  // when it declares none (every output written before the property existed).
  std::string declared_kinds;
  // The case's "nsprobe_checks" property (suites/support/checks.hpp): the behaviours it
  // proved, 1 when it recorded none.
  int checks = 1;
};

// Full names from --gtest_list_tests output, in order.
std::vector<std::string> ParseListTests(std::string_view text);
// Cases from a --gtest_output=json file. Throws std::runtime_error when it is not one.
std::vector<GtestCase> ParseGtestJson(const nlohmann::ordered_json& json);
// Full name -> skip message, from the console output ("file:line: Skipped" then the message).
std::map<std::string, std::string> ParseSkipMessages(std::string_view console);
// How many cases the console output shows as finished (OK, FAILED or SKIPPED with a time).
int CountFinished(std::string_view console);
// The last case the console shows as started and not finished, or empty.
std::string RunningCase(std::string_view console);

// "privileged" / "unprivileged" when the parameter part of the name says so, else empty.
std::string ModeOf(std::string_view full_name);
// "unsupported", "policy" or "privilege" from the probe's "category: detail" reasons;
// "uncategorised" for anything else.
std::string SkipCategory(std::string_view reason);

}  // namespace nsprobe::run
