// How many behaviours a passing case proved. Most prove one; a sweep proves one per item it
// compares (the sysctl sweep: each file shown to be per namespace, which would have failed the
// case had it leaked), as LTP reports a TPASS per behaviour rather than one per test. The
// runner sums them into the record's totals, so a run's size reads against LTP's subtests.
#pragma once

#include <gtest/gtest.h>

namespace nsprobe::testing {

// The gtest property the runner reads back from --gtest_output=json (ci/run/gtest_output).
inline constexpr const char* kChecksProperty = "nsprobe_checks";

// Records that the running case proved `n` behaviours; counts below 2 record nothing (a case
// is one check by itself). What a case that then fails or skips counted is not added.
inline void CountChecks(int n) {
  if (n > 1) ::testing::Test::RecordProperty(kChecksProperty, n);
}

}  // namespace nsprobe::testing
