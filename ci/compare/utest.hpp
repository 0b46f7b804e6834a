// The two-sided Mann–Whitney U test (Wilcoxon rank-sum) on benchmark repetitions, as Google
// Benchmark's compare.py runs it through SciPy — without Python at run time.
#pragma once

#include <vector>

namespace nsprobe::compare {

struct UTest {
  double u = 0;        // U of the first sample: pairs (x, y) with x > y, ties counting 1/2
  double p = 1;        // two-sided p-value
  bool exact = false;  // from the exact null distribution rather than the normal approximation
};

// SciPy's method="auto": the exact distribution when there are no ties and one sample has at
// most 8 values; otherwise the normal approximation with tie and continuity corrections.
// Samples with fewer than one value each give p = 1.
UTest MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y);

// The smallest relative change of the median that two samples with this spread would show as
// significant at `alpha` (two-sided) in 95 of 100 such comparisons: (t(1-alpha/2) + t(0.95)),
// Student's quantiles for the two samples' degrees of freedom, times the standard error of the
// difference, each sample's spread taken robustly (1.4826 MAD
// over the median, so one outlier repetition does not hide a change), widened by sqrt(pi/3)
// for the U test's efficiency against the t test on normal data. A fraction of the first
// sample's median; 0 when either sample has fewer than two values.
double DetectableChange(const std::vector<double>& x, const std::vector<double>& y,
                        double alpha = 0.05);

}  // namespace nsprobe::compare
