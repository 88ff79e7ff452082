#include "custody/core/release/canary_make.h"

#include <vector>

#include "custody/base/encoding.h"
#include "custody/core/release/json_fields.h"
#include "custody/core/vault/record_fields.h"
#include "custody/core/vault/records.h"
#include "custody/store/catalog.h"
#include "custody/store/segment.h"

namespace custody::core {

Status AddDatasetContentIds(Custody& c, DatasetId dataset_id, ContentIdSet* out) {
  CUSTODY_ASSIGN_OR_RETURN(auto key, c.vault().GetWrappedKey(store::KeyPurpose::Dataset(dataset_id)));
  CUSTODY_ASSIGN_OR_RETURN(auto versions, c.catalog().ListVersions(dataset_id, false));
  for (const auto& v : versions) {
    CUSTODY_ASSIGN_OR_RETURN(auto cids, store::ReadContentIds(c.env(), c.VaultPath(VersionDirOf(dataset_id, v.version)), key,
                                                              store::VersionContext(dataset_id, v.version)));
    for (const auto& cid : cids) out->Insert(cid);
  }
  return OkStatus();
}

Result<std::optional<StoredCanary>> PrepareCanary(Custody& c, const CanaryContext& x,
                                                  MemberId member_id, RecordId source_record_id,
                                                  std::string_view source, uint64_t index) {
  std::vector<size_t> indices;
  std::vector<mark::TextField> fields;
  x.record_marker->MarkedFields(source, &indices, &fields);
  if (fields.empty()) return std::optional<StoredCanary>();
  auto canary = x.maker->Make(fields, member_id, index);
  if (!canary) return std::optional<StoredCanary>();
  StoredCanary sc;
  ReplaceStringValues(source, indices, canary->values, &sc.record);
  const std::string cid = ContentId(sc.record);
  if (!x.taken->Insert(cid)) return std::optional<StoredCanary>();  // a record, or a canary made here
  CUSTODY_ASSIGN_OR_RETURN(bool earlier, c.catalog().canaries().TagExists(CanaryContentTag(*x.canary_key, cid)));
  if (earlier) return std::optional<StoredCanary>();  // an earlier release's canary
  sc.member_id = member_id;
  sc.source_record_id = source_record_id;
  sc.canary_index = index;
  sc.content_id = HexEncode(cid);
  for (size_t i = 0; i < fields.size(); ++i) {
    sc.fields.emplace_back(std::string(fields[i].name), canary->values[i]);
  }
  sc.substitutions = canary->substitutions;
  sc.false_match_probability = canary->false_match_probability;
  return std::optional<StoredCanary>(std::move(sc));
}

Status InsertCanary(Custody& c, const CanaryContext& x, ReleaseId release_id, StoredCanary* sc) {
  sc->release_id = release_id;
  CUSTODY_ASSIGN_OR_RETURN(std::string raw, HexDecode(sc->content_id));
  const std::string tag = CanaryContentTag(*x.canary_key, raw);
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed, SealCanary(*x.seal_key, *sc));
  CUSTODY_ASSIGN_OR_RETURN(sc->id, c.catalog().canaries().Insert(store::CanaryRow{
                                       CanaryId(), release_id, sc->member_id, sc->source_record_id, sealed, tag}));
  return OkStatus();
}

}  // namespace custody::core
