// Runs GoogleTest suite binaries as child processes with a timeout and turns what they
// report into record cases.
#pragma once

#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ci/record/record.hpp"
#include "ci/run/kernel_health.hpp"
#include "ci/run/suite_manifest.hpp"

namespace nsprobe::run {

using record::Binary;
using record::Case;

struct SuiteOptions {
  std::string filter;    // --gtest_filter, empty for all
  bool shuffle = false;  // --gtest_shuffle with `seed`
  unsigned seed = 1;
  double timeout_s = 300;
  std::string work_dir;  // where the binary's JSON and console output go
  // Set (by a signal handler) to stop: the running binary is killed and RunSuite throws.
  const volatile std::sig_atomic_t* stop = nullptr;
  // The kernel's health around each binary (kernel_health.hpp); a binary that taints the
  // kernel or logs a WARN, BUG, refcount or leak line gets a failing kHealthCaseName case.
  bool check_health = true;
  HealthSources health;
};

// The cases the binary would run under `options.filter`. Throws std::runtime_error with the
// binary's own words when it cannot list them.
std::vector<std::string> ListCases(const SuiteBinary& binary, const SuiteOptions& options);

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted; the suite binary was killed, nothing written") {}
};

struct SuiteRun {
  Binary binary;
  std::vector<Case> cases;
  // After MergeRepeats: "<case>: pass, fail, pass" for every case whose verdict changed
  // between the runs.
  std::vector<std::string> flaky;
};

// Runs the binary once. `listed` are the cases it is expected to report: any it does not
// (a crash, a timeout) become errors that say how the binary ended. `progress` is called
// with the number of cases finished so far, about twice a second. Throws Interrupted when
// options.stop is set.
SuiteRun RunSuite(const SuiteBinary& binary, const SuiteOptions& options,
                  const std::vector<std::string>& listed,
                  const std::function<void(int finished, const std::string& running)>& progress);

// Folds repeated runs of one binary into one: a case fails when any run failed (messages
// tagged with the run), its duration is the mean, and a case whose verdict changed between
// runs is listed as flaky.
SuiteRun MergeRepeats(std::vector<SuiteRun> runs);

}  // namespace nsprobe::run
