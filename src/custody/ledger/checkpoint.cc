#include "custody/ledger/checkpoint.h"

#include <charconv>
#include <cstdio>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"

namespace custody::ledger {
namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr char kAlgEd25519 = 0x01;

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

Result<uint64_t> ParseDecimal(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return InvalidArgumentError("bad number");
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return InvalidArgumentError("bad number");
  return v;
}

}  // namespace

std::string FormatCheckpoint(const Checkpoint& c) {
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" +
                    Base64Encode(crypto::DigestBytes(c.root)) + "\n";
  for (const auto& e : c.extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return InvalidArgumentError("checkpoint: expected text ending in a newline");
  }
  auto lines = SplitLines(body);
  if (lines.size() < 3) {
    return InvalidArgumentError("checkpoint: expected at least 3 lines, found " +
                                std::to_string(lines.size()));
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return InvalidArgumentError("checkpoint:1: origin: expected a name, found ''");
  auto size = ParseDecimal(lines[1]);
  if (!size.ok()) {
    return InvalidArgumentError("checkpoint:2: size: expected a decimal integer, found '" +
                                std::string(lines[1]) + "'");
  }
  c.size = *size;
  auto root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != crypto::kSha256Size) {
    return InvalidArgumentError("checkpoint:3: root: expected base64 of 32 bytes, found '" +
                                std::string(lines[2]) + "'");
  }
  c.root = *crypto::DigestFromBytes(*root);
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return InvalidArgumentError("checkpoint:" + std::to_string(i + 1) +
                                  ": expected an extension line, found an empty line");
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

uint32_t NoteKeyId(std::string_view name, std::string_view public_key) {
  std::string buf(name);
  buf.push_back('\n');
  buf.push_back(kAlgEd25519);
  buf.append(public_key);
  crypto::Digest d = crypto::Sha256(buf);
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | d[3];
}

Status ValidateNoteName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("note key name: expected a name, found ''");
  for (unsigned char c : name) {
    if (c <= ' ' || c == '+' || c == 0x7f) {
      return InvalidArgumentError("note key name: expected no spaces or '+', found '" +
                                  std::string(name) + "'");
    }
  }
  return OkStatus();
}

std::string FormatVerifierKey(std::string_view name, std::string_view public_key) {
  std::string key(1, kAlgEd25519);
  key.append(public_key);
  return std::string(name) + "+" + Hex8(NoteKeyId(name, public_key)) + "+" + Base64Encode(key);
}

Result<NoteVerifierKey> ParseVerifierKey(std::string_view text) {
  // Names hold no '+', so the first two '+' delimit the name and the key id
  // (the base64 key may contain '+').
  const size_t p1 = text.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos || p1 == 0) {
    return InvalidArgumentError("verifier key: expected name+keyid+key, found '" +
                                std::string(text) + "'");
  }
  NoteVerifierKey k;
  k.name = std::string(text.substr(0, p1));
  CUSTODY_RETURN_IF_ERROR(ValidateNoteName(k.name));
  std::string_view hex = text.substr(p1 + 1, p2 - p1 - 1);
  auto id = HexDecode(hex);
  if (hex.size() != 8 || !id.ok()) {
    return InvalidArgumentError("verifier key: key id: expected 8 hex digits, found '" +
                                std::string(hex) + "'");
  }
  for (unsigned char b : *id) k.key_id = (k.key_id << 8) | b;
  auto key = Base64Decode(text.substr(p2 + 1));
  if (!key.ok() || key->size() != 1 + crypto::kEd25519PublicKeySize || (*key)[0] != kAlgEd25519) {
    return InvalidArgumentError("verifier key: expected base64 of 0x01 and a 32-byte Ed25519 key");
  }
  k.public_key = key->substr(1);
  if (NoteKeyId(k.name, k.public_key) != k.key_id) {
    return InvalidArgumentError("verifier key: key id " + std::string(hex) +
                                " does not match the name and key");
  }
  return k;
}

Result<crypto::SecretBytes> ParseSignerKey(std::string_view text, std::string* name) {
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return InvalidArgumentError("signer key: expected 'PRIVATE+KEY+' prefix");
  }
  // The rest has the verifier key's shape, with the seed in place of the key.
  std::string_view rest = text.substr(kPrefix.size());
  const size_t p1 = rest.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : rest.find('+', p1 + 1);
  if (p2 == std::string_view::npos || p1 == 0) {
    return InvalidArgumentError("signer key: expected PRIVATE+KEY+name+keyid+key");
  }
  *name = std::string(rest.substr(0, p1));
  CUSTODY_RETURN_IF_ERROR(ValidateNoteName(*name));
  auto key = Base64Decode(rest.substr(p2 + 1));
  if (!key.ok() || key->size() != 1 + crypto::kEd25519SeedSize || (*key)[0] != kAlgEd25519) {
    return InvalidArgumentError("signer key: expected base64 of 0x01 and a 32-byte seed");
  }
  crypto::SecretBytes seed = crypto::SecretBytes::FromBytes(std::string_view(*key).substr(1));
  std::fill(key->begin(), key->end(), '\0');
  CUSTODY_ASSIGN_OR_RETURN(auto pair, crypto::Ed25519FromSeed(seed));
  if (Hex8(NoteKeyId(*name, pair.public_key)) != rest.substr(p1 + 1, p2 - p1 - 1)) {
    return InvalidArgumentError("signer key: key id does not match the name and key");
  }
  return seed;
}

Result<std::string> SignNote(std::string_view body, std::string_view name,
                             const crypto::SecretBytes& seed) {
  CUSTODY_RETURN_IF_ERROR(ValidateNoteName(name));
  if (body.empty() || body.back() != '\n') {
    return InvalidArgumentError("note: body must end in a newline");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto pair, crypto::Ed25519FromSeed(seed));
  CUSTODY_ASSIGN_OR_RETURN(std::string sig, crypto::Ed25519Sign(seed, body));
  const uint32_t id = NoteKeyId(name, pair.public_key);
  std::string blob;
  blob.push_back(static_cast<char>(id >> 24));
  blob.push_back(static_cast<char>(id >> 16));
  blob.push_back(static_cast<char>(id >> 8));
  blob.push_back(static_cast<char>(id));
  blob += sig;
  std::string out(body);
  out += "\n";
  out += kSigPrefix;
  out += name;
  out += " ";
  out += Base64Encode(blob);
  out += "\n";
  return out;
}

Result<std::string> OpenNote(std::string_view note, const NoteVerifierKey& key) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return InvalidArgumentError("note: expected a body, a blank line and signature lines");
  }
  std::string_view body = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return InvalidArgumentError("note: expected signature lines ending in a newline");
  }
  for (unsigned char c : body) {
    if (c < 0x20 && c != '\n') return InvalidArgumentError("note: body has control characters");
  }
  bool found_key = false;
  auto lines = SplitLines(sigs);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return InvalidArgumentError("note: signature line " + std::to_string(i + 1) +
                                  ": expected to start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return InvalidArgumentError("note: signature line " + std::to_string(i + 1) +
                                  ": expected 'name signature'");
    }
    std::string_view name = line.substr(0, sp);
    auto blob = Base64Decode(line.substr(sp + 1));
    if (!blob.ok() || blob->size() < 5) {
      return InvalidArgumentError("note: signature line " + std::to_string(i + 1) +
                                  ": expected base64 key id and signature");
    }
    const uint32_t id = (uint32_t{static_cast<uint8_t>((*blob)[0])} << 24) |
                        (uint32_t{static_cast<uint8_t>((*blob)[1])} << 16) |
                        (uint32_t{static_cast<uint8_t>((*blob)[2])} << 8) |
                        uint32_t{static_cast<uint8_t>((*blob)[3])};
    if (name != key.name || id != key.key_id) continue;  // someone else's signature
    found_key = true;
    if (blob->size() != 4 + crypto::kEd25519SignatureSize ||
        !crypto::Ed25519Verify(key.public_key, body, std::string_view(*blob).substr(4))) {
      return DataLossError("note: signature by " + key.name + "+" + Hex8(key.key_id) +
                           " does not verify");
    }
    return std::string(body);
  }
  if (!found_key) {
    return DataLossError("note: no signature by " + key.name + "+" + Hex8(key.key_id));
  }
  return DataLossError("note: no valid signature");
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifierKey& key) {
  CUSTODY_ASSIGN_OR_RETURN(std::string body, OpenNote(note, key));
  CUSTODY_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(body));
  if (c.origin != key.name) {
    return DataLossError("checkpoint: origin: expected '" + key.name + "', found '" + c.origin +
                         "'");
  }
  return c;
}

}  // namespace custody::ledger
