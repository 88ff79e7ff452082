#include "custody/core/attribution/tails.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace custody::core::attribution {
namespace {

// Brute-force reference in long double, for small parameters.
long double ChooseL(uint64_t n, uint64_t k) {
  long double r = 1;
  for (uint64_t i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

TEST(TailsTest, BinomialMatchesBruteForce) {
  for (uint64_t n : {1u, 2u, 7u, 30u, 60u}) {
    for (double p : {0.01, 0.2, 0.5, 0.93}) {
      for (uint64_t k = 0; k <= n + 1; ++k) {
        long double want = 0;
        for (uint64_t x = k; x <= n; ++x) {
          want += ChooseL(n, x) * std::pow((long double)p, x) *
                  std::pow((long double)(1 - p), n - x);
        }
        const double got = LogBinomialUpperTail(n, p, k);
        if (want == 0) {
          EXPECT_EQ(got, -std::numeric_limits<double>::infinity());
        } else {
          EXPECT_NEAR(got, std::log((double)want), 1e-9)
              << "n=" << n << " p=" << p << " k=" << k;
        }
      }
    }
  }
}

TEST(TailsTest, BinomialKnownValues) {
  EXPECT_NEAR(std::exp(LogBinomialUpperTail(10, 0.5, 8)), 56.0 / 1024, 1e-15);
  // P(Bin(1000, 1/2) = 1000) = 2^-1000, far below the smallest double.
  EXPECT_NEAR(LogBinomialUpperTail(1000, 0.5, 1000), -1000 * std::log(2.0), 1e-8);
  EXPECT_NEAR(LnToLog10(LogBinomialUpperTail(2000, 0.5, 2000)), -602.06, 0.01);
  EXPECT_EQ(LogBinomialUpperTail(5, 0.0, 1), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(LogBinomialUpperTail(5, 1.0, 5), 0.0);
  EXPECT_EQ(LogBinomialUpperTail(5, 0.3, 0), 0.0);
}

TEST(TailsTest, BinomialLargeNIsMonotoneAndNearHalfAtMedian) {
  const uint64_t n = 10'000'000;
  EXPECT_NEAR(std::exp(LogBinomialUpperTail(n, 0.5, n / 2 + 1)), 0.5, 1e-3);
  double prev = 0;
  for (uint64_t k = n / 2; k < n / 2 + 20000; k += 1000) {
    const double l = LogBinomialUpperTail(n, 0.5, k);
    EXPECT_LE(l, prev);
    prev = l;
  }
  EXPECT_LT(prev, std::log(1e-30));
}

TEST(TailsTest, HypergeometricMatchesBruteForce) {
  for (uint64_t N : {1u, 5u, 20u, 50u}) {
    for (uint64_t K = 0; K <= N; K += 3) {
      for (uint64_t n = 0; n <= N; n += 4) {
        for (uint64_t k = 0; k <= n + 1; ++k) {
          long double want = 0;
          for (uint64_t x = k; x <= std::min(n, K); ++x) {
            if (n - x > N - K) continue;
            want += ChooseL(K, x) * ChooseL(N - K, n - x) / ChooseL(N, n);
          }
          const double got = LogHypergeometricUpperTail(N, K, n, k);
          if (want == 0) {
            EXPECT_EQ(got, -std::numeric_limits<double>::infinity());
          } else {
            EXPECT_NEAR(got, std::log((double)want), 1e-9)
                << N << " " << K << " " << n << " " << k;
          }
        }
      }
    }
  }
}

TEST(TailsTest, HypergeometricAllDrawsMarked) {
  // P(all 200 draws marked) = prod (K - i) / (N - i).
  const uint64_t N = 100000, K = 10000, n = 200;
  double want = 0;
  for (uint64_t i = 0; i < n; ++i) want += std::log(double(K - i) / double(N - i));
  EXPECT_NEAR(LogHypergeometricUpperTail(N, K, n, n), want, 1e-7);
  EXPECT_LT(LnToLog10(want), -200);
}

TEST(TailsTest, ChiSquareEven) {
  EXPECT_NEAR(LogChiSquareEvenUpperTail(3.0, 1), -1.5, 1e-15);
  // df 4: e^{-x/2} (1 + x/2).
  EXPECT_NEAR(std::exp(LogChiSquareEvenUpperTail(10.0, 2)), std::exp(-5.0) * 6, 1e-15);
  EXPECT_EQ(LogChiSquareEvenUpperTail(0.0, 3), 0.0);
  // Tiny tails stay finite in log space.
  EXPECT_NEAR(LogChiSquareEvenUpperTail(5000.0, 3),
              -2500 + std::log(1 + 2500 + 2500.0 * 2500 / 2), 1e-6);
}

}  // namespace
}  // namespace custody::core::attribution
