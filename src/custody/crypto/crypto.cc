#include "custody/crypto/crypto.h"

// SHA-256 comes from OpenSSL's libcrypto: it uses the CPU's SHA extensions
// where present (several times libsodium's portable code, which dominated
// the custody log's appends). The low-level SHA256_* calls are deprecated in
// OpenSSL 3 in favour of EVP, whose per-call set-up costs more than hashing
// a 65-byte Merkle node; they remain supported through OpenSSL 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sodium.h>

#include <cstring>

#include "custody/base/encoding.h"

namespace custody::crypto {

static_assert(sizeof(SHA256_CTX) <= 128, "sha256 state buffer too small");

Digest Sha256(std::string_view data) {
  Digest d;
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(d.data(), &c);
  return d;
}

std::string DigestBytes(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string DigestHex(const Digest& d) { return HexEncode(DigestBytes(d)); }

Result<Digest> DigestFromBytes(std::string_view bytes) {
  if (bytes.size() != kSha256Size) {
    return InvalidArgumentError("expected a 32-byte SHA-256 hash, found " +
                                std::to_string(bytes.size()) + " bytes");
  }
  Digest d;
  std::memcpy(d.data(), bytes.data(), kSha256Size);
  return d;
}

Sha256Hasher::Sha256Hasher() { SHA256_Init(reinterpret_cast<SHA256_CTX*>(state_)); }
void Sha256Hasher::Update(std::string_view data) {
  SHA256_Update(reinterpret_cast<SHA256_CTX*>(state_), data.data(), data.size());
}
Digest Sha256Hasher::Finish() {
  Digest d;
  SHA256_Final(d.data(), reinterpret_cast<SHA256_CTX*>(state_));
  return d;
}

static Status CheckKey(const SecretBytes& key) {
  if (key.size() != kAeadKeySize) {
    return InvalidArgumentError("AEAD key must be 32 bytes, found " + std::to_string(key.size()));
  }
  return OkStatus();
}

Result<std::string> AeadSeal(const SecretBytes& key, std::string_view plaintext,
                             std::string_view ad) {
  CUSTODY_RETURN_IF_ERROR(CheckKey(key));
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, kAeadNonceSize);
  unsigned long long clen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(
          o + kAeadNonceSize, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
          plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
          o, key.data()) != 0) {
    return InternalError("AEAD: encryption failed");
  }
  out.resize(kAeadNonceSize + clen);
  return out;
}

static Status OpenInto(const SecretBytes& key, std::string_view sealed, std::string_view ad,
                       unsigned char* out) {
  CUSTODY_RETURN_IF_ERROR(CheckKey(key));
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return DataLossError("sealed data too short (" + std::to_string(sealed.size()) + " bytes)");
  }
  const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out, &mlen, nullptr, s + kAeadNonceSize, sealed.size() - kAeadNonceSize,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), s, key.data()) != 0) {
    return DataLossError("authentication failed: wrong key or tampered data");
  }
  return OkStatus();
}

Result<std::string> AeadOpen(const SecretBytes& key, std::string_view sealed,
                             std::string_view ad) {
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return DataLossError("sealed data too short (" + std::to_string(sealed.size()) + " bytes)");
  }
  std::string out(sealed.size() - kAeadNonceSize - kAeadTagSize, '\0');
  // One extra byte so data() is non-null for empty plaintexts.
  out.reserve(out.size() + 1);
  CUSTODY_RETURN_IF_ERROR(OpenInto(key, sealed, ad, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

Status AeadOpenTo(const SecretBytes& key, std::string_view sealed, std::string_view ad,
                  std::string* out) {
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return DataLossError("sealed data too short (" + std::to_string(sealed.size()) + " bytes)");
  }
  out->resize(sealed.size() - kAeadNonceSize - kAeadTagSize);
  out->reserve(out->size() + 1);
  return OpenInto(key, sealed, ad, reinterpret_cast<unsigned char*>(out->data()));
}

Result<SecretBytes> AeadOpenSecret(const SecretBytes& key, std::string_view sealed,
                                   std::string_view ad) {
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return DataLossError("sealed key too short (" + std::to_string(sealed.size()) + " bytes)");
  }
  SecretBytes out(sealed.size() - kAeadNonceSize - kAeadTagSize);
  unsigned char dummy;
  CUSTODY_RETURN_IF_ERROR(OpenInto(key, sealed, ad, out.empty() ? &dummy : out.data()));
  return out;
}

Ed25519KeyPair Ed25519Generate() {
  auto kp = Ed25519FromSeed(SecretBytes::Random(kEd25519SeedSize));
  CUSTODY_CHECK(kp.ok());
  return std::move(kp).value();
}

Result<Ed25519KeyPair> Ed25519FromSeed(const SecretBytes& seed) {
  if (seed.size() != kEd25519SeedSize) {
    return InvalidArgumentError("Ed25519 seed must be 32 bytes, found " +
                                std::to_string(seed.size()));
  }
  EnsureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  if (crypto_sign_seed_keypair(pk, sk.data(), seed.data()) != 0) {
    return InternalError("Ed25519: key derivation from the seed failed");
  }
  Ed25519KeyPair kp;
  kp.seed = seed.Clone();
  kp.public_key.assign(reinterpret_cast<char*>(pk), sizeof(pk));
  return kp;
}

Result<std::string> Ed25519Sign(const SecretBytes& seed, std::string_view message) {
  if (seed.size() != kEd25519SeedSize) {
    return InvalidArgumentError("Ed25519 seed must be 32 bytes");
  }
  EnsureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  if (crypto_sign_seed_keypair(pk, sk.data(), seed.data()) != 0) {
    return InternalError("Ed25519: key derivation from the seed failed");
  }
  std::string sig(crypto_sign_BYTES, '\0');
  if (crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           sk.data()) != 0) {
    return InternalError("Ed25519: signing failed");
  }
  return sig;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  EnsureSodium();
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

Result<SecretBytes> Argon2idDerive(std::string_view passphrase, std::string_view salt,
                                   const Argon2Params& params, size_t out_size) {
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return InvalidArgumentError("Argon2id salt must be 16 bytes");
  }
  EnsureSodium();
  SecretBytes out(out_size);
  if (crypto_pwhash(out.data(), out_size, passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), params.ops_limit,
                    static_cast<size_t>(params.mem_limit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhaustedError("Argon2id: not enough memory for the configured cost");
  }
  return out;
}

std::string HmacSha256(const SecretBytes& key, std::string_view message) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  // libsodium's streaming HMAC takes a key of any length and cannot fail.
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&state, sizeof state);
  return out;
}

std::string Prf(const SecretBytes& key, std::string_view data, size_t out_size) {
  EnsureSodium();
  CUSTODY_CHECK(key.size() >= crypto_generichash_KEYBYTES_MIN &&
                key.size() <= crypto_generichash_KEYBYTES_MAX);
  CUSTODY_CHECK(out_size >= crypto_generichash_BYTES_MIN &&
                out_size <= crypto_generichash_BYTES_MAX);
  std::string out(out_size, '\0');
  // Fails only for sizes out of range, checked above: a failure is a bug.
  CUSTODY_CHECK(crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out_size,
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                                   key.data(), key.size()) == 0);
  return out;
}

uint64_t Prf64(const SecretBytes& key, std::string_view data) {
  std::string out = Prf(key, data, 16);
  return DecodeFixed64(out.data());
}

ShortPrfOut ShortPrf(const SecretBytes& key, std::string_view data) {
  EnsureSodium();
  CUSTODY_CHECK(key.size() == crypto_shorthash_siphashx24_KEYBYTES);
  unsigned char out[crypto_shorthash_siphashx24_BYTES];
  CUSTODY_CHECK(crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(data.data()),
                                            data.size(), key.data()) == 0);
  ShortPrfOut r;
  r.lo = DecodeFixed64(reinterpret_cast<const char*>(out));
  r.hi = DecodeFixed64(reinterpret_cast<const char*>(out) + 8);
  return r;
}

SecretBytes DeriveKey(const SecretBytes& key, std::string_view purpose, size_t size) {
  std::string label = "custody-kdf-v1:";
  label += purpose;
  std::string out = Prf(key, label, size);
  SecretBytes s = SecretBytes::FromBytes(out);
  sodium_memzero(out.data(), out.size());
  return s;
}

X25519KeyPair X25519Generate() {
  EnsureSodium();
  X25519KeyPair kp;
  kp.secret_key = SecretBytes(crypto_box_SECRETKEYBYTES);
  kp.public_key.assign(crypto_box_PUBLICKEYBYTES, '\0');
  // Cannot fail for a random key: a failure is a bug.
  CUSTODY_CHECK(crypto_box_keypair(reinterpret_cast<unsigned char*>(kp.public_key.data()),
                                   kp.secret_key.data()) == 0);
  return kp;
}

Result<std::string> X25519PublicFromSecret(const SecretBytes& sk) {
  if (sk.size() != crypto_box_SECRETKEYBYTES) {
    return InvalidArgumentError("X25519 secret key must be 32 bytes, found " +
                                std::to_string(sk.size()));
  }
  EnsureSodium();
  std::string pk(crypto_box_PUBLICKEYBYTES, '\0');
  if (crypto_scalarmult_base(reinterpret_cast<unsigned char*>(pk.data()), sk.data()) != 0) {
    return InvalidArgumentError("X25519 secret key gives no usable public key");
  }
  return pk;
}

Status CheckX25519PublicKey(std::string_view public_key) {
  if (public_key.size() != kX25519KeySize) {
    return InvalidArgumentError("X25519 public key must be 32 bytes, found " +
                                std::to_string(public_key.size()));
  }
  if (sodium_is_zero(reinterpret_cast<const unsigned char*>(public_key.data()), kX25519KeySize)) {
    return InvalidArgumentError("X25519 public key is all zeros (not a key)");
  }
  // X25519 multiplies by a multiple of 8, so a point of order 1, 2, 4 or 8
  // (in any encoding, top bit and u >= p included) gives the all-zero
  // result for every scalar: crypto_scalarmult refuses exactly those. Any
  // other point gives a non-zero result for every clamped scalar.
  EnsureSodium();
  unsigned char scalar[crypto_scalarmult_SCALARBYTES];
  std::memset(scalar, 0x5a, sizeof(scalar));
  unsigned char q[crypto_scalarmult_BYTES];
  const int r = crypto_scalarmult(q, scalar, reinterpret_cast<const unsigned char*>(public_key.data()));
  sodium_memzero(q, sizeof(q));
  if (r != 0) {
    return InvalidArgumentError("X25519 public key is a point of small order (every shared "
                                "secret with it is known to all): not a key");
  }
  return OkStatus();
}

Result<std::string> SealToPublicKey(std::string_view public_key, std::string_view plaintext) {
  CUSTODY_RETURN_IF_ERROR(CheckX25519PublicKey(public_key));
  std::string out(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                      reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return InvalidArgumentError("sealed box: the X25519 public key was refused");
  }
  return out;
}

Result<std::string> OpenSealed(const X25519KeyPair& keys, std::string_view sealed) {
  if (sealed.size() < crypto_box_SEALBYTES) return DataLossError("sealed box too short");
  if (keys.public_key.size() != crypto_box_PUBLICKEYBYTES ||
      keys.secret_key.size() != crypto_box_SECRETKEYBYTES) {
    return InvalidArgumentError("X25519 key pair has the wrong size");
  }
  std::string out(sealed.size() - crypto_box_SEALBYTES, '\0');
  out.reserve(out.size() + 1);
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           reinterpret_cast<const unsigned char*>(keys.public_key.data()),
                           keys.secret_key.data()) != 0) {
    return DataLossError("sealed box did not open: wrong key or tampered data");
  }
  return out;
}

}  // namespace custody::crypto
