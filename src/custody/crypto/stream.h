// Streaming public-key encryption of a byte stream to one X25519 key, for
// releases of any size: a random 32-byte file key sealed to the recipient
// (crypto_box_seal), then libsodium secretstream (XChaCha20-Poly1305) chunks.
// Wire format (docs/formats/release.md, "Encrypted files"):
//   header = magic "CSTDSS01" (8) || crypto_box_seal(file_key) (80)
//            || secretstream header (24)                       = 112 bytes
//   frame  = u32 little-endian ciphertext length || ciphertext
//            (plaintext + 17 bytes), each chunk authenticated with the
//            header as associated data; the last chunk carries TAG_FINAL.
// Reordered, dropped, truncated or flipped chunks, bytes after the final
// chunk, or a wrong key all fail with kDataLoss.
// Thread-safety: one instance per thread; instances are movable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "custody/base/status.h"
#include "custody/crypto/crypto.h"

namespace custody::crypto {

inline constexpr char kStreamMagic[] = "CSTDSS01";
inline constexpr size_t kStreamMagicSize = 8;
inline constexpr size_t kStreamHeaderSize = 112;
inline constexpr size_t kStreamChunkOverhead = 17;  // secretstream ABYTES
inline constexpr size_t kStreamFrameLengthSize = 4;
// Largest plaintext chunk a sealer writes and an opener accepts.
inline constexpr size_t kStreamMaxChunk = 1u << 20;

class StreamSealer {
 public:
  ~StreamSealer();
  StreamSealer(StreamSealer&&) noexcept;
  StreamSealer& operator=(StreamSealer&&) noexcept;

  // Starts a stream to `public_key` (32 bytes, else kInvalidArgument) and
  // appends the 112-byte header to `*out`. The file key is random, or
  // `file_key` when given (32 bytes, else kInvalidArgument): a key the
  // sender can derive again (an encrypted release's, core/release/file_key.h).
  static Result<StreamSealer> Create(std::string_view public_key, std::string* out,
                                     const SecretBytes* file_key = nullptr);

  // Encrypts `plaintext` (at most kStreamMaxChunk bytes) as one frame and
  // appends it to `*out`. `final` marks the last chunk; no Push after it
  // (kFailedPrecondition).
  Status Push(std::string_view plaintext, bool final, std::string* out);

 private:
  struct State;
  explicit StreamSealer(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

class StreamOpener {
 public:
  ~StreamOpener();
  StreamOpener(StreamOpener&&) noexcept;
  StreamOpener& operator=(StreamOpener&&) noexcept;

  // Reads the header with the recipient's key pair. kDataLoss if the magic
  // is wrong, the header is short, or the file key does not open (wrong key
  // or tampering).
  static Result<StreamOpener> Create(const X25519KeyPair& keys, std::string_view header);

  // Decrypts one chunk's ciphertext (a frame without its length prefix) and
  // appends the plaintext to `*out`; sets `*final` when it was the last one.
  // kDataLoss if it does not authenticate or comes after the final chunk.
  Status Pull(std::string_view ciphertext, std::string* out, bool* final);

  bool finished() const;

 private:
  struct State;
  explicit StreamOpener(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace custody::crypto
