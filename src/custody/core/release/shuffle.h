// KeyedPermutation: a permutation of [0, n) determined by a 32-byte secret
// key (Fisher-Yates driven by a ChaCha20 keystream, unbiased bounded draws),
// so a release's record order is fixed by its key and id and unpredictable
// without them. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "custody/base/ids.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::core {

// The shuffle key of release `release`: PRF(release key, "shuffle|release:ID"),
// 32 bytes, held as a secret.
crypto::SecretBytes ShuffleKey(const crypto::SecretBytes& release_key, ReleaseId release);

// `key` must be 32 bytes (a programming error otherwise: checked).
std::vector<uint32_t> KeyedPermutation(const crypto::SecretBytes& key, size_t n);

}  // namespace custody::core
