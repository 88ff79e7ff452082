// The sketch index of one dataset version as shards: immutable index files
// (docs/formats/index.md), each covering the version's records within one
// aligned range of 2^shard_bits record ids, listed in a manifest whose
// SHA-256 the version's ingest log entry commits to
// (docs/formats/manifest.md). Any process that sketches the records of one
// range writes the same shard bytes, so shards built apart (other threads,
// other machines) form the same manifest.
// Thread-safety: functions only; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody::sketch {

inline constexpr char kManifestMagic[] = "custody-sketch-manifest 1";
// Record ids per shard: 2^24 by default (the most one index file holds);
// smaller shards (tests, benchmarks) from 2^8.
inline constexpr uint32_t kDefaultShardBits = 24;
inline constexpr uint32_t kMinShardBits = 8;
inline constexpr uint32_t kMaxShardBits = 24;

struct ShardEntry {
  uint64_t shard = 0;     // first id >> shard_bits
  uint64_t first_id = 0;  // the shard's first record id
  uint64_t records = 0;   // consecutive ids from first_id
  uint64_t bytes = 0;     // size of the shard file
  std::string sha256;     // lower-case hex SHA-256 of the shard file
  std::string file;       // name, relative to the manifest's directory

  bool operator==(const ShardEntry&) const = default;
};

struct ShardManifest {
  std::string label;  // e.g. "gsm8k@v1"; no white space
  uint32_t shard_bits = kDefaultShardBits;
  uint64_t first_id = 0;
  uint64_t records = 0;
  std::vector<ShardEntry> shards;  // by shard number, covering every record once

  bool operator==(const ShardManifest&) const = default;
};

// One shard of a run of consecutive ids: its number and id range.
struct ShardRange {
  uint64_t shard = 0;
  uint64_t first_id = 0;
  uint64_t records = 0;
};

// The shards that ids [first_id, first_id + records) fall in, in order.
std::vector<ShardRange> ShardRanges(uint64_t first_id, uint64_t records, uint32_t shard_bits);

// kInvalidArgument unless kMinShardBits <= bits <= kMaxShardBits.
Status ValidateShardBits(uint32_t bits);

// "<prefix>.s<shard>.idx" and "<prefix>.manifest" (prefix "<dataset_id>-v<version>").
std::string ShardFileName(std::string_view prefix, uint64_t shard);
std::string ManifestFileName(std::string_view prefix);

// The manifest's bytes (deterministic: equal manifests, equal bytes).
std::string SerializeManifest(const ShardManifest& manifest);
// Parses and checks a manifest (magic, every field, shards in order,
// contiguous and within their id ranges). kDataLoss naming `name` and the
// line for anything else.
Result<ShardManifest> ParseManifest(std::string_view bytes, std::string_view name);

}  // namespace custody::sketch
