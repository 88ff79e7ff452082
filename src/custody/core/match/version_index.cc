#include "custody/core/match/version_index.h"

#include "custody/core/vault/records.h"
#include "custody/sketch/sharded_index.h"

namespace custody::core {

Result<VersionIndex> ReadVersionIndex(Custody& custody, const store::DatasetVersionInfo& v) {
  VersionIndex out;
  const std::string legacy = IndexFileOf(v.dataset_id, v.version);
  const std::string manifest = IndexManifestOf(v.dataset_id, v.version);
  const std::string subject = v.dataset + " v" + std::to_string(v.version);
  if (v.index_file == legacy) {
    out.files.push_back(legacy);
    out.shards.push_back(0);
    return out;
  }
  if (v.index_file != manifest) {
    return FailedPreconditionError(subject + ": index_file is '" + v.index_file +
                                   "', expected '" + manifest + "' or '" + legacy + "'");
  }
  const std::string path = custody.VaultPath(manifest);
  if (!custody.env()->FileExists(path)) return NotFoundError(manifest + ": no such index manifest");
  CUSTODY_ASSIGN_OR_RETURN(std::string bytes, custody.env()->ReadFileToString(path));
  CUSTODY_ASSIGN_OR_RETURN(sketch::ShardManifest m, sketch::ParseManifest(bytes, manifest));
  if (m.first_id != v.first_record_id || m.records != static_cast<uint64_t>(v.records)) {
    return DataLossError(manifest + ": expected records " + std::to_string(v.records) +
                         " from id " + std::to_string(v.first_record_id) + ", found " +
                         std::to_string(m.records) + " from id " + std::to_string(m.first_id));
  }
  const std::string prefix = IndexPrefixOf(v.dataset_id, v.version);
  for (const auto& s : m.shards) {
    const std::string want = sketch::ShardFileName(prefix, s.shard);
    if (s.file != want) {
      return DataLossError(manifest + ": shard " + std::to_string(s.shard) + ": expected file '" +
                           want + "', found '" + s.file + "'");
    }
    out.files.push_back("index/" + want);
    out.shards.push_back(s.shard);
  }
  out.manifest_file = manifest;
  out.manifest_sha256 = sketch::Sha256Hex(bytes);
  out.manifest = std::move(m);
  return out;
}

}  // namespace custody::core
