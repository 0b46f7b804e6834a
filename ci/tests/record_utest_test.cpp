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

}  // namespace
}  // namespace nsprobe::record
