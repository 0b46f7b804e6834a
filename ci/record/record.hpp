// A run record: everything one `nsprobe run` saw, as one versioned JSON document that every
// renderer, `compare` and `history` read back.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ci/record/input_error.hpp"
#include "runtime/fingerprint.hpp"

namespace nsprobe::record {

// Bumped when a reader of the previous version would misread a document.
inline constexpr int kRecordVersion = 1;
inline constexpr std::string_view kRecordFormat = "nsprobe-record";

// kByDesign: what namespaces do not isolate by design (a shared boot_id, TIOCSTI on a
// shared tty): neither pass nor fail nor skip. A case says so with GTEST_SKIP() << "by-design:
// <what is shared> (closed by <knob>)"; its reason is the text after "by-design: ".
enum class Verdict { kPass, kFail, kSkip, kError, kByDesign };
// "pass", "fail", "skip", "error", "by_design"
std::string_view VerdictName(Verdict verdict);
// The prefix of a gtest skip message that makes the case kByDesign.
inline constexpr std::string_view kByDesignPrefix = "by-design:";

struct Case {
  std::string suite;  // the binary without "_test": "pid", "launch"
  std::string label;  // the kind label: "pid", or "runtime" for the runtime's own tests
  std::string name;   // the full gtest name: "Modes/PidNamespace.SeesItselfAsPid1/privileged"
  std::string mode;   // "privileged", "unprivileged", or empty for unparameterised cases
  Verdict verdict = Verdict::kPass;
  // For skips: "unsupported", "policy", "privilege" (the probe's reason format), or
  // "uncategorised" for a skip that does not come from the probe.
  std::string skip_category;
  std::string reason;                 // the skip message, or why the case is an error
  std::vector<std::string> failures;  // gtest failure messages, with the values seen
  double duration_s = 0;
  // The kinds a cross-cutting case declares its verdict depends on ("mnt,user"), empty when it
  // declares none; the negative control counts it into those kinds' sensitivity.
  std::string declared_kinds = {};  // initialised: the aggregate initialisers stop at duration_s
  // The behaviours a passing case proved: 1, or what it counted itself (the sysctl sweeps: one
  // per file shown to be per namespace), as LTP counts a TPASS per behaviour, not per test.
  int checks = 1;
  // "suite:name": unique within a record, the key compare and history match cases on.
  std::string Key() const { return suite + ":" + name; }
};

// How one suite binary ended.
struct Binary {
  std::string name;  // "pid_test"
  std::string label;
  std::string status;  // "exit 0", "signal 9 (SIGKILL)", "timed out after 300 s, killed"
  bool ok = true;      // ended by itself with a gtest exit status (0 or 1)
  double duration_s = 0;
  int cases = 0;
  std::string output_tail;  // the end of its stdout/stderr when it did not end cleanly
  // A conformance suite (suites.json "type"), not one of the tool's own tests: only these are
  // kinds and concerns in a report's kind × mode table.
  bool conformance = true;
  // Kernel health around the binary (run::HealthToJson): taint before/after, the kernel log
  // lines that matched, listns counts or why not. Empty in records from before it existed.
  nlohmann::ordered_json health = nlohmann::ordered_json::object();
};

// One benchmark's repetitions, in nanoseconds of real time.
struct Benchmark {
  std::string name;  // gbench run_name: "BM_CreateNamespace/net/real_time"
  std::vector<double> real_ns;
  std::vector<double> cpu_ns;
  // Only aggregates were recorded (--benchmark_report_aggregates_only): real_ns holds the
  // median alone and no rank test is possible.
  bool aggregates_only = false;
  double Median() const;
  double Min() const;
  double Max() const;
};

struct Totals {
  int pass = 0, fail = 0, skip = 0, error = 0;
  int by_design = 0;  // absent from records written before the outcome existed: 0
  int checks = 0;     // behaviours the passing cases proved (Case::checks summed)
  int All() const { return pass + fail + skip + error + by_design; }
  void Add(Verdict verdict);
  void Add(const Case& c);  // the verdict, and the checks when it passed
  bool operator==(const Totals&) const = default;
};

struct Record {
  std::string created;  // UTC, ISO 8601
  std::string nsprobe_version;
  Fingerprint fingerprint;
  nlohmann::ordered_json probe = nlohmann::ordered_json::object();
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  std::vector<Binary> binaries;
  std::vector<Case> cases;
  std::vector<Benchmark> benchmarks;
  nlohmann::ordered_json bench_context = nlohmann::ordered_json::object();
  // Host hygiene: {"checked": bool, "changes": ["mounts: +'...'", ...]}; empty when not taken.
  nlohmann::ordered_json host = nlohmann::ordered_json::object();
  // --repeat: "<case>: pass, fail, ..." for each case whose verdict changed between runs.
  std::vector<std::string> flaky;
  // Negative control: {"withheld": "net", "kinds": {...per-kind sensitivity...}}; empty normally.
  nlohmann::ordered_json sensitivity = nlohmann::ordered_json::object();
  // --runtime: the sandbox runtimes judged, as sandbox_test describes them (name, package,
  // version, flags per mode); empty otherwise, and then not written.
  nlohmann::ordered_json runtimes = nlohmann::ordered_json::array();
  // What an unprivileged user reaches through a user namespace (ExposureToJson of
  // runtime/exposure.hpp): {"identities": [...]}; empty in records from before it existed.
  nlohmann::ordered_json exposure = nlohmann::ordered_json::object();

  Totals CountTotals() const;
  // A fingerprint value, or "unknown".
  std::string Fact(const std::string& key) const;
};

double Median(std::vector<double> values);

nlohmann::ordered_json ToJson(const Record& record);
// Throws record::InputError "<source>: <problem>" for anything that is not a complete record
// of this version.
Record FromJson(const nlohmann::ordered_json& json, const std::string& source);

// Reads and parses a file as JSON; throws record::InputError naming the file and the problem
// (missing, unreadable, empty, truncated, not JSON).
nlohmann::ordered_json ReadJsonFile(const std::string& path);
// ReadJsonFile + FromJson.
Record LoadRecord(const std::string& path);
// True when the document says it is an nsprobe record (of any version).
bool LooksLikeRecord(const nlohmann::ordered_json& json);

// Replaces invalid UTF-8 sequences with U+FFFD so JSON and XML writers accept any output.
std::string ValidUtf8(std::string_view text);

}  // namespace nsprobe::record
