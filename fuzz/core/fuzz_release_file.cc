// Fuzzes the reader of an encrypted release file (OpenEncryptedRelease,
// core/release/release_file.h; stream format crypto/stream.h). The fuzzer
// cannot forge the stream's tags, so besides raw files the target encrypts
// chunks the fuzzer chose to a fixed member key, then applies the fuzzer's
// damage. Never crashes; an undamaged stream decrypts to exactly its chunks,
// and a damaged one is refused with nothing left at the destination.
//
// Input: byte 0 = mode (0 raw file, else a stream: bit 1 omit the final
// tag, bits 2-3 damage: 0 none, 1 truncate, 2 flip a bit, 3 append bytes),
// bytes 1-2 = damage position; the rest = plaintext chunks separated by
// 0xfe 0xfd.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/crypto/crypto.h"
#include "custody/crypto/stream.h"
#include "custody/core/release/release_file.h"
#include "fuzz_input.h"
#include "memory_env.h"

namespace {

namespace crypto = custody::crypto;

const crypto::X25519KeyPair& Keys() {
  static const crypto::X25519KeyPair* keys = [] {
    auto* k = new crypto::X25519KeyPair();
    k->secret_key = crypto::SecretBytes::FromBytes("fuzz release member secret key..");
    auto pub = crypto::X25519PublicFromSecret(k->secret_key);
    if (!pub.ok()) std::abort();
    k->public_key = *pub;
    return k;
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  const uint16_t at = in.U16();
  custody::fuzz::MemoryEnv env;
  std::string file;
  std::string plain;
  bool intact = false;
  if (mode == 0) {
    file.assign(in.Rest());
  } else {
    auto sealer = crypto::StreamSealer::Create(Keys().public_key, &file);
    if (!sealer.ok()) std::abort();
    std::vector<std::string_view> chunks;
    while (!in.empty()) chunks.push_back(in.Part("\xfe\xfd"));
    if (chunks.empty()) chunks.push_back({});
    const bool omit_final = (mode & 2) != 0;
    for (size_t i = 0; i < chunks.size(); ++i) {
      const bool final = !omit_final && i + 1 == chunks.size();
      if (!sealer->Push(chunks[i], final, &file).ok()) std::abort();
      plain.append(chunks[i]);
    }
    switch ((mode >> 2) & 3) {
      case 0: intact = !omit_final; break;
      case 1: file.resize(at % file.size()); break;
      case 2: file[at % file.size()] ^= static_cast<char>(1 << (at >> 13)); break;
      case 3: file.append(std::string(1 + at % 40, static_cast<char>(at))); break;
    }
  }
  env.Put("r/release.enc", file);
  auto r = custody::core::OpenEncryptedRelease(&env, "r/release.enc", Keys().secret_key,
                                               "r/release.jsonl");
  if (r.ok()) {
    if (env.Get("r/release.jsonl").size() != r->bytes) std::abort();
    if (mode != 0 && env.Get("r/release.jsonl") != plain) std::abort();
  } else {
    if (intact) std::abort();
    if (env.FileExists("r/release.jsonl")) std::abort();
    auto names = env.GetChildren("r");
    if (!names.ok() || names->size() != 1) std::abort();  // no temporary left behind
  }
  return 0;
}
