// ShardedIndexWriter: writes the sketch index of one dataset version as
// shards (shard_manifest.h): records arrive in id order, each aligned range
// of 2^shard_bits ids is sketched by its own IndexBuilder and written as one
// index file as soon as the range is complete, so memory is bounded by one
// shard. Finish writes the manifest. Ingest uses it; a build split over
// processes calls WriteShard per range and assembles the same manifest.
// Thread-safety: not thread-safe; one writer per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/shard_manifest.h"

namespace custody::sketch {

// Writes `builder`'s index file (the records of `range`, nothing else) to
// `dir`/ShardFileName(prefix, range.shard) atomically and returns its
// manifest entry. kInvalidArgument if the builder's record count is not the
// range's.
Result<ShardEntry> WriteShard(Env* env, const IndexBuilder& builder, const ShardRange& range,
                              const std::string& dir, std::string_view prefix);

// The SHA-256 (lower-case hex) of `bytes`, as manifests and log entries hold it.
std::string Sha256Hex(std::string_view bytes);

class ShardedIndexWriter {
 public:
  // Writes into `dir` (which must exist) files named after `prefix`
  // ("<dataset_id>-v<version>"); records start at `first_id`. `index_key`
  // must outlive the writer.
  // kInvalidArgument for shard bits out of range.
  static Result<std::unique_ptr<ShardedIndexWriter>> Create(
      Env* env, const crypto::SecretBytes& index_key, IndexBuilderOptions options,
      std::string dir, std::string prefix, uint64_t first_id,
      uint32_t shard_bits = kDefaultShardBits);
  ~ShardedIndexWriter();

  // Adds the record with the next id (first_id, first_id + 1, ...);
  // kInvalidArgument for any other id.
  Status Add(uint64_t record_id, std::span<const std::string_view> text_fields,
             std::span<const std::string_view> field_names = {});
  // The sketch of the record last given to Add (valid until the next Add).
  const RecordSketch& last_sketch() const;

  // Writes the last shard and the manifest (atomically) and returns the
  // manifest's bytes. Call once.
  Result<std::string> Finish();
  const ShardManifest& manifest() const { return manifest_; }

 private:
  ShardedIndexWriter() = default;
  Status FlushShard();

  Env* env_ = nullptr;
  const crypto::SecretBytes* key_ = nullptr;
  IndexBuilderOptions options_;
  std::string dir_, prefix_;
  uint64_t next_id_ = 0;
  ShardRange current_;
  std::unique_ptr<IndexBuilder> builder_;
  ShardManifest manifest_;
};

}  // namespace custody::sketch
