// Symmetric Tardos code: bias sampling and per-slot scores.
#include "custody/mark/tardos.h"

#include <array>
#include <cmath>

#include "custody/mark/mark.h"

namespace custody::mark {

double UnitInterval(uint64_t uniform_bits) {
  return static_cast<double>(uniform_bits >> 11) * 0x1.0p-53;
}

double ArcsineBias(uint64_t uniform_bits, double cutoff) {
  // A release calls this for every slot with one cutoff: keep its asin.
  thread_local double last_cutoff = -1.0;
  thread_local double last_lo = 0.0;
  if (cutoff != last_cutoff) {
    last_lo = std::asin(std::sqrt(cutoff));
    last_cutoff = cutoff;
  }
  const double lo = last_lo;
  const double hi = M_PI / 2 - lo;
  const double r = lo + UnitInterval(uniform_bits) * (hi - lo);
  const double s = std::sin(r);
  return s * s;
}

double SymmetricScore(int y, bool x, double p) {
  if (y < 0) return 0.0;
  const double a = std::sqrt((1 - p) / p);  // weight of agreeing on a 1
  const double b = std::sqrt(p / (1 - p));  // weight of agreeing on a 0
  if (y == 1) return x ? a : -b;
  return x ? -a : b;
}

void EraseUniformKinds(std::vector<SlotObservation>* observations, int min_count) {
  std::array<int, kNumSlotKinds> count{}, ones{};
  for (const SlotObservation& o : *observations) {
    if (o.rendering < 0) continue;
    ++count[static_cast<int>(o.kind)];
    ones[static_cast<int>(o.kind)] += o.rendering;
  }
  for (SlotObservation& o : *observations) {
    int k = static_cast<int>(o.kind);
    if (count[k] >= min_count && (ones[k] == 0 || ones[k] == count[k])) {
      o.rendering = -1;
      o.symbol = -1;
    }
  }
}

}  // namespace custody::mark
