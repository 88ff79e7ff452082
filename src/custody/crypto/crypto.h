// custody's cryptographic primitives, from libsodium (SHA-256 from OpenSSL):
//   AEAD        XChaCha20-Poly1305 (IETF), 24-byte random nonce, 16-byte tag
//   signatures  Ed25519 (deterministic, RFC 8032)
//   KDF         Argon2id (crypto_pwhash) for passphrases
//   PRF         keyed BLAKE2b (crypto_generichash with a key); SipHash-2-4
//               (crypto_shorthash_siphashx24) for short inputs
//   hash        SHA-256 (one-shot and incremental; OpenSSL libcrypto, which
//               uses the CPU's SHA extensions)
//   sealed box  X25519 + XSalsa20-Poly1305 (crypto_box_seal) to a member's key
// Nothing here logs or prints secrets. Functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::crypto {

// ---- SHA-256 ---------------------------------------------------------------
inline constexpr size_t kSha256Size = 32;
using Digest = std::array<uint8_t, kSha256Size>;

Digest Sha256(std::string_view data);
std::string DigestBytes(const Digest& d);  // the 32 raw bytes as a string
std::string DigestHex(const Digest& d);
Result<Digest> DigestFromBytes(std::string_view bytes);  // kInvalidArgument unless 32 bytes

class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::string_view data);
  Digest Finish();

 private:
  alignas(64) unsigned char state_[128];
};

// ---- AEAD: XChaCha20-Poly1305 ------------------------------------------------
inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;

// Returns nonce || ciphertext || tag, with a fresh random nonce.
// `key` must be kAeadKeySize bytes (else kInvalidArgument).
Result<std::string> AeadSeal(const SecretBytes& key, std::string_view plaintext,
                             std::string_view associated_data);
// Opens the output of AeadSeal; kDataLoss if the tag does not verify (wrong key,
// wrong associated data, or tampering).
Result<std::string> AeadOpen(const SecretBytes& key, std::string_view sealed,
                             std::string_view associated_data);
// As AeadOpen, into `*out` (resized; its memory is reused across calls, for
// hot paths that open many small blocks). On error `*out` is unspecified.
Status AeadOpenTo(const SecretBytes& key, std::string_view sealed,
                  std::string_view associated_data, std::string* out);
// Same as AeadOpen but into a SecretBytes (for wrapped keys).
Result<SecretBytes> AeadOpenSecret(const SecretBytes& key, std::string_view sealed,
                                   std::string_view associated_data);

// ---- Ed25519 -----------------------------------------------------------------
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

struct Ed25519KeyPair {
  SecretBytes seed;        // 32 bytes; the private key is derived from it
  std::string public_key;  // 32 bytes
};
Ed25519KeyPair Ed25519Generate();
Result<Ed25519KeyPair> Ed25519FromSeed(const SecretBytes& seed);
// Returns the 64-byte signature of `message`.
Result<std::string> Ed25519Sign(const SecretBytes& seed, std::string_view message);
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// ---- Argon2id ----------------------------------------------------------------
inline constexpr size_t kArgon2SaltSize = 16;
struct Argon2Params {
  uint64_t ops_limit = 3;                  // crypto_pwhash_OPSLIMIT_MODERATE
  uint64_t mem_limit = 256ull << 20;       // 256 MiB
};
// Derives `out_size` key bytes from `passphrase` and a 16-byte salt.
Result<SecretBytes> Argon2idDerive(std::string_view passphrase, std::string_view salt,
                                   const Argon2Params& params, size_t out_size = 32);

// ---- Keyed PRF (BLAKE2b) -----------------------------------------------------
// BLAKE2b-`out_size` keyed with `key` (16..64 bytes) over `data`.
std::string Prf(const SecretBytes& key, std::string_view data, size_t out_size = 32);
// The first 8 bytes of Prf(key, data) as a little-endian integer.
uint64_t Prf64(const SecretBytes& key, std::string_view data);
// Derives a sub-key for `purpose` from `key` (domain separation).
SecretBytes DeriveKey(const SecretBytes& key, std::string_view purpose, size_t size = 32);

// ---- HMAC-SHA256 (RFC 2104) ---------------------------------------------------
// The 32-byte HMAC-SHA256 of `message` under `key` (any length). For
// signatures outsiders check with standard tools (webhook deliveries).
std::string HmacSha256(const SecretBytes& key, std::string_view message);

// ---- Short-input PRF (SipHash-2-4, 128-bit output) ------------------------------
// For many calls on a few dozen bytes (per-slot mark parameters): several
// times cheaper than keyed BLAKE2b there. The key is 16 bytes.
inline constexpr size_t kShortPrfKeySize = 16;
struct ShortPrfOut {
  uint64_t lo = 0, hi = 0;  // bytes 0..7 and 8..15, little-endian
};
ShortPrfOut ShortPrf(const SecretBytes& key, std::string_view data);

// ---- Sealed boxes to X25519 keys ------------------------------------------------
inline constexpr size_t kX25519KeySize = 32;
inline constexpr size_t kSealOverhead = 48;  // crypto_box_SEALBYTES
struct X25519KeyPair {
  SecretBytes secret_key;  // 32 bytes
  std::string public_key;  // 32 bytes
};
X25519KeyPair X25519Generate();
// Derives the public key of a 32-byte secret key.
Result<std::string> X25519PublicFromSecret(const SecretBytes& secret_key);
// OK if `public_key` can be encrypted to: 32 bytes and not a point of small
// order (the all-zero key and the few others whose shared secret with any
// key is all-zero, so known to everyone). kInvalidArgument saying which.
Status CheckX25519PublicKey(std::string_view public_key);
// Anonymous sealed box: only the holder of `public_key`'s secret can open it.
// kInvalidArgument if CheckX25519PublicKey refuses the key.
Result<std::string> SealToPublicKey(std::string_view public_key, std::string_view plaintext);
// kDataLoss if the box does not open (wrong key or tampering).
Result<std::string> OpenSealed(const X25519KeyPair& keys, std::string_view sealed);

}  // namespace custody::crypto
