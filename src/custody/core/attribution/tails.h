// Exact upper tails of the discrete and chi-square distributions that the
// attribution statistics rest on, computed in log space so that p-values far
// below the smallest double (1e-308) are still reported (as logarithms).
// No normal approximation is used anywhere: terms are summed exactly from a
// lgamma starting point with exact term-ratio recurrences.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace custody::core::attribution {

// Natural logarithm of P(X >= k) for X ~ Binomial(n, p). Returns 0 for k <= 0
// and -infinity when k > n (or p == 0 and k > 0). Precondition: 0 <= p <= 1.
double LogBinomialUpperTail(uint64_t n, double p, uint64_t k);

// Natural logarithm of P(X >= k) for X ~ Hypergeometric: `draws` items drawn
// without replacement from a population of `population` items of which
// `successes` are marked; X counts the marked items drawn. Returns 0 when k is
// at or below the support's minimum and -infinity above its maximum.
// Preconditions: successes <= population, draws <= population.
double LogHypergeometricUpperTail(uint64_t population, uint64_t successes,
                                  uint64_t draws, uint64_t k);

// Natural logarithm of P(chi^2 with 2*half_df degrees of freedom >= x),
// which is exactly exp(-x/2) * sum_{i < half_df} (x/2)^i / i!.
// Returns 0 for x <= 0 or half_df == 0 (an empty combination says nothing).
double LogChiSquareEvenUpperTail(double x, uint64_t half_df);

// Converts a natural-log probability to log10 (keeps -infinity).
double LnToLog10(double ln_p);

// log(exp(a) + exp(b)) without overflow or underflow; -infinity is neutral.
double LogAddExp(double a, double b);

}  // namespace custody::core::attribution
