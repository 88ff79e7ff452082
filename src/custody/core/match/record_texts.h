// VaultRecordTexts: the vault side of the matcher's exact verification
// (sketch::CandidateTexts). It decrypts the segment holding a candidate
// record and returns the record's indexed text fields (the same field
// selection as at ingest). Decoded segments are kept in a small LRU cache,
// so verifying many candidates of one dump costs few decryptions; memory
// stays bounded by max_segments decoded segments (at most 4 MiB of records
// each). Plaintext stays in memory only.
// Thread-safety: one thread at a time (as Custody).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/format/record.h"
#include "custody/sketch/candidate_texts.h"
#include "custody/store/catalog.h"
#include "custody/store/segment.h"

namespace custody::core {

class VaultRecordTexts : public sketch::CandidateTexts {
 public:
  // `custody` must outlive this object.
  explicit VaultRecordTexts(Custody& custody, size_t max_segments = 8);
  ~VaultRecordTexts() override;

  // The text fields of `record_id` as indexed at ingest. kNotFound if no
  // committed version holds it; kFailedPrecondition if its dataset was
  // shredded; kDataLoss if its segment was tampered with.
  Status TextFields(uint64_t record_id, std::vector<std::string>* fields) override;

  uint64_t lookups() const { return lookups_; }
  uint64_t segment_reads() const { return segment_reads_; }
  // The first error returned by TextFields (OK if none), for reports.
  const Status& first_error() const { return first_error_; }

 private:
  struct Version;
  struct CachedSegment {
    const Version* version;
    int seq;
    store::SegmentContents contents;
  };
  Result<const Version*> VersionFor(uint64_t record_id);
  Result<const store::SegmentContents*> Segment(const Version& v, uint64_t record_id);
  Status Lookup(uint64_t record_id, std::vector<std::string>* fields);

  Custody& custody_;
  size_t max_segments_;
  std::vector<std::unique_ptr<Version>> versions_;
  std::list<CachedSegment> cache_;  // most recently used first
  std::vector<format::TextField> extracted_;  // scratch for Lookup
  uint64_t lookups_ = 0;
  uint64_t segment_reads_ = 0;
  Status first_error_;
};

}  // namespace custody::core
