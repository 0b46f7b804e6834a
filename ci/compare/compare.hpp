// Comparing runs: conformance changes between records (new failures, fixes, new or changed
// skips) and benchmark changes judged with the Mann–Whitney U test.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::compare {

using record::Benchmark;
using record::Case;
using record::Record;

struct CompareOptions {
  double alpha = 0.05;  // a change needs p below this
  // ... and a median change at least this fraction: by default kUnpairedThreshold, or
  // kPairedThreshold for the paired rounds of one A/B run.
  std::optional<double> threshold;
  double floor_ns = 100;  // ... and at least this many nanoseconds
  bool all = false;       // list every case in the matrix, not only those that differ
};

// Two separate runs drift apart by more than their repetitions show: only a change that large
// is called one.
constexpr double kUnpairedThreshold = 0.10;
// The rounds of an A/B run cancel the drift, and the run goes on until every benchmark's
// `detects` is at most 10%: a true 10% change then clears 5% in at least 95 of 100 runs, and
// no change reaches it in more than 5 (it must also be significant).
constexpr double kPairedThreshold = 0.05;

// One input of `compare`: a record, or raw Google Benchmark JSON held as a record with
// benchmarks only.
struct Input {
  std::string path;
  std::string label;  // "A", "B", ...
  bool gbench_only = false;
  Record record;
};
// Throws record::InputError naming the file when it is neither a record nor gbench JSON.
Input LoadInput(const std::string& path, std::string label);

struct BenchDelta {
  std::string name;
  double base_median = 0, other_median = 0;
  double change = 0;  // (other - base) / base
  double p = 1;
  bool tested = false;  // both sides had repetitions to rank
  // The smallest change these two samples' spread lets the U test find 95 times in 100
  // (DetectableChange): a change below it can go unflagged, however real.
  double detectable = 0;
  bool regression = false;
  bool improvement = false;
  int base_reps = 0, other_reps = 0;
  // Judged round by round (the signed-rank test of ln(b/a) per round; `change` is the median
  // round's ratio) rather than as two independent samples.
  bool paired = false;
  double threshold = 0;  // the threshold it was judged against
};

// Benchmarks present on both sides, in `other`'s order. With `paired`, the i-th repetitions of
// a benchmark on the two sides come from one round of an A/B run and are judged as pairs
// (where both sides have as many).
std::vector<BenchDelta> CompareBenchmarks(const std::vector<Benchmark>& base,
                                          const std::vector<Benchmark>& other,
                                          const CompareOptions& options, bool paired = false);

// The two inputs are the two sides of one `scripts/bench --ab` run (the same
// nsprobe.bench.ab id in both contexts), so their repetitions pair up by round.
bool PairedRounds(const Input& base, const Input& other);

enum class Change { kNewFailure, kFixed, kNewSkip, kSkipReasonChanged, kUnskipped };
std::string_view ChangeName(Change change);

struct CaseChange {
  Change change;
  std::string suite, name;
  std::string before, after;  // verdict (and reason) on each side; "absent" when missing
};

// How `other`'s cases differ from `base`'s.
std::vector<CaseChange> CompareCases(const Record& base, const Record& other);

// One row of the N-record matrix: a case and its verdict in each input.
struct MatrixRow {
  std::string suite, name;
  std::vector<const Case*> cells;  // nullptr where the input lacks the case
};

// One sandbox runtime of `nsprobe run --runtime` records, one record against the other.
struct RuntimeDelta {
  std::string name;
  std::string base_version, other_version;  // "not installed", "not judged" (absent) or a version
  int properties = 0;                       // property × mode verdicts on either side
  std::vector<std::string> changes;         // "pid privileged: pass -> fail"
};
// Every runtime either record judged (none for records without runtimes).
std::vector<RuntimeDelta> CompareRuntimes(const Record& base, const Record& other);
// "bwrap: bubblewrap 0.8.0 -> bubblewrap 0.9.0 (the version differs); 16 property verdicts ..."
std::string RuntimeDeltaLine(const RuntimeDelta& delta);

struct Comparison {
  std::vector<Input> inputs;
  std::vector<std::vector<CaseChange>> changes;     // [i-1]: inputs[i] against inputs[0]
  std::vector<std::vector<BenchDelta>> bench;       // [i-1]: inputs[i] against inputs[0]
  std::vector<std::vector<RuntimeDelta>> runtimes;  // [i-1]: inputs[i] against inputs[0]
  std::vector<MatrixRow> matrix;                    // rows that differ (all with options.all)
  std::vector<std::string> warnings;
  CompareOptions options;

  int NewFailures() const;
  int Regressions() const;
  bool Failed() const { return NewFailures() + Regressions() > 0; }
};

// Throws record::InputError when fewer than two inputs are given or an input shares no case
// and no benchmark with the first.
Comparison Compare(std::vector<Input> inputs, const CompareOptions& options);
// Warnings about the trustworthiness of a benchmark comparison: few repetitions, machines
// that differ in performance-relevant facts.
std::vector<std::string> BenchWarnings(const Input& base, const Input& other,
                                       const std::vector<BenchDelta>& deltas);

std::string RenderCompareText(const Comparison& comparison);
std::string RenderCompareMarkdown(const Comparison& comparison);
std::string RenderCompareHtml(const Comparison& comparison);

}  // namespace nsprobe::compare
