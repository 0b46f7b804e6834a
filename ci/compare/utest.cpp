#include "ci/compare/utest.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <utility>

#include "ci/record/record.hpp"

namespace nsprobe::compare {
namespace {

// P(U >= u) under the null for samples of n1 and n2 distinct values: counts of the
// arrangements by U, from the recurrence c(n1, n2, u) = c(n1-1, n2, u-n2) + c(n1, n2-1, u).
double ExactUpperTail(int n1, int n2, int u) {
  const int max_u = n1 * n2;
  // counts[j][k]: arrangements of i x-values and j y-values with U = k, built up over i.
  std::vector<std::vector<double>> counts(n2 + 1, std::vector<double>(max_u + 1, 0));
  for (int j = 0; j <= n2; ++j) counts[j][0] = 1;  // i = 0: U is 0
  for (int i = 1; i <= n1; ++i) {
    std::vector<std::vector<double>> next(n2 + 1, std::vector<double>(max_u + 1, 0));
    next[0][0] = 1;
    for (int j = 1; j <= n2; ++j)
      for (int k = 0; k <= i * j; ++k)
        next[j][k] = (k >= j ? counts[j][k - j] : 0) + next[j - 1][k];
    counts = std::move(next);
  }
  const std::vector<double>& dist = counts[n2];
  double total = std::accumulate(dist.begin(), dist.end(), 0.0);
  double tail = 0;
  for (int k = std::max(0, u); k <= max_u; ++k) tail += dist[k];
  return tail / total;
}

// The standard normal quantile: the z with P(Z <= z) = q, by bisection on erfc (60 halvings
// reach double precision on [-10, 10]).
double NormalQuantile(double q) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// Student's t quantile for `df` degrees of freedom from the normal one (Cornish-Fisher, two
// terms: within 0.001 of the table from df = 8 on), so that nine repetitions are not judged as
// if they were ninety.
double StudentQuantile(double q, double df) {
  const double z = NormalQuantile(q);
  const double z3 = z * z * z, z5 = z3 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

// 1.4826 MAD: the standard deviation of normal data, unmoved by one wild repetition.
double RobustSpread(const std::vector<double>& v) {
  const double median = record::Median(v);
  std::vector<double> deviations;
  for (double x : v) deviations.push_back(std::fabs(x - median));
  return 1.4826 * record::Median(deviations);
}

// The quantiles both DetectableChange figures add: the test's (two-sided, at alpha) and the
// power's (95 of 100).
double TwoQuantiles(double alpha, double df) {
  return StudentQuantile(1 - alpha / 2, df) + StudentQuantile(0.95, df);
}

// P(W+ <= w) over the 2^n equally likely sign patterns of the ranks 1..n.
double ExactSignedRankLowerTail(int n, double w) {
  const int max_w = n * (n + 1) / 2;
  std::vector<double> counts(static_cast<std::size_t>(max_w) + 1, 0);
  counts[0] = 1;
  for (int rank = 1; rank <= n; ++rank)
    for (int k = rank * (rank + 1) / 2; k >= rank; --k)
      counts[static_cast<std::size_t>(k)] += counts[static_cast<std::size_t>(k - rank)];
  const double total = std::ldexp(1.0, n);
  double tail = 0;
  for (int k = 0; k <= max_w && k <= w + 1e-9; ++k) tail += counts[static_cast<std::size_t>(k)];
  return tail / total;
}

// Midranks 1..n of values sorted by key (ties share the mean of their ranks), summed over the
// marked ones, with the ties' t^3 - t for the variance correction: the U test ranks the pooled
// sample (marked: from x), the signed-rank test the |differences| (marked: positive).
struct RankSum {
  double marked = 0;
  double tie_term = 0;
  bool ties = false;
};
RankSum MarkedRankSum(std::vector<std::pair<double, bool>> keyed) {
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  RankSum sum;
  const std::size_t n = keyed.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && keyed[j].first == keyed[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k)
      if (keyed[k].second) sum.marked += midrank;
    if (t > 1) {
      sum.ties = true;
      sum.tie_term += t * t * t - t;
    }
    i = j;
  }
  return sum;
}

}  // namespace

double DetectableChange(const std::vector<double>& x, const std::vector<double>& y, double alpha) {
  if (x.size() < 2 || y.size() < 2) return 0;
  const double base = record::Median(x);
  if (base <= 0) return 0;
  const double sx = RobustSpread(x), sy = RobustSpread(y);
  const double standard_error =
      std::sqrt(sx * sx / static_cast<double>(x.size()) + sy * sy / static_cast<double>(y.size()));
  const double df = static_cast<double>(x.size() + y.size() - 2);
  return TwoQuantiles(alpha, df) * standard_error * std::sqrt(std::numbers::pi / 3) / base;
}

double PairedDetectableChange(const std::vector<double>& log_ratios, double alpha) {
  if (log_ratios.size() < 2) return 0;
  const double n = static_cast<double>(log_ratios.size());
  const double standard_error = RobustSpread(log_ratios) / std::sqrt(n);
  return std::expm1(TwoQuantiles(alpha, n - 1) * standard_error * std::sqrt(std::numbers::pi / 3));
}

SignedRank WilcoxonSignedRank(const std::vector<double>& differences) {
  std::vector<std::pair<double, bool>> keyed;  // |difference|, positive
  for (double v : differences)
    if (v != 0) keyed.emplace_back(std::fabs(v), v > 0);
  SignedRank result;
  const std::size_t n = keyed.size();
  if (n == 0) return result;
  const auto [w_plus, tie_term, ties] = MarkedRankSum(std::move(keyed));
  result.w_plus = w_plus;
  const double dn = static_cast<double>(n);
  const double mean = dn * (dn + 1) / 4;
  if (!ties && n <= 50) {
    result.exact = true;
    const int ni = static_cast<int>(n);
    // The distribution is symmetric about its mean: the smaller tail, doubled.
    const double w = std::min(result.w_plus, 2 * mean - result.w_plus);
    result.p = std::min(1.0, 2 * ExactSignedRankLowerTail(ni, w));
    return result;
  }
  const double sigma = std::sqrt(dn * (dn + 1) * (2 * dn + 1) / 24 - tie_term / 48);
  if (sigma == 0) return result;
  const double z = std::fabs(result.w_plus - mean) / sigma;
  result.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return result;
}

UTest MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n1 = x.size(), n2 = y.size(), n = n1 + n2;
  UTest result;
  if (n1 == 0 || n2 == 0) return result;
  std::vector<std::pair<double, bool>> pooled;  // value, from x
  pooled.reserve(n);
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  const auto [rank_sum_x, tie_term, ties] = MarkedRankSum(std::move(pooled));
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2),
               dn = static_cast<double>(n);
  result.u = rank_sum_x - dn1 * (dn1 + 1) / 2;
  const double u_big = std::max(result.u, dn1 * dn2 - result.u);
  if (!ties && (n1 <= 8 || n2 <= 8)) {
    result.exact = true;
    result.p = std::min(1.0, 2 * ExactUpperTail(static_cast<int>(n1), static_cast<int>(n2),
                                                static_cast<int>(std::lround(u_big))));
    return result;
  }
  const double mu = dn1 * dn2 / 2;
  const double sigma = std::sqrt(dn1 * dn2 / 12 * ((dn + 1) - tie_term / (dn * (dn - 1))));
  if (sigma == 0) return result;  // every value equal: no evidence of a difference
  const double z = (u_big - mu - 0.5) / sigma;
  result.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));  // 2 * (1 - Phi(z))
  return result;
}

}  // namespace nsprobe::compare
