// Checkpoints (C2SP tlog-checkpoint) and C2SP signed notes with Ed25519 keys.
//   body:      "<origin>\n<size>\n<base64 root>\n" [extension lines]
//   note:      body "\n" then one line per signature:
//              "\u2014 <name> <base64(key id (4 bytes, big-endian) || signature)>\n"
//   key id:    the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)
//   verifier:  "<name>+<8 hex key id>+<base64(0x01 || public key)>"
// Formats documented in docs/formats/log.md. Thread-safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extra body lines, kept verbatim

  bool operator==(const Checkpoint&) const = default;
};

// The checkpoint body text.
std::string FormatCheckpoint(const Checkpoint& checkpoint);
// Parses a checkpoint body; kInvalidArgument naming the line otherwise.
Result<Checkpoint> ParseCheckpoint(std::string_view body);

// A public note verifier key: name, key id and Ed25519 public key.
struct NoteVerifierKey {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;  // 32 bytes
};

// Returns the key id of an Ed25519 key named `name`.
uint32_t NoteKeyId(std::string_view name, std::string_view public_key);
// kInvalidArgument if `name` is empty or contains whitespace or '+'.
Status ValidateNoteName(std::string_view name);
// "<name>+<hex key id>+<base64(0x01||pub)>".
std::string FormatVerifierKey(std::string_view name, std::string_view public_key);
Result<NoteVerifierKey> ParseVerifierKey(std::string_view text);
// "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01||seed)>" (Go's note format);
// a secret: never log it.
Result<crypto::SecretBytes> ParseSignerKey(std::string_view text, std::string* name);

// Signs `body` (which must end in '\n') with the Ed25519 `seed` under `name`
// and returns the signed note text.
Result<std::string> SignNote(std::string_view body, std::string_view name,
                             const crypto::SecretBytes& seed);

// Splits a signed note and checks it carries a valid signature by `key`.
// Returns the body. kDataLoss if the signature is missing or does not verify;
// kInvalidArgument if the text is not a well-formed note.
Result<std::string> OpenNote(std::string_view note, const NoteVerifierKey& key);

// OpenNote + ParseCheckpoint, and the origin must equal the key name.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifierKey& key);

}  // namespace custody::ledger
