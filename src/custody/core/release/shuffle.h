// KeyedPermutation: a permutation of [0, n) determined by a 32-byte seed
// (Fisher-Yates driven by a ChaCha20 keystream, unbiased bounded draws), so
// a release's record order is fixed by its key and id and unpredictable
// without them. Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace custody::core {

// `seed` must be 32 bytes.
std::vector<uint32_t> KeyedPermutation(std::string_view seed, size_t n);

}  // namespace custody::core
