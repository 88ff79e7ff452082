#include "custody/crypto/stream.h"

#include <algorithm>

#include <sodium.h>

#include <cstring>

#include "custody/base/encoding.h"

namespace custody::crypto {

static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == 24);
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == kStreamChunkOverhead);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);
static_assert(kStreamMagicSize + 32 + crypto_box_SEALBYTES + 24 == kStreamHeaderSize);

struct StreamSealer::State {
  crypto_secretstream_xchacha20poly1305_state st;
  std::string header;  // associated data of every chunk
  bool finished = false;
  ~State() { sodium_memzero(&st, sizeof(st)); }
};

struct StreamOpener::State {
  crypto_secretstream_xchacha20poly1305_state st;
  std::string header;
  bool finished = false;
  ~State() { sodium_memzero(&st, sizeof(st)); }
};

StreamSealer::StreamSealer(std::unique_ptr<State> s) : state_(std::move(s)) {}
StreamSealer::~StreamSealer() = default;
StreamSealer::StreamSealer(StreamSealer&&) noexcept = default;
StreamSealer& StreamSealer::operator=(StreamSealer&&) noexcept = default;

Result<StreamSealer> StreamSealer::Create(std::string_view public_key, std::string* out,
                                          const SecretBytes* given_key) {
  EnsureSodium();
  if (public_key.size() != kX25519KeySize) {
    return InvalidArgumentError("stream: expected a 32-byte X25519 public key, found " +
                                std::to_string(public_key.size()) + " bytes");
  }
  if (given_key != nullptr && given_key->size() != crypto_secretstream_xchacha20poly1305_KEYBYTES) {
    return InvalidArgumentError("stream: expected a 32-byte file key, found " +
                                std::to_string(given_key->size()) + " bytes");
  }
  SecretBytes file_key = given_key != nullptr
                             ? given_key->Clone()
                             : SecretBytes::Random(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed, SealToPublicKey(public_key, file_key.view()));
  auto s = std::make_unique<State>();
  unsigned char ss_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  if (crypto_secretstream_xchacha20poly1305_init_push(&s->st, ss_header, file_key.data()) != 0) {
    return InternalError("stream: cannot start the encrypted stream");
  }
  s->header.assign(kStreamMagic, kStreamMagicSize);
  s->header.append(sealed);
  s->header.append(reinterpret_cast<const char*>(ss_header), sizeof(ss_header));
  out->append(s->header);
  return StreamSealer(std::move(s));
}

Status StreamSealer::Push(std::string_view plaintext, bool final, std::string* out) {
  if (state_->finished) return FailedPreconditionError("stream: push after the final chunk");
  if (plaintext.size() > kStreamMaxChunk) {
    return InvalidArgumentError("stream: chunk of " + std::to_string(plaintext.size()) +
                                " bytes exceeds " + std::to_string(kStreamMaxChunk));
  }
  const size_t clen = plaintext.size() + kStreamChunkOverhead;
  PutFixed32(out, static_cast<uint32_t>(clen));
  const size_t at = out->size();
  out->resize(at + clen);
  unsigned long long written = 0;
  if (crypto_secretstream_xchacha20poly1305_push(
          &state_->st, reinterpret_cast<unsigned char*>(out->data() + at), &written,
          reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
          reinterpret_cast<const unsigned char*>(state_->header.data()), state_->header.size(),
          final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0) != 0 ||
      written != clen) {
    out->resize(at - kStreamFrameLengthSize);  // drop the length written above
    return InternalError("stream: encrypting a chunk failed");
  }
  state_->finished = final;
  return OkStatus();
}

StreamOpener::StreamOpener(std::unique_ptr<State> s) : state_(std::move(s)) {}
StreamOpener::~StreamOpener() = default;
StreamOpener::StreamOpener(StreamOpener&&) noexcept = default;
StreamOpener& StreamOpener::operator=(StreamOpener&&) noexcept = default;

bool StreamOpener::finished() const { return state_->finished; }

Result<StreamOpener> StreamOpener::Create(const X25519KeyPair& keys, std::string_view header) {
  EnsureSodium();
  // A file that does not start as one of ours (plaintext JSONL, say) is bad
  // input, not tampering; a truncated header of ours is data loss.
  const std::string_view magic(kStreamMagic, kStreamMagicSize);
  if (header.substr(0, kStreamMagicSize) != magic.substr(0, std::min(header.size(), kStreamMagicSize))) {
    return InvalidArgumentError("encrypted stream: expected the magic 'CSTDSS01' of a custody encrypted "
                                "file, found other bytes (a plaintext file, not an encrypted release?)");
  }
  if (header.size() != kStreamHeaderSize) {
    return DataLossError("encrypted stream: expected a " + std::to_string(kStreamHeaderSize) +
                         "-byte header, found " + std::to_string(header.size()) + " bytes");
  }
  const size_t sealed_size = 32 + crypto_box_SEALBYTES;
  auto opened = OpenSealed(keys, header.substr(kStreamMagicSize, sealed_size));
  if (!opened.ok()) {
    return DataLossError(
        "encrypted stream: the file key does not open with this key (wrong key or tampered header)");
  }
  SecretBytes file_key = SecretBytes::FromBytes(*opened);
  sodium_memzero(opened->data(), opened->size());
  auto s = std::make_unique<State>();
  s->header.assign(header);
  const auto* ss_header =
      reinterpret_cast<const unsigned char*>(header.data() + kStreamMagicSize + sealed_size);
  if (crypto_secretstream_xchacha20poly1305_init_pull(&s->st, ss_header, file_key.data()) != 0) {
    return DataLossError("encrypted stream: invalid stream header");
  }
  return StreamOpener(std::move(s));
}

Status StreamOpener::Pull(std::string_view ciphertext, std::string* out, bool* final) {
  if (state_->finished) return DataLossError("encrypted stream: data after the final chunk");
  if (ciphertext.size() < kStreamChunkOverhead ||
      ciphertext.size() > kStreamMaxChunk + kStreamChunkOverhead) {
    return DataLossError("encrypted stream: chunk length " + std::to_string(ciphertext.size()) +
                         " out of range");
  }
  const size_t at = out->size();
  out->resize(at + ciphertext.size() - kStreamChunkOverhead);
  unsigned long long mlen = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_->st, reinterpret_cast<unsigned char*>(out->data() + at), &mlen, &tag,
          reinterpret_cast<const unsigned char*>(ciphertext.data()), ciphertext.size(),
          reinterpret_cast<const unsigned char*>(state_->header.data()),
          state_->header.size()) != 0) {
    out->resize(at);
    return DataLossError("encrypted stream: a chunk does not authenticate (tampered or corrupted)");
  }
  out->resize(at + mlen);
  state_->finished = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  *final = state_->finished;
  return OkStatus();
}

}  // namespace custody::crypto
