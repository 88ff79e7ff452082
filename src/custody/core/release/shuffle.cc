#include "custody/core/release/shuffle.h"

#include <sodium.h>

#include <cstring>
#include <numeric>
#include <string>

#include "custody/base/check.h"
#include "custody/crypto/crypto.h"

namespace custody::core {
namespace {

// Draws 64-bit words from ChaCha20(seed, nonce 0) in blocks.
class KeyStream {
 public:
  explicit KeyStream(std::string_view seed) {
    CUSTODY_CHECK(seed.size() == crypto_stream_chacha20_KEYBYTES);
    std::memcpy(key_, seed.data(), sizeof(key_));
  }
  ~KeyStream() { sodium_memzero(key_, sizeof(key_)); }
  uint64_t Next() {
    if (pos_ == kWords) Refill();
    return buf_[pos_++];
  }
  // Uniform in [0, bound) by rejection.
  uint64_t Below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do {
      v = Next();
    } while (v >= limit);
    return v % bound;
  }

 private:
  static constexpr size_t kWords = 64;
  void Refill() {
    unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {};
    std::memcpy(nonce, &block_, sizeof(block_) < sizeof(nonce) ? sizeof(block_) : sizeof(nonce));
    // Fails only for a length beyond the stream's limit (512 bytes here): a bug.
    CUSTODY_CHECK(crypto_stream_chacha20(reinterpret_cast<unsigned char*>(buf_), sizeof(buf_),
                                         nonce, key_) == 0);
    ++block_;
    pos_ = 0;
  }
  unsigned char key_[crypto_stream_chacha20_KEYBYTES];
  uint64_t buf_[kWords];
  size_t pos_ = kWords;
  uint64_t block_ = 0;
};

}  // namespace

crypto::SecretBytes ShuffleKey(const crypto::SecretBytes& release_key, ReleaseId release) {
  std::string bytes = crypto::Prf(release_key, "shuffle|release:" + ToString(release), 32);
  crypto::SecretBytes key = crypto::SecretBytes::FromBytes(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

std::vector<uint32_t> KeyedPermutation(const crypto::SecretBytes& key, size_t n) {
  std::vector<uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0u);
  KeyStream ks(key.view());
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(ks.Below(i));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

}  // namespace custody::core
