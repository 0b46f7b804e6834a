// What lava-run reports, read back: its log is one YAML mapping per line ({"dt": ...,
// "lvl": "results", "msg": {"definition": ..., "case": ..., "result": ...}}; a LAVA server's
// stored log is the same lines as a YAML list, "- " before each). The results of nsprobe's
// monitor become the cases of an nsprobe record; the guest's fingerprint and probe travel as
// console ("target") lines, gzip+base64 in chunks, so the record names the kernel that ran.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::lava {

// The monitor (test definition) name in nsprobe's job: its results are the cases.
inline constexpr std::string_view kDefinition = "nsprobe";
// Console lines "<prefix><name>: <base64 chunk>" carry a file ("fingerprint", "probe").
inline constexpr std::string_view kBlobPrefix = "nsprobe-blob: ";

struct LavaEntry {
  std::string definition, id, result;  // id: the monitor's test_case_id as printed
  std::string measurement, units;      // benchmark figures, else empty
  std::string error_msg;               // LAVA's own results (definition "lava") on failure
};

struct LavaLog {
  std::vector<LavaEntry> results;
  std::map<std::string, std::string> blobs;  // name -> decoded contents
  std::vector<std::string> errors;           // "error" and "exception" messages, in order
  std::string job_result;                    // "pass", "fail", or empty when never reported
  std::vector<std::string> problems;         // blobs that did not decode
};

// Throws record::InputError "<source>: line N: <problem>" for a line that is not a YAML
// mapping with "lvl" and "msg", and for a text with no such line at all.
LavaLog ReadLavaLog(std::string_view text, const std::string& source);

// The nsprobe record of a LAVA run: every result of `kDefinition` as a case (suite and name
// from the id, see CaseId; a result whose id CaseId cannot have made is a problem), the
// guest's fingerprint and probe, and what LAVA said went wrong (a failed job, an error line,
// a monitor that never reached its end) in options.lava.problems. Benchmark figures are
// not cases: they go to options.lava.measurements.
record::Record RecordFromLava(const LavaLog& log);

// The problems RecordFromLava found, for the matrix's per-kernel problems.
std::vector<std::string> LavaProblems(const record::Record& rec);

}  // namespace nsprobe::lava
