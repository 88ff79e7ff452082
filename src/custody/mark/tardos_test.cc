// Tests of the symmetric Tardos helpers.
#include "custody/mark/tardos.h"

#include <gtest/gtest.h>

#include <cmath>

#include "custody/mark/mark.h"

namespace custody::mark {
namespace {

TEST(TardosTest, BiasStaysInsideCutoffAndFollowsArcsine) {
  const double t = 0.01;
  EXPECT_NEAR(ArcsineBias(0, t), t, 1e-12);
  EXPECT_NEAR(ArcsineBias(~0ULL, t), 1 - t, 1e-9);
  // CDF of the truncated arcsine at 1/2 is 1/2 by symmetry; at p = 0.1 it is
  // (asin(sqrt 0.1) - asin(sqrt t)) / (pi/2 - 2 asin(sqrt t)).
  uint64_t state = 12345;
  int below_half = 0, below_tenth = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    double p = ArcsineBias(state, t);
    ASSERT_GE(p, t - 1e-12);
    ASSERT_LE(p, 1 - t + 1e-12);
    below_half += p < 0.5;
    below_tenth += p < 0.1;
  }
  double lo = std::asin(std::sqrt(t));
  double want = (std::asin(std::sqrt(0.1)) - lo) / (M_PI / 2 - 2 * lo);
  EXPECT_NEAR(below_half / double(n), 0.5, 0.005);
  EXPECT_NEAR(below_tenth / double(n), want, 0.005);
}

TEST(TardosTest, InnocentScoreHasMeanZeroAndUnitVariance) {
  for (double p : {0.01, 0.1, 0.37, 0.5, 0.9}) {
    for (int y : {0, 1}) {
      double mean = p * SymmetricScore(y, true, p) + (1 - p) * SymmetricScore(y, false, p);
      double second = p * std::pow(SymmetricScore(y, true, p), 2) +
                      (1 - p) * std::pow(SymmetricScore(y, false, p), 2);
      EXPECT_NEAR(mean, 0, 1e-12);
      EXPECT_NEAR(second, 1, 1e-12);
    }
  }
  EXPECT_EQ(SymmetricScore(-1, true, 0.3), 0.0);
  EXPECT_GT(SymmetricScore(1, true, 0.1), 0);
  EXPECT_LT(SymmetricScore(0, true, 0.1), 0);
}

TEST(TardosTest, UniformKindsAreErased) {
  std::vector<SlotObservation> obs;
  for (int i = 0; i < 10; ++i) {
    obs.push_back({static_cast<uint64_t>(i), SlotKind::kContraction, 0, static_cast<int8_t>(i & 1), 0.5});
    obs.push_back({static_cast<uint64_t>(100 + i), SlotKind::kSpelling, static_cast<int8_t>(i & 1),
                   0, 0.5});
  }
  EraseUniformKinds(&obs);
  for (const auto& o : obs) {
    if (o.kind == SlotKind::kContraction) {
      EXPECT_EQ(o.rendering, -1);
      EXPECT_EQ(o.symbol, -1);
    } else {
      EXPECT_GE(o.rendering, 0);
    }
  }
}

}  // namespace
}  // namespace custody::mark
