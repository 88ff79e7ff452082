// SecretBytes: key material in guarded memory (sodium_malloc), wiped on
// release, compared in constant time, never copied implicitly, never printed.
// Thread-safety: not thread-safe for mutation; const access is safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "custody/base/status.h"

namespace custody::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes.
  explicit SecretBytes(size_t size);
  // Copies `bytes` into guarded memory.
  static SecretBytes FromBytes(std::string_view bytes);
  // `size` fresh random bytes from the OS CSPRNG.
  static SecretBytes Random(size_t size);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  // An explicit deep copy.
  SecretBytes Clone() const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  // The bytes as a view; callers must not log, print or persist it unencrypted.
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  // Constant-time equality.
  bool Equals(const SecretBytes& other) const;

 private:
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// Initializes libsodium once; safe to call repeatedly. Aborts if libsodium
// cannot initialize (no usable CSPRNG), since nothing else can work then.
void EnsureSodium();

// Overwrites `*s` with zeros (in a way the compiler keeps) and empties it:
// for the rare std::string that held secret bytes on their way somewhere.
void WipeString(std::string* s);

// Fills a std::string with `n` random bytes (non-secret randomness: nonces, salts, ids).
std::string RandomString(size_t n);
uint64_t RandomUint64();

}  // namespace custody::crypto
