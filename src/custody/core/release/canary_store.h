// Canary records in the catalog (table canaries): each row names its owner
// member and release and its source record; the canary itself (record,
// text fields, substitutions, content id) is sealed with XChaCha20-Poly1305
// under a key derived from the source record's dataset key (CanarySealKey),
// bound to (release, member, source) as associated data, so that shredding
// the dataset leaves none of its canaries decryptable. Canaries made before
// that (sealed under the vault's wrapped key "canary", associated data
// "custody canary v1|...") are still read. Never stored in plaintext.
// Format: docs/formats/release.md ("Canaries").
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/mark/canary.h"
#include "custody/store/catalog.h"

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

// The key canaries made from a dataset are sealed under: derived from the
// dataset's data key (store::KeyPurpose::Dataset), which a shred destroys.
crypto::SecretBytes CanarySealKey(const crypto::SecretBytes& dataset_key);

// The sealed payload of `c` (canonical JSON inside XChaCha20-Poly1305, bound
// to "custody canary v2|release:R|member:M|source:S"), under `seal_key`
// (CanarySealKey of the source record's dataset).
Result<std::string> SealCanary(const crypto::SecretBytes& seal_key, const StoredCanary& c);
// Opens a payload sealed by SealCanary; kDataLoss if it does not
// authenticate for this key and these ids.
Result<StoredCanary> OpenCanary(const crypto::SecretBytes& seal_key, ReleaseId release_id,
                                MemberId member_id, RecordId source_record_id,
                                std::string_view sealed);
// Opens a payload sealed the old way (before canaries were bound to their
// dataset): under the vault's "canary" key with "custody canary v1|..." as
// associated data. kDataLoss if it does not authenticate.
Result<StoredCanary> OpenLegacyCanary(const crypto::SecretBytes& canary_key, ReleaseId release_id,
                                      MemberId member_id, RecordId source_record_id,
                                      std::string_view sealed);

// Opens catalog canary rows whichever way they were sealed, caching the
// dataset keys it needs. Valid as long as the Custody it was made with.
class CanaryOpener {
 public:
  explicit CanaryOpener(Custody& custody) : custody_(custody) {}

  // The canary of `row` (id set). kFailedPrecondition if the row's source
  // dataset was shredded (its key is gone: the canary is unreadable by
  // design); kDataLoss if the payload authenticates under neither the
  // dataset's key nor the legacy canary key; kNotFound if the source record
  // is in no version of the vault.
  Result<StoredCanary> Open(const store::CanaryRow& row);

 private:
  Custody& custody_;
  std::vector<std::pair<store::DatasetVersionInfo, std::optional<crypto::SecretBytes>>> versions_;
  std::optional<std::optional<crypto::SecretBytes>> legacy_;
};

// Every readable canary in the vault (unsealed), in id order. Needs the
// master key. Canaries of shredded datasets cannot be opened and are left
// out; `*shredded` (if given) is set to how many. Trace still reads the
// marks of their source records through the kept sketch index.
Result<std::vector<StoredCanary>> LoadCanaries(Custody& custody, uint64_t* shredded = nullptr);

// The catalog's content_tag of a canary: a keyed 16-byte tag of its raw
// content id (the id itself stays sealed).
std::string CanaryContentTag(const crypto::SecretBytes& canary_key, std::string_view raw_content_id);

// Fills content_tag for canaries made before catalog schema v3 (opening
// each once); a no-op when every row has one. Runs in its own transaction.
Status BackfillCanaryTags(Custody& custody, const crypto::SecretBytes& canary_key);

}  // namespace custody::core
