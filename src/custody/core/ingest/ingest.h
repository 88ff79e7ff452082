// Ingest: streams source files (JSONL, CSV, text; plain, gzip or zstd) into a
// new version of a dataset — encrypted segments, the sketch index, the
// catalog rows — and commits it with one custody-log entry. All or nothing:
// on any error (or a crash) nothing of the ingest remains visible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/core/vault/record_fields.h"
#include "custody/format/canonical_json.h"
#include "custody/format/formats.h"
#include "custody/sketch/shard_manifest.h"

namespace custody::core {

struct IngestOptions {
  std::string dataset;
  std::vector<std::string> files;
  // Text fields to fingerprint and index; empty means every string field.
  std::vector<std::string> fields;
  format::InputFormat format = format::InputFormat::kAuto;
  bool record_per_file = false;
  bool skip_bad = false;
  // A version whose every record is already in the vault (nothing new) is
  // refused (kFailedPrecondition) unless this is set.
  bool allow_empty = false;
  size_t max_record_bytes = 16u << 20;
  // A JSON record nested deeper is a bad record (format::ReadOptions).
  size_t max_json_depth = format::kMaxJsonDepth;
  // Most records per segment (0: the format's default, segment_format.h);
  // tests use small segments to exercise many of them.
  uint32_t records_per_segment = 0;
  // The sketch index is written in shards of 2^shard_bits record ids
  // (sketch::kMinShardBits to kMaxShardBits; docs/formats/manifest.md).
  uint32_t shard_bits = sketch::kDefaultShardBits;
  // Called now and then with (input bytes consumed, records read).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct BadRecord {
  std::string source;
  uint64_t line = 0;
  std::string what;
};

struct IngestResult {
  std::string dataset;
  int version = 0;
  uint64_t records = 0;     // distinct records stored in this version
  uint64_t duplicates = 0;  // exact duplicates (of this ingest or earlier versions)
  uint64_t skipped = 0;     // bad records skipped with skip_bad
  uint64_t first_record_id = 0;
  uint64_t input_bytes = 0;
  int64_t stored_bytes = 0;
  std::string records_root;  // hex RFC 6962 root over content ids
  // The sketch index's manifest (hex SHA-256, which the log entry holds as
  // `index_manifest`) and its shard count.
  std::string index_manifest;
  uint64_t index_shards = 0;
  uint64_t log_index = 0;
  std::vector<BadRecord> first_bad;
};

Result<IngestResult> Ingest(Custody& custody, const IngestOptions& options);

// Ingest's recovery step (RecoveryStep, vault/custody.h): removes staging
// directories, commits a pending version whose ingest entry is durable and
// removes one whose entry is not (with its files), and drops datasets left
// with neither a version nor a grant.
Status RecoverIngest(Custody& custody);

}  // namespace custody::core
