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

}  // namespace nsprobe::compare
