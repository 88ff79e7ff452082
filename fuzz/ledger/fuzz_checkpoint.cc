// Fuzzes the checkpoint and signed-note parsers (ledger/checkpoint.h):
// ParseCheckpoint, OpenNote and OpenCheckpoint, ParseVerifierKey and
// ParseSignerKey. Never crashes; a parsed checkpoint formats and parses back
// to itself; a note signed here opens to its body, and no change the fuzzer
// makes to a signed body is accepted.
//
// Input: byte 0 selects what the rest is: 0 a checkpoint body, 1 a note
// checked against a fixed key, 2 a body the target signs (and then opens,
// with the fuzzer's signature lines appended after a 0xff byte), 3 a
// verifier key, 4 a signer key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/checkpoint.h"
#include "fuzz_input.h"
#include "seeds.h"

namespace {

namespace ledger = custody::ledger;

constexpr char kOrigin[] = "custody.example/log";

struct Keys {
  custody::crypto::SecretBytes seed =
      custody::crypto::SecretBytes::FromBytes("fuzz checkpoint signing seed 32b");
  ledger::NoteVerifierKey verifier;
  Keys() {
    auto pair = custody::crypto::Ed25519FromSeed(seed);
    if (!pair.ok()) std::abort();
    auto key = ledger::ParseVerifierKey(ledger::FormatVerifierKey(kOrigin, pair->public_key));
    if (!key.ok()) std::abort();
    verifier = *key;
  }
};

const Keys& TheKeys() {
  static const Keys* keys = new Keys();
  return *keys;
}

void CheckCheckpoint(std::string_view body) {
  auto c = ledger::ParseCheckpoint(body);
  if (!c.ok()) return;
  auto again = ledger::ParseCheckpoint(ledger::FormatCheckpoint(*c));
  if (!again.ok() || !(*again == *c)) std::abort();
}

std::vector<std::string> MakeSeeds() {
  const Keys& keys = TheKeys();
  ledger::Checkpoint c{kOrigin, 42, custody::crypto::Sha256("x"), {}};
  ledger::Checkpoint ext{kOrigin, 0, custody::crypto::Sha256(""), {"extension line", "x"}};
  const std::string body = ledger::FormatCheckpoint(c);
  auto note = ledger::SignNote(body, kOrigin, keys.seed);
  auto pair = custody::crypto::Ed25519FromSeed(keys.seed);
  if (!note.ok() || !pair.ok()) std::abort();
  std::string signer = "PRIVATE+KEY+" + std::string(kOrigin) + "+";
  const std::string verifier = ledger::FormatVerifierKey(kOrigin, pair->public_key);
  signer += verifier.substr(verifier.find('+') + 1, 8) + "+";
  signer += custody::Base64Encode(std::string(1, '\x01') + std::string(keys.seed.view()));
  return {std::string(1, '\0') + body,
          std::string(1, '\0') + ledger::FormatCheckpoint(ext),
          std::string(1, '\1') + *note,
          std::string(1, '\2') + body,
          std::string(1, '\2') + body + "\xff" + "\xe2\x80\x94 other AAAAAAAA\n",
          std::string(1, '\3') + verifier,
          std::string(1, '\4') + signer};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const Keys& keys = TheKeys();
  switch (in.Byte() % 5) {
    case 0:
      CheckCheckpoint(in.Rest());
      break;
    case 1: {
      const std::string_view note = in.Rest();
      auto body = ledger::OpenNote(note, keys.verifier);
      if (body.ok()) CheckCheckpoint(*body);
      (void)ledger::OpenCheckpoint(note, keys.verifier);
      break;
    }
    case 2: {
      const std::string_view body = in.Part("\xff");
      const std::string_view extra = in.Rest();
      auto note = ledger::SignNote(body, kOrigin, keys.seed);
      if (!note.ok()) break;
      auto opened = ledger::OpenNote(*note, keys.verifier);
      if (!opened.ok() || *opened != body) {
        // Our own signature over a body we could sign must open, unless the
        // body is not a note body (control characters).
        const bool plain = body.find_first_of(std::string_view("\x00\x01\x02\x03\x04\x05\x06\x07"
                                                               "\x08\x09\x0b\x0c\x0d\x0e\x0f\x10"
                                                               "\x11\x12\x13\x14\x15\x16\x17\x18"
                                                               "\x19\x1a\x1b\x1c\x1d\x1e\x1f",
                                                               31)) == std::string_view::npos;
        if (plain) std::abort();
      }
      (void)ledger::OpenCheckpoint(*note, keys.verifier);
      // The fuzzer's lines after ours: still ours that decides.
      std::string more = *note;
      more.append(extra);
      (void)ledger::OpenCheckpoint(more, keys.verifier);
      // The fuzzer's bytes before the signature: never accepted as ours.
      std::string changed(body);
      changed.append(extra);
      if (changed != body) {
        std::string forged = changed + note->substr(body.size());
        auto f = ledger::OpenNote(forged, keys.verifier);
        if (f.ok() && *f != body) std::abort();
      }
      break;
    }
    case 3:
      (void)ledger::ParseVerifierKey(in.Rest());
      break;
    case 4: {
      std::string name;
      (void)ledger::ParseSignerKey(in.Rest(), &name);
      break;
    }
  }
  return 0;
}
