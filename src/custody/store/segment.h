// Encrypted, zstd-compressed record segments (format: segment_format.h and
// docs/formats/segments.md). A SegmentWriter streams the records of one dataset
// version into a directory, each segment with its word file beside it
// (word_file.h); ReadSegment decrypts one segment file.
// Thread-safety: a writer belongs to one thread; ReadSegment is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/store/catalog.h"

namespace custody::store {

// "dataset:<id>:v<version>" — bound into every segment's associated data so a
// segment cannot be moved to another dataset or version undetected.
std::string VersionContext(DatasetId dataset_id, int version);

class SegmentWriter {
 public:
  // Writes segments into `dir` (which must exist). File names in the returned
  // SegmentInfo are `rel_dir`/seg-NNNNNN.cseg.
  // A segment closes at kSegmentTargetBytes of records or
  // `max_records` records (0: kSegmentMaxRecords).
  SegmentWriter(Env* env, std::string dir, std::string rel_dir, const crypto::SecretBytes& key,
                std::string context, uint64_t first_record_id, uint32_t max_records = 0);

  // Appends one record; its id is first_record_id + (records added so far).
  // `words` is the record's entry for the segment's word file (word_file.h):
  // opaque here, written by the sketch module.
  Status Add(std::string_view record, std::string_view content_id, std::string_view words);
  // Flushes the last segment, writes the sealed content-id list, fsyncs all.
  Status Finish();

  const std::vector<SegmentInfo>& segments() const { return segments_; }
  uint64_t records() const { return next_id_ - first_id_; }
  int64_t stored_bytes() const { return stored_bytes_; }

 private:
  Status Flush();

  Env* env_;
  std::string dir_, rel_dir_;
  const crypto::SecretBytes& key_;
  std::string context_;
  uint64_t first_id_, next_id_, seg_first_id_;
  std::string lengths_, cids_, bodies_;
  std::string words_;
  std::vector<uint32_t> word_lengths_;
  std::string all_cids_;
  uint32_t seg_count_ = 0;
  uint32_t max_records_;
  std::vector<SegmentInfo> segments_;
  int64_t stored_bytes_ = 0;
  std::string compressed_;
};

struct SegmentContents {
  uint64_t first_record_id = 0;
  std::vector<std::string> records;
  std::vector<std::string> content_ids;
};

// Reads and authenticates a segment. kDataLoss (naming the file) if it was
// tampered with, truncated, or belongs to another dataset/version/position.
Result<SegmentContents> ReadSegment(Env* env, const std::string& path,
                                    const crypto::SecretBytes& key, const std::string& context,
                                    int seq);

// Reads the sealed content-id list of a version directory.
Result<std::vector<std::string>> ReadContentIds(Env* env, const std::string& dir,
                                                const crypto::SecretBytes& key,
                                                const std::string& context);

}  // namespace custody::store
