// The command line's numbers parsed with their real range: ids, pids, durations and counts.
// Each Parse* function takes the text as typed and returns the value, or throws
// std::invalid_argument with one line naming the problem and the fix; it never wraps,
// truncates or rounds a value into range. The CLI11 validators run them on the option's
// text before CLI11 converts it, so an out-of-range number never reaches the variable.
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace nsprobe::cli {

// The largest uid or gid: (uid_t)-1 means "unchanged" to setresuid and is no id.
inline constexpr std::uint64_t kMaxId = 4294967294;
// The kernel's largest pid_max (PID_MAX_LIMIT on 64-bit).
inline constexpr std::int64_t kMaxPid = 4194304;
// The longest duration in seconds: one week, far below where seconds -> milliseconds
// (or nanoseconds) could overflow.
inline constexpr double kMaxSeconds = 7 * 24 * 3600;

// The bounds of the comparison options (nsprobe compare, nsprobe history).
inline constexpr double kMinThresholdPct = 0.01;
inline constexpr double kMaxThresholdPct = 10000;
inline constexpr double kMaxFloorNs = 1e12;  // a thousand seconds
// The most runs of a history that one show or check reads.
inline constexpr std::uint64_t kMaxRuns = 1000000;

// A uid or gid: decimal digits only, 0..kMaxId.
std::uint32_t ParseId(std::string_view text);
// A pid: decimal digits only, 1..kMaxPid.
pid_t ParsePid(std::string_view text);
// Seconds: a finite decimal number, > 0 and <= kMaxSeconds.
double ParseSeconds(std::string_view text);
// A count: decimal digits only, lo..hi.
std::uint64_t ParseCount(std::string_view text, std::uint64_t lo, std::uint64_t hi);
// A number (a threshold or a level): finite, lo..hi.
double ParseNumber(std::string_view text, double lo, double hi);

// CLI11 validators over the Parse* functions above.
CLI::Validator IdValidator();
CLI::Validator PidValidator();
CLI::Validator SecondsValidator();
CLI::Validator CountValidator(std::uint64_t lo, std::uint64_t hi);
CLI::Validator NumberValidator(double lo, double hi);
// Refuses an empty value: `what` says what to give instead, e.g. "a hostname".
CLI::Validator NonEmptyValidator(std::string what);

}  // namespace nsprobe::cli
