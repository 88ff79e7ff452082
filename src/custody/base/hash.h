// Small non-cryptographic integer hashing shared by the modules that hash
// words and slots in their inner loops (sketch, mark). Never used where an
// adversary could choose inputs to collide: those paths are keyed (crypto).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace custody {

// The MurmurHash3 64-bit finalizer (fmix64): a bijection of 64-bit integers
// whose every output bit depends on every input bit. Known answers in
// base/hash_test.cc; stored slot ids and sketch hashes depend on it, so it
// never changes.
inline uint64_t Fmix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace custody
