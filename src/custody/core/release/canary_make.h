// Making one canary for a member, the way releases and served tasks both do:
// a keyed substitution (mark::CanaryMaker) of a source record's marked text
// fields that differs from every record of the dataset and every canary of
// the same release or task batch (`taken`) and from every earlier canary
// (their content tags in the catalog), then sealed and inserted as a
// catalog canary row of its release. Callers run it inside the transaction that
// logs the release (LoggedChange), so a canary exists only with its event.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/release/marking.h"
#include "custody/core/vault/content_id_set.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/mark/canary.h"

namespace custody::core {

struct CanaryContext {
  const mark::CanaryMaker* maker = nullptr;
  const crypto::SecretBytes* canary_key = nullptr;   // the vault's "canary" key (content tags)
  const crypto::SecretBytes* seal_key = nullptr;     // CanarySealKey of the source's dataset
  RecordMarker* record_marker = nullptr;             // the marked fields of the source's version
  ContentIdSet* taken = nullptr;                     // records and canaries it must differ from
};

// Member `member_id`'s canary number `index` made from `source` (projected
// canonical record `source_record_id`): nullopt when this source yields none
// (no marked field, too small a substitution space, or a collision with
// `taken` or an earlier canary) and the caller tries another. Adds the
// canary's content id to `taken`. Writes nothing.
Result<std::optional<StoredCanary>> PrepareCanary(Custody& custody, const CanaryContext& x,
                                                  MemberId member_id, RecordId source_record_id,
                                                  std::string_view source, uint64_t index);

// Seals `*canary` for release `release_id` and inserts its catalog row
// (sets its id and release id); inside the release's logged transaction.
Status InsertCanary(Custody& custody, const CanaryContext& x, ReleaseId release_id, StoredCanary* canary);

// Adds the raw content ids of every record of every committed version of
// the dataset to `out`.
Status AddDatasetContentIds(Custody& custody, DatasetId dataset_id, ContentIdSet* out);

}  // namespace custody::core
