// Exact log-space tails; see tails.h.
#include "custody/core/attribution/tails.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace custody::core::attribution {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kLn10 = 2.302585092994045684;
constexpr uint64_t kTableSize = 256;

// ln(i!) for i < kTableSize, summed once.
const std::array<double, kTableSize>& LogFactorialTable() {
  static const std::array<double, kTableSize> table = [] {
    std::array<double, kTableSize> t{};
    for (uint64_t i = 1; i < kTableSize; ++i) {
      t[i] = t[i - 1] + std::log(static_cast<double>(i));
    }
    return t;
  }();
  return table;
}

// ln(n!): a table below 256, else Stirling's series (error below 1e-20).
// Used instead of lgamma, which writes the global `signgam`.
double LogFactorial(uint64_t n) {
  if (n < kTableSize) return LogFactorialTable()[n];
  const double x = static_cast<double>(n);
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  const double series =
      inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
  return x * std::log(x) - x + 0.5 * std::log(2 * M_PI * x) + series;
}

double LogChoose(uint64_t n, uint64_t k) {
  return LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);
}

// Sums a run of pmf terms that start at ln value `log_first` and then shrink
// by ratio(x) per step, for `steps` further steps at most. The pmfs here are
// log-concave, so once past the mode the ratios only fall; the sum stops when
// a geometric bound on the remainder is below double precision. Returns the
// natural log of the sum.
template <typename Ratio>
double SumDecreasingRun(double log_first, uint64_t steps, Ratio ratio) {
  double sum = 1.0;
  double term = 1.0;
  for (uint64_t i = 0; i < steps; ++i) {
    const double r = ratio(i);
    term *= r;
    sum += term;
    if (r < 1.0 && term * r / (1.0 - r) < sum * 1e-17) break;
    if (term == 0.0) break;
  }
  return log_first + std::log(sum);
}

// ln(1 - exp(a)) for a <= 0.
double Log1mExp(double a) {
  if (a == kNegInf) return 0.0;
  if (a > -0.6931471805599453) return std::log(-std::expm1(a));
  return std::log1p(-std::exp(a));
}

}  // namespace

double LnToLog10(double ln_p) { return ln_p / kLn10; }

double LogAddExp(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

double LogBinomialUpperTail(uint64_t n, double p, uint64_t k) {
  if (k == 0) return 0.0;
  if (k > n || p <= 0.0) return kNegInf;
  if (p >= 1.0) return 0.0;
  const double q = 1.0 - p;
  const double lp = std::log(p);
  const double lq = std::log1p(-p);
  auto log_pmf = [&](uint64_t x) {
    return LogChoose(n, x) + static_cast<double>(x) * lp +
           static_cast<double>(n - x) * lq;
  };
  const auto mode = static_cast<uint64_t>(
      std::floor(static_cast<double>(n + 1) * p));
  if (k > mode) {
    // Upper side of the mode: sum k, k+1, ..., n.
    return SumDecreasingRun(log_pmf(k), n - k, [&](uint64_t i) {
      const double x = static_cast<double>(k + i);
      return (static_cast<double>(n) - x) / (x + 1.0) * (p / q);
    });
  }
  // Lower side: 1 - P(X <= k-1), summing k-1, k-2, ..., 0.
  const uint64_t start = k - 1;
  const double log_lower = SumDecreasingRun(log_pmf(start), start, [&](uint64_t i) {
    const double x = static_cast<double>(start - i);
    return x / (static_cast<double>(n) - x + 1.0) * (q / p);
  });
  return Log1mExp(std::min(log_lower, 0.0));
}

double LogHypergeometricUpperTail(uint64_t population, uint64_t successes,
                                  uint64_t draws, uint64_t k) {
  const uint64_t N = population, K = successes, n = draws;
  const uint64_t lo = (n + K > N) ? n + K - N : 0;
  const uint64_t hi = std::min(n, K);
  if (k <= lo) return 0.0;
  if (k > hi) return kNegInf;
  const double dN = static_cast<double>(N), dK = static_cast<double>(K),
               dn = static_cast<double>(n);
  const double log_total = LogChoose(N, n);
  auto log_pmf = [&](uint64_t x) {
    return LogChoose(K, x) + LogChoose(N - K, n - x) - log_total;
  };
  const auto mode = static_cast<uint64_t>(
      std::floor((dn + 1.0) * (dK + 1.0) / (dN + 2.0)));
  if (k > mode) {
    return std::min(0.0, SumDecreasingRun(log_pmf(k), hi - k, [&](uint64_t i) {
      const double x = static_cast<double>(k + i);
      return (dK - x) * (dn - x) / ((x + 1.0) * (dN - dK - dn + x + 1.0));
    }));
  }
  const uint64_t start = k - 1;
  const double log_lower =
      SumDecreasingRun(log_pmf(start), start - lo, [&](uint64_t i) {
        const double x = static_cast<double>(start - i);
        return x * (dN - dK - dn + x) / ((dK - x + 1.0) * (dn - x + 1.0));
      });
  return Log1mExp(std::min(log_lower, 0.0));
}

double LogChiSquareEvenUpperTail(double x, uint64_t half_df) {
  if (half_df == 0 || x <= 0.0) return 0.0;
  if (std::isinf(x)) return kNegInf;
  const double h = x / 2.0;
  const double log_h = std::log(h);
  double log_sum = kNegInf;
  for (uint64_t i = 0; i < half_df; ++i) {
    log_sum = LogAddExp(log_sum, static_cast<double>(i) * log_h - LogFactorial(i));
  }
  return std::min(0.0, -h + log_sum);
}

}  // namespace custody::core::attribution
