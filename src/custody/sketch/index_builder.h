// IndexBuilder: collects the sketches of one dataset version's records and
// writes them as one immutable, sorted, memory-mappable index file
// (docs/formats/index.md). The vault calls it during ingest, once per
// dataset version, and stores the file as VAULT/index/IndexFileName(...).
// Thread-safety: not thread-safe; one builder per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/sketch/sketch_params.h"
#include "custody/sketch/sketcher.h"

namespace custody::sketch {

struct IndexBuilderOptions {
  SketchParams params;
  VerifyParams verify;
  // A label stored in the file and reported by the matcher, e.g. "gsm8k@v1".
  std::string label;
  // An anchor shingle chosen by more than this many records is skipped in
  // favour of the record's next candidate, or dropped if that is frequent
  // too (corpus-frequent phrases).
  uint32_t max_anchor_frequency = 64;
};

class IndexBuilder {
 public:
  // `index_key`: the vault's index key (>= 16 bytes; the vault gives 32).
  static Result<std::unique_ptr<IndexBuilder>> Create(const crypto::SecretBytes& index_key,
                                                      IndexBuilderOptions options = {});
  ~IndexBuilder();

  // Adds a record: its id and its text fields (raw, not normalized).
  // `field_names` is accepted for symmetry with the readers and may be empty.
  // kOutOfRange past kMaxRecordsPerIndex records (split into shards).
  Status Add(uint64_t record_id, std::span<const std::string_view> text_fields,
             std::span<const std::string_view> field_names = {});

  uint64_t record_count() const { return ids_.size(); }
  // The sketch of the record last given to Add (valid until the next Add);
  // ingest stores its words (record_words.h) beside the record.
  const RecordSketch& last_sketch() const { return scratch_; }
  // Bytes of normalized text sketched so far.
  uint64_t text_bytes() const { return text_bytes_; }

  // Returns the complete index file contents.
  Result<std::string> Serialize() const;
  // Writes the index to `path` atomically (temporary file, fsync, rename,
  // fsync of the directory).
  Status Finish(Env* env, const std::string& path) const;

 private:
  IndexBuilder() = default;

  IndexBuilderOptions options_;
  std::unique_ptr<Sketcher> sketcher_;
  RecordSketch scratch_;
  std::vector<uint64_t> ids_;
  std::vector<uint16_t> counts_;
  std::vector<uint8_t> sigs_;
  std::vector<uint8_t> filled_;
  std::vector<uint32_t> key_lo_;  // low half of each record's exact fingerprint
  // Per record, per segment, two anchor candidates (0 = none).
  std::vector<uint32_t> anchor_candidates_;
  std::vector<std::pair<uint32_t, uint32_t>> exact_;  // (key, ordinal)
  uint64_t text_bytes_ = 0;
};

// The 32-bit table key of an anchor shingle hash.
uint32_t AnchorKey(uint64_t shingle_hash);
// The 32-bit table key of an exact fingerprint.
inline uint32_t ExactKey(uint64_t fingerprint) { return static_cast<uint32_t>(fingerprint >> 32); }

}  // namespace custody::sketch
