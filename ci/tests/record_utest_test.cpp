// The Mann–Whitney U test against published and hand-checked values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "ci/compare/utest.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::compare;  // NOLINT(google-build-using-namespace)
namespace {

TEST(MannWhitneyU, MatchesRsWilcoxTestExample) {
  // R's ?wilcox.test (Hollander & Wolfe 1973, p. 69): W = 35, one-sided p-value = 0.1272.
  std::vector<double> x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  std::vector<double> y = {1.15, 0.88, 0.90, 0.74, 1.21};
  UTest t = MannWhitneyU(x, y);
  EXPECT_TRUE(t.exact) << "no ties and n2 = 5: the exact distribution";
  EXPECT_EQ(t.u, 35);
  EXPECT_NEAR(t.p, 2 * 0.1272061272, 1e-9) << "two-sided: twice R's one-sided value";
}

TEST(MannWhitneyU, ExactSmallSamplesByEnumeration) {
  // Of the C(6,3) = 20 arrangements, one puts every x below every y: p = 2 * 1/20.
  UTest apart = MannWhitneyU({1, 2, 3}, {4, 5, 6});
  EXPECT_EQ(apart.u, 0);
  EXPECT_DOUBLE_EQ(apart.p, 0.1);
  // U = 1 (4 > 3): two arrangements have U <= 1, so p = 2 * 2/20.
  UTest one = MannWhitneyU({1, 2, 4}, {3, 5, 6});
  EXPECT_EQ(one.u, 1);
  EXPECT_DOUBLE_EQ(one.p, 0.2);
  // Symmetric: swapping the samples changes U to n1*n2 - U, not p.
  EXPECT_DOUBLE_EQ(MannWhitneyU({3, 5, 6}, {1, 2, 4}).p, 0.2);
}

TEST(MannWhitneyU, NormalApproximationForNineRepetitions) {
  // Nine against nine, fully separated: U = 0, mu = 40.5, sigma^2 = 81 * 19 / 12, continuity
  // corrected z = 40 / sigma, p = erfc(z / sqrt 2) = 4.1229e-4 (what SciPy gives).
  std::vector<double> a, b;
  for (int i = 0; i < 9; ++i) {
    a.push_back(100 + i);
    b.push_back(200 + i);
  }
  UTest t = MannWhitneyU(a, b);
  EXPECT_FALSE(t.exact);
  EXPECT_NEAR(t.p, 4.122948020616911e-4, 1e-12);
}

TEST(MannWhitneyU, TiesUseMidranksAndTheTieCorrection) {
  // x = {1,2,2}, y = {2,3,3}: midranks 1, 3, 3 | 3, 5.5, 5.5; R1 = 7, U = 1.
  // Ties -> normal approximation: tie term (3^3-3) + (2^3-2) = 30,
  // sigma^2 = 9/12 * (7 - 30/30) = 4.5, z = (8 - 4.5 - 0.5) / sqrt(4.5).
  UTest t = MannWhitneyU({1, 2, 2}, {2, 3, 3});
  EXPECT_FALSE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 1);
  EXPECT_NEAR(t.p, std::erfc(3 / std::sqrt(4.5) / std::sqrt(2.0)), 1e-12);
}

TEST(MannWhitneyU, IdenticalSamplesShowNoDifference) {
  EXPECT_DOUBLE_EQ(MannWhitneyU({5, 5, 5, 5}, {5, 5, 5, 5}).p, 1);
  EXPECT_DOUBLE_EQ(MannWhitneyU({1, 2, 3, 4}, {1, 2, 3, 4}).p, 1);
  EXPECT_DOUBLE_EQ(MannWhitneyU({}, {1, 2}).p, 1);
}

TEST(DetectableChange, IsTheStandardErrorOfTheRobustSpreadTimesTheTwoQuantiles) {
  // Median 100, absolute deviations {10, 5, 0, 5, 10}: MAD 5, spread 1.4826 * 5 on each side.
  const std::vector<double> x = {90, 95, 100, 105, 110};
  const double se = 1.4826 * 5 * std::sqrt(2.0 / 5);
  const double z = 2.306004 + 1.859548;  // t(0.975) + t(0.95) for 8 degrees of freedom
  // Cornish-Fisher's two terms land within 0.02 of the table's quantiles at 8 degrees.
  EXPECT_NEAR(DetectableChange(x, x), z * se * std::sqrt(std::numbers::pi / 3) / 100, 1e-3);
  EXPECT_EQ(DetectableChange({100}, x), 0) << "one repetition has no spread to judge";
}

// What the figure promises, checked on simulated repetitions: a real shift of that size is
// found in about 95 of 100 comparisons of nine against nine, half of it far less often.
TEST(DetectableChange, AShiftOfThatSizeIsFoundNinetyFiveTimesInAHundred) {
  std::mt19937 rng(20261202);
  std::normal_distribution<double> noise(100, 5);
  auto sample = [&](double shift) {
    std::vector<double> v;
    for (int i = 0; i < 9; ++i) v.push_back(noise(rng) + shift);
    return v;
  };
  // The figure for normal noise of sd 5 (what the MAD estimates), nine against nine.
  const double detectable = (2.119905 + 1.745884) * 5 * std::sqrt(2.0 / 9) *
                            std::sqrt(std::numbers::pi / 3);  // t quantiles, 16 degrees
  auto found = [&](double shift) {
    int hits = 0;
    for (int trial = 0; trial < 2000; ++trial)
      if (MannWhitneyU(sample(0), sample(shift)).p < 0.05) ++hits;
    return hits / 2000.0;
  };
  EXPECT_NEAR(found(detectable), 0.95, 0.03);
  EXPECT_LT(found(detectable / 2), 0.6);
}

TEST(WilcoxonSignedRank, MatchesRsPairedExample) {
  // R's ?wilcox.test (Hollander & Wolfe 1973, p. 29), paired: V = 40, one-sided p = 0.01953.
  const std::vector<double> x = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
  const std::vector<double> y = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};
  std::vector<double> d;
  for (std::size_t i = 0; i < x.size(); ++i) d.push_back(x[i] - y[i]);
  SignedRank t = WilcoxonSignedRank(d);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.w_plus, 40);
  EXPECT_DOUBLE_EQ(t.p, 2 * 10.0 / 512) << "ten of the 2^9 sign patterns reach 40";
}

TEST(WilcoxonSignedRank, ZerosDropAndTiesUseTheNormalApproximation) {
  // Five positive of five: one pattern in 32 on each side.
  EXPECT_DOUBLE_EQ(WilcoxonSignedRank({1, 2, 3, 4, 5, 0, 0}).p, 2.0 / 32);
  EXPECT_DOUBLE_EQ(WilcoxonSignedRank({0, 0}).p, 1) << "no difference is no evidence";
  // Ten ties of |1|, all positive: W+ = 55 against a mean of 27.5, sd sqrt(96.25 - 990/48).
  SignedRank tied = WilcoxonSignedRank(std::vector<double>(10, 1.0));
  EXPECT_FALSE(tied.exact);
  EXPECT_NEAR(tied.p, std::erfc(27.5 / std::sqrt(96.25 - 990.0 / 48) / std::sqrt(2.0)), 1e-12);
}

// Rounds on a machine whose speed drifts by far more than a benchmark's own noise: each
// round's A and B share the drift. The paired figure promises what it says; the unpaired test
// on the same numbers cannot see the shift.
TEST(PairedDetectableChange, ARoundsShiftOfThatSizeIsFoundNinetyFiveTimesInAHundred) {
  std::mt19937 rng(20261203);
  std::normal_distribution<double> drift(0, 0.15), own(0, 0.02);
  const int rounds = 15;
  auto trial = [&](double change, double* detectable) {
    std::vector<double> a, b, log_ratios;
    for (int r = 0; r < rounds; ++r) {
      const double machine = std::exp(drift(rng));
      a.push_back(100 * machine * std::exp(own(rng)));
      b.push_back(100 * (1 + change) * machine * std::exp(own(rng)));
      log_ratios.push_back(std::log(b.back() / a.back()));
    }
    if (detectable != nullptr) *detectable = PairedDetectableChange(log_ratios);
    return std::pair(WilcoxonSignedRank(log_ratios).p < 0.05, MannWhitneyU(a, b).p < 0.05);
  };
  double detectable = 0;
  trial(0, &detectable);
  // The noise of a round's ratio is own's sd times sqrt 2, whatever the drift.
  const double expected = std::expm1((2.144787 + 1.761310) * 0.02 * std::sqrt(2.0 / rounds) *
                                     std::sqrt(std::numbers::pi / 3));  // t, 14 degrees
  EXPECT_NEAR(detectable, expected, expected * 0.5) << "one sample's MAD estimate";
  int paired_hits = 0, unpaired_hits = 0, false_alarms = 0;
  for (int i = 0; i < 2000; ++i) {
    auto [paired, unpaired] = trial(expected, nullptr);
    paired_hits += paired ? 1 : 0;
    unpaired_hits += unpaired ? 1 : 0;
    false_alarms += trial(0, nullptr).first ? 1 : 0;
  }
  EXPECT_NEAR(paired_hits / 2000.0, 0.95, 0.03);
  EXPECT_LT(unpaired_hits / 2000.0, 0.2) << "the drift hides the shift from the U test";
  EXPECT_NEAR(false_alarms / 2000.0, 0.05, 0.02);
}

}  // namespace
}  // namespace nsprobe::record
