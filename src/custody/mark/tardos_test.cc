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

}  // namespace
}  // namespace custody::mark
