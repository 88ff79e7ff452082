// Grants: a partner's (or one member's) right to receive a selection of one
// dataset version until a date, for a stated purpose. The selection is all
// records, a keyed random sample (--sample F --seed S), a keyed shard
// (--shard K/N) or an explicit id list (--ids FILE). The grant pins the
// dataset version current when it was made. An expired or revoked grant
// releases nothing.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"
#include "custody/core/vault/record_set.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/store/party_tables.h"

namespace custody::core {

struct Selection {
  enum class Kind { kAll, kSample, kShard, kIds };
  Kind kind = Kind::kAll;
  std::string fraction;  // kSample: decimal text in (0, 1], e.g. "0.25"
  uint64_t seed = 0;     // kSample
  uint32_t shard_k = 0;  // kShard: 1..shard_n
  uint32_t shard_n = 0;
  RecordSet ids;         // kIds
};

// "all", "sample", "shard" or "ids".
std::string_view SelectionKindName(Selection::Kind kind);
// The stored form (grants.selection): {"kind":..} plus fraction/seed,
// k/n, or count/ids_sha256/bitmap (base64 portable roaring).
nlohmann::json SelectionToJson(const Selection& s, bool with_bitmap);
Result<Selection> SelectionFromJson(const nlohmann::json& j);
// "0.1" -> sample; kInvalidArgument unless a decimal in (0, 1].
Result<Selection> SampleSelection(const std::string& fraction, uint64_t seed);
// "2/8" -> shard 2 of 8; kInvalidArgument unless 1 <= K <= N.
Result<Selection> ShardSelection(const std::string& k_of_n);
// One record id per line (blank lines and '#' comments ignored); each must
// lie in [first_id, first_id + count), else kInvalidArgument as
// "FILE:LINE: record id: expected an id of DATASET vN (A..B), found X".
Result<Selection> IdsSelection(Env* env, const std::string& path, const std::string& label,
                               uint64_t first_id, uint64_t count);

// Decides membership of record ids in a selection. Sample: in iff
// Prf64(K_seed, id) < F * 2^64 with K_seed = DeriveKey(selection key,
// "sample" || seed); shard: in iff Prf64(K_shard, id) mod N == K - 1. The
// selection key is the vault's wrapped key "selection", so partners cannot
// predict each other's samples. Thread-safety: const methods are safe.
class Selector {
 public:
  // `s` must outlive the Selector.
  static Result<Selector> Create(const crypto::SecretBytes& selection_key, const Selection& s);
  bool Contains(RecordId record_id) const;

 private:
  Selector() = default;
  const Selection* selection_ = nullptr;
  crypto::SecretBytes key_;
  uint64_t threshold_ = 0;
  bool everything_ = false;
};

struct Grant {
  GrantId id;
  PartnerId partner_id;
  std::string partner;
  std::optional<MemberId> member_id;  // set: only this member may receive it
  std::string member;
  DatasetId dataset_id;
  std::string dataset;
  VersionId version_id;
  int version = 0;
  std::vector<std::string> fields;  // empty: every field
  Selection selection;
  Time expires_at;
  std::string purpose;
  store::GrantStatus status = store::GrantStatus::kActive;
  Time created_at;
  std::optional<Time> revoked_at;
  uint64_t version_records = 0;  // records in the granted version (set by AddGrant)
  uint64_t selected_records = 0;  // of those, how many the selection takes (set by AddGrant)
};

struct GrantSpec {
  std::string partner;
  std::string member;  // optional
  std::string dataset;
  int version = 0;  // 0: the latest committed version
  std::vector<std::string> fields;
  Selection selection;
  Time expires_at;
  std::string purpose;
};

// Records a grant on the dataset's committed version `spec.version` (0: the
// latest) and counts the records its selection takes. The partner (and
// member, if given) must be active and the expiry in the future; every
// field named must be a top-level field of some record of the version
// (kInvalidArgument listing the version's fields otherwise).
Result<Grant> AddGrant(Custody& custody, const GrantSpec& spec);
Result<Grant> GetGrant(Custody& custody, GrantId id);
// All grants, or those of one partner.
Result<std::vector<Grant>> ListGrants(Custody& custody, const std::string& partner = "");
Result<Grant> RevokeGrant(Custody& custody, GrantId id, const std::string& reason);

}  // namespace custody::core
