// nsprobe's results as a LAVA lab reads them without a shell: one flat console line per case,
// "nsprobe-result: <id> <pass|fail|skip>" (and "nsprobe-result: <id> <value> <unit>" for a
// benchmark figure), for a `monitors` pattern of a LAVA test action.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ci/record/record.hpp"

namespace nsprobe::lava {

inline constexpr std::string_view kResultPrefix = "nsprobe-result: ";

// The LAVA test case id of a case: "<suite>.<name>" kept inside LAVA's charset
// [-_a-zA-Z0-9.], the same on every run (a pure function of the two names), and one-to-one:
// '_' is the escape character, so no two (suite, name) pairs share an id and CaseOfId gives
// both back. In the name '/' becomes '-' ("Modes/PidNamespace.Sees/privileged" ->
// "Modes-PidNamespace.Sees-privileged"); a '-' of the name becomes "_-". In the suite '-' stays
// (the matrix's unprivileged suites are "<suite>-uid<N>") and '.' becomes "_2E", so the first
// '.' ends the suite. '_' is "__"; any other byte is "_" and two upper-case hex digits.
std::string CaseId(std::string_view suite, std::string_view name);
inline std::string CaseId(const record::Case& c) { return CaseId(c.suite, c.name); }

// (suite, name) of an id CaseId made; nullopt for a string it cannot have made.
std::optional<std::pair<std::string, std::string>> CaseOfId(std::string_view id);

// A benchmark figure's id: "bench." followed by its name encoded as a case name is.
std::string BenchmarkId(std::string_view benchmark);

// The verdict as LAVA spells it: an error (the case could not run to a verdict) is a fail.
std::string_view LavaVerdict(record::Verdict v);

// Every case of `rec` as a result line (cases in record order), then every benchmark's median
// real time in ns; each line ends in '\n'.
std::string ResultLines(const record::Record& rec);

}  // namespace nsprobe::lava
