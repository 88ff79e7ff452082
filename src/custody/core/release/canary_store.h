// Canary records in the catalog (table canaries): each row names its owner
// member and release and its source record; the canary itself (record,
// text fields, substitutions, content id) is sealed with XChaCha20-Poly1305
// under the vault's wrapped key "canary", bound to (release, member, source)
// as associated data. Never stored in plaintext. Format:
// docs/formats/release.md ("Canaries").
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/mark/canary.h"

namespace custody::core {

struct StoredCanary {
  CanaryId id;  // catalog canaries.id
  ReleaseId release_id;
  MemberId member_id;    // owner
  RecordId source_record_id;  // the real record it was made from
  uint64_t canary_index = 0;      // argument given to CanaryMaker::Make
  std::string record;       // canonical JSON as released, before marks
  std::string content_id;   // hex BLAKE2b-256 of `record`
  // The substituted text fields (name, value), before marks.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<mark::Substitution> substitutions;
  double false_match_probability = 1.0;
};

// The sealed payload of `c` (canonical JSON inside XChaCha20-Poly1305).
Result<std::string> SealCanary(const crypto::SecretBytes& canary_key, const StoredCanary& c);
// Opens a sealed payload; kDataLoss if it does not authenticate for these ids.
Result<StoredCanary> OpenCanary(const crypto::SecretBytes& canary_key, ReleaseId release_id,
                                MemberId member_id, RecordId source_record_id,
                                std::string_view sealed);

// Every canary in the vault (unsealed), in id order. Needs the master key.
Result<std::vector<StoredCanary>> LoadCanaries(Custody& custody);

// The catalog's content_tag of a canary: a keyed 16-byte tag of its raw
// content id (the id itself stays sealed).
std::string CanaryContentTag(const crypto::SecretBytes& canary_key, std::string_view raw_content_id);

// Fills content_tag for canaries made before catalog schema v3 (opening
// each once); a no-op when every row has one. Runs in its own transaction.
Status BackfillCanaryTags(Custody& custody, const crypto::SecretBytes& canary_key);

}  // namespace custody::core
