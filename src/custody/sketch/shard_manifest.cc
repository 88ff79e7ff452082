#include "custody/sketch/shard_manifest.h"

#include <charconv>
#include <cstdint>

#include "custody/base/check.h"

namespace custody::sketch {
namespace {

Status Bad(std::string_view name, size_t line, const std::string& what) {
  return DataLossError(std::string(name) + ":" + std::to_string(line) +
                       ": corrupt index manifest: " + what);
}

// Splits `line` at single spaces.
std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (true) {
    size_t sp = line.find(' ', at);
    out.push_back(line.substr(at, sp == std::string_view::npos ? sp : sp - at));
    if (sp == std::string_view::npos) return out;
    at = sp + 1;
  }
}

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool IsPlainName(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (c <= ' ' || c == '/' || c == '\\' || static_cast<unsigned char>(c) >= 0x7F) return false;
  }
  return true;
}

}  // namespace

std::vector<ShardRange> ShardRanges(uint64_t first_id, uint64_t records, uint32_t shard_bits) {
  std::vector<ShardRange> out;
  uint64_t id = first_id;
  const uint64_t end = first_id + records;
  while (id < end) {
    const uint64_t shard = id >> shard_bits;
    const uint64_t shard_end = std::min(end, (shard + 1) << shard_bits);
    out.push_back({shard, id, shard_end - id});
    id = shard_end;
  }
  return out;
}

Status ValidateShardBits(uint32_t bits) {
  if (bits < kMinShardBits || bits > kMaxShardBits) {
    return InvalidArgumentError("shard bits: expected " + std::to_string(kMinShardBits) + " to " +
                                std::to_string(kMaxShardBits) + ", found " + std::to_string(bits));
  }
  return OkStatus();
}

std::string ShardFileName(std::string_view prefix, uint64_t shard) {
  return std::string(prefix) + ".s" + std::to_string(shard) + ".idx";
}

std::string ManifestFileName(std::string_view prefix) {
  return std::string(prefix) + ".manifest";
}

std::string SerializeManifest(const ShardManifest& m) {
  CUSTODY_CHECK(IsPlainName(m.label));
  std::string out = std::string(kManifestMagic) + "\n";
  out += "label " + m.label + "\n";
  out += "shard_bits " + std::to_string(m.shard_bits) + "\n";
  out += "first_id " + std::to_string(m.first_id) + "\n";
  out += "records " + std::to_string(m.records) + "\n";
  out += "shards " + std::to_string(m.shards.size()) + "\n";
  for (const ShardEntry& s : m.shards) {
    CUSTODY_CHECK(IsPlainName(s.file) && IsHex64(s.sha256));
    out += "shard " + std::to_string(s.shard) + " " + std::to_string(s.first_id) + " " +
           std::to_string(s.records) + " " + std::to_string(s.bytes) + " " + s.sha256 + " " +
           s.file + "\n";
  }
  out += "end\n";
  return out;
}

Result<ShardManifest> ParseManifest(std::string_view bytes, std::string_view name) {
  std::vector<std::string_view> lines;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t nl = bytes.find('\n', at);
    if (nl == std::string_view::npos) {
      return Bad(name, lines.size() + 1, "expected a line ending in '\\n', found the end of the file");
    }
    lines.push_back(bytes.substr(at, nl - at));
    at = nl + 1;
  }
  if (lines.empty() || lines[0] != kManifestMagic) {
    return Bad(name, 1, "expected '" + std::string(kManifestMagic) + "'");
  }
  ShardManifest m;
  uint64_t shard_count = 0, bits = 0;
  const char* kHeader[] = {"label", "shard_bits", "first_id", "records", "shards"};
  for (size_t i = 0; i < 5; ++i) {
    const size_t line = i + 2;
    if (i + 1 >= lines.size()) return Bad(name, line, std::string("expected '") + kHeader[i] + " ...', found the end");
    auto f = Split(lines[i + 1]);
    if (f.size() != 2 || f[0] != kHeader[i]) {
      return Bad(name, line, std::string("expected '") + kHeader[i] + " VALUE', found '" +
                                 std::string(lines[i + 1]) + "'");
    }
    bool ok = true;
    switch (i) {
      case 0: ok = IsPlainName(f[1]); m.label = std::string(f[1]); break;
      case 1: ok = ParseU64(f[1], &bits) && ValidateShardBits(static_cast<uint32_t>(bits)).ok(); break;
      case 2: ok = ParseU64(f[1], &m.first_id); break;
      case 3: ok = ParseU64(f[1], &m.records); break;
      case 4: ok = ParseU64(f[1], &shard_count) && shard_count <= lines.size(); break;
    }
    if (!ok) return Bad(name, line, "bad value '" + std::string(f[1]) + "'");
  }
  m.shard_bits = static_cast<uint32_t>(bits);
  if (lines.size() != 6 + shard_count + 1 || lines.back() != "end") {
    return Bad(name, lines.size(), "expected " + std::to_string(shard_count) +
                                       " shard lines, then 'end'");
  }
  if (m.records > UINT64_MAX - m.first_id) {
    return Bad(name, 4, "records past the last id: " + std::to_string(m.records) + " from id " +
                            std::to_string(m.first_id));
  }
  // Counted before the ranges are listed: a manifest's header must not make
  // the parser allocate more than its shard lines justify.
  const uint64_t ranges =
      m.records == 0 ? 0
                     : ((m.first_id + m.records - 1) >> m.shard_bits) - (m.first_id >> m.shard_bits) + 1;
  if (ranges != shard_count) {
    return Bad(name, 6, "expected " + std::to_string(ranges) + " shards for " +
                            std::to_string(m.records) + " records from id " +
                            std::to_string(m.first_id) + ", found " + std::to_string(shard_count));
  }
  const auto expected = ShardRanges(m.first_id, m.records, m.shard_bits);
  for (size_t i = 0; i < shard_count; ++i) {
    const size_t line = 7 + i;
    auto f = Split(lines[6 + i]);
    ShardEntry s;
    if (f.size() != 7 || f[0] != "shard" || !ParseU64(f[1], &s.shard) ||
        !ParseU64(f[2], &s.first_id) || !ParseU64(f[3], &s.records) ||
        !ParseU64(f[4], &s.bytes) || !IsHex64(f[5]) || !IsPlainName(f[6])) {
      return Bad(name, line, "expected 'shard N FIRST_ID RECORDS BYTES SHA256 FILE', found '" +
                                 std::string(lines[6 + i]) + "'");
    }
    s.sha256 = std::string(f[5]);
    s.file = std::string(f[6]);
    const ShardRange& r = expected[i];
    if (s.shard != r.shard || s.first_id != r.first_id || s.records != r.records) {
      return Bad(name, line, "expected shard " + std::to_string(r.shard) + " with ids " +
                                 std::to_string(r.first_id) + "+" + std::to_string(r.records) +
                                 ", found shard " + std::to_string(s.shard) + " with ids " +
                                 std::to_string(s.first_id) + "+" + std::to_string(s.records));
    }
    m.shards.push_back(std::move(s));
  }
  return m;
}

}  // namespace custody::sketch
