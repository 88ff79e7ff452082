// The symmetric Tardos code behind variant marks (Skoric, Katzenbeisser and
// Celik, "Symmetric Tardos fingerprinting codes for arbitrary alphabet
// sizes", 2008): per-slot biases from the arcsine density with cutoff t and
// member symbols as Bernoulli(p) draws. The accusation score and its bound
// are statistics and live in core/attribution/tardos.h. docs/marks.md ("The
// code") gives the formulas and the choice of t.
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

// What a dump shows in one mark slot of a record it copied: the slot, its
// rendering and the code symbol that rendering encodes. This is the one
// observation type of the tree: Marker::ReadSlots produces it, and the
// accusation statistics (core/attribution/tardos.h) score it, in `trace` and
// in the calibration simulation alike.
struct SlotObservation {
  uint64_t slot_id = 0;
  SlotKind kind = SlotKind::kContraction;
  int8_t rendering = -1;  // 0 or 1 as seen in the dump; -1 erased
  int8_t symbol = -1;     // rendering XOR keyed flip: the code symbol y; -1 erased
  double bias = 0.5;      // p of the slot

  bool readable() const { return symbol >= 0; }
};

}  // namespace custody::mark
