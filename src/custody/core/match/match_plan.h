// MatchPlan: what matching needs of a vault, read from its catalog and key
// store once: every committed dataset version's index files (in the order a
// match names them), the versions whose words verify candidates (their
// segments and data keys), and the index key. VaultMatcher and VaultWordStore
// open from a plan, so a process that cannot open the catalog or the keys
// (a rank of `custody-mpi scan`) matches from a plan handed to it sealed:
// SealMatchPlan encrypts it to that process's one-time X25519 public key and
// OpenMatchPlan opens it there; its plaintext bytes never leave these two
// calls (docs/scale.md, "custody-mpi").
// Thread-safety: a plan is a value; the functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/store/catalog.h"

namespace custody::core {

// One index file of the vault and the dataset version it indexes.
struct IndexedVersion {
  std::string path;  // absolute
  std::string dataset;
  int version = 0;
  VersionId version_id;
  // The dataset was shredded: its records cannot be read, so its matches
  // rest on the sketch alone (unverified).
  bool shredded = false;
};

// A committed dataset version as verification reads it.
struct WordSource {
  store::DatasetVersionInfo info;  // id, dataset, version, records, first_record_id, dir
  std::vector<store::SegmentInfo> segments;  // by first_record_id
  crypto::SecretBytes key;                   // empty once the dataset is shredded
  std::string context;
  std::vector<std::string> fields;  // indexed field names; empty: all
  bool shredded = false;
};

struct MatchPlan {
  std::string root;  // the vault directory (absolute)
  crypto::SecretBytes index_key;
  std::vector<IndexedVersion> files;  // every index file; a match's `index` is a position here
  std::vector<WordSource> versions;   // every committed version, by first_record_id
};

// Version `info` of dataset `ds` as verification reads it (its segments and
// data key unless the dataset was shredded). Errors of the catalog and the
// key store; kDataLoss for malformed text_fields.
Result<WordSource> WordSourceOf(Custody& custody, const store::DatasetInfo& ds,
                                store::DatasetVersionInfo info);

// Reads the plan of `custody`'s vault. kFailedPrecondition if the vault has
// no indexed dataset version; errors of the catalog, the key store and
// ReadVersionIndex (a corrupt or missing manifest).
Result<MatchPlan> PlanMatch(Custody& custody);

// An explicit deep copy (keys included).
MatchPlan ClonePlan(const MatchPlan& plan);

// The plan sealed to `public_key` (crypto::SealToPublicKey: X25519 and
// XSalsa20-Poly1305, anonymous sender). kInvalidArgument for a public key
// that is not a valid X25519 point.
Result<std::string> SealMatchPlan(const MatchPlan& plan, std::string_view public_key);
// Opens what SealMatchPlan sealed to `keys`. kDataLoss if it does not open
// (sealed to another key, or altered) or opens but is not a plan.
Result<MatchPlan> OpenMatchPlan(const crypto::X25519KeyPair& keys, std::string_view sealed);

}  // namespace custody::core
