// The symmetric Tardos code behind variant marks (Skoric, Katzenbeisser and
// Celik, "Symmetric Tardos fingerprinting codes for arbitrary alphabet
// sizes", 2008): per-slot biases from the arcsine density with cutoff t,
// member symbols as Bernoulli(p) draws, and the symmetric accusation score.
// docs/marks.md ("The code") gives the formulas and the choice of t.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "custody/mark/slot_kind.h"

namespace custody::mark {

// Default cutoff t of the bias density: suits coalitions up to c0 = 3 while
// bounding one slot's score by sqrt((1-t)/t) ~= 9.95 (see docs/marks.md).
inline constexpr double kDefaultBiasCutoff = 0.01;

// Maps 64 uniform bits to a bias p in [t, 1-t] with density proportional to
// 1/sqrt(p(1-p)): p = sin^2(r), r uniform in [asin(sqrt t), pi/2 - asin(sqrt t)].
// Precondition: 0 < cutoff < 0.5.
double ArcsineBias(uint64_t uniform_bits, double cutoff);

// Maps 64 uniform bits to [0, 1) (53-bit resolution).
double UnitInterval(uint64_t uniform_bits);

// Skoric's symmetric score of one slot for a member with symbol `x` when the
// dump shows symbol `y` (0 or 1) and the slot's bias is `p`:
//   y = x = 1: sqrt((1-p)/p)      y = 1, x = 0: -sqrt(p/(1-p))
//   y = x = 0: sqrt(p/(1-p))      y = 0, x = 1: -sqrt((1-p)/p)
// For an innocent member (x independent of y) each term has mean 0 and
// variance 1. Returns 0 for an erased slot (y < 0).
double SymmetricScore(int y, bool x, double p);

struct SlotObservation;

// Treats as erased (rendering and symbol set to -1) every observation of a
// slot kind whose rendering is the same across all of `observations` when
// that kind has at least `min_count` readable observations: a normalizer that
// forces one rendering leaves no information in that kind. The test is on
// renderings, not symbols, because the keyed rendering flip makes a forced
// rendering look like balanced random symbols.
void EraseUniformKinds(std::vector<SlotObservation>* observations, int min_count = 8);

}  // namespace custody::mark
