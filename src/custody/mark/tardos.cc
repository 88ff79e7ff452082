// Symmetric Tardos code: bias sampling.
#include "custody/mark/tardos.h"

#include <cmath>


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

}  // namespace custody::mark
