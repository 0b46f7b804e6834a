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

// The two-sided Wilcoxon signed-rank test of paired differences against a median of 0 (SciPy's
// wilcoxon with zero_method="wilcox": zero differences are dropped). Exact null distribution
// when no two |differences| tie and at most 50 remain, otherwise the normal approximation with
// the tie correction. Fewer than one non-zero difference gives p = 1.
struct SignedRank {
  double w_plus = 0;  // the sum of the ranks of the positive differences
  double p = 1;
  bool exact = false;
};
SignedRank WilcoxonSignedRank(const std::vector<double>& differences);

// DetectableChange for paired repetitions (A and B of one round, side by side): from the
// robust spread of the rounds' log ratios ln(b/a), so that what the machine did in a round
// falls on both sides and cancels. (t(1-alpha/2) + t(0.95)) for n-1 degrees of freedom times
// 1.4826 MAD / sqrt(n), widened by sqrt(pi/3) for the signed-rank test's efficiency, as a
// fraction (e^x - 1); 0 with fewer than two pairs.
double PairedDetectableChange(const std::vector<double>& log_ratios, double alpha = 0.05);

}  // namespace nsprobe::compare
