// The catalog's tables of what was handed out: releases (one per file given
// to a member, with the exact record set as a serialized bitmap) and the
// canaries made for them (sealed: the catalog never holds a canary's text).
// Each table has one row struct and one class that reads and writes it; no
// SQL about these rows exists anywhere else. Schema: docs/formats/catalog.md.
// Thread-safety: as Catalog (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"

namespace custody::store {

class Db;

struct ReleaseRow {
  ReleaseId id;
  GrantId grant_id;
  MemberId member_id;
  Time created_at;
  std::string format;           // "jsonl" or "csv"
  bool encrypted = false;
  uint64_t records = 0;         // records delivered, canaries not counted
  uint64_t canaries = 0;
  std::string record_bitmap;    // serialized record id set (core RecordSet)
  std::string bitmap_hash;      // hex SHA-256 of record_bitmap
  std::string params_hash;      // hex SHA-256 of the fingerprint parameters
  std::string file_hash;        // hex SHA-256 of the file written ("" until written)
  std::string out_path;
  std::optional<int64_t> log_index;  // the release event's entry
};

// A release with what a holdings report needs from its grant and version.
struct ReleaseHolding {
  ReleaseRow release;
  PartnerId partner_id;         // the member's partner
  std::string dataset;
  VersionId version_id;
  int version = 0;
  std::string selection_json;   // the grant's selection
};

// Which releases a holdings query covers; invalid (zero) ids mean "any".
struct ReleaseFilter {
  std::optional<Time> at;       // made at or before this time
  MemberId member_id;
  PartnerId partner_id;
  ReleaseId release_id;
  ReleaseId after_id;           // only releases with a larger id
};

class ReleaseTable {
 public:
  explicit ReleaseTable(Db* db) : db_(db) {}

  // Inserts `row` (its id is ignored) and returns the new id.
  Result<ReleaseId> Insert(const ReleaseRow& row);
  // Sets the canary count and the fingerprint parameters' hash.
  Status SetCanaries(ReleaseId id, uint64_t canaries, std::string_view params_hash);
  Status SetLogIndex(ReleaseId id, int64_t log_index);
  Status SetFileHash(ReleaseId id, std::string_view file_hash);
  // Releases matching `filter`, oldest first (then by id).
  Result<std::vector<ReleaseHolding>> Holdings(const ReleaseFilter& filter);
  // The largest release id (an invalid id when there is none).
  Result<ReleaseId> LastId();

 private:
  // kNotFound unless the last statement changed exactly one release.
  Status ChangedOne(ReleaseId id);
  Db* db_;
};

struct CanaryRow {
  CanaryId id;
  ReleaseId release_id;
  MemberId member_id;
  RecordId source_record_id;
  std::string sealed;                      // AEAD-sealed canary (core canary_store)
  std::optional<std::string> content_tag;  // keyed tag of the content id (schema v3)
};

class CanaryTable {
 public:
  explicit CanaryTable(Db* db) : db_(db) {}

  Result<CanaryId> Insert(const CanaryRow& row);
  // Whether some canary already carries `content_tag`.
  Result<bool> TagExists(std::string_view content_tag);
  // Every canary, by id (`untagged_only`: those without a content tag).
  Result<std::vector<CanaryRow>> List(bool untagged_only = false);
  Status SetTag(CanaryId id, std::string_view content_tag);
  // Erases the sealed payload (to zero bytes) of every canary made from a
  // record id in [first_record_id, first_record_id + count): what a shred
  // does to canaries sealed under a key the shred does not destroy (those
  // made before canaries were sealed under their dataset's key). The row,
  // its owner and its content tag stay. Returns how many were erased.
  Result<uint64_t> EraseSealedFrom(uint64_t first_record_id, uint64_t count);

 private:
  Db* db_;
};

}  // namespace custody::store
