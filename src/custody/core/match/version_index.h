// The sketch index files of a committed dataset version, as the vault holds
// them: a sharded version's manifest (index/<ds>-v<N>.manifest) and its
// shards, or the one file of a version ingested before shards
// (index/<ds>-v<N>.idx). Paths are derived from the version's ids and the
// shard numbers, never taken from the catalog or the manifest as given.
// Thread-safety: functions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/sketch/shard_manifest.h"
#include "custody/store/catalog.h"

namespace custody::core {

struct VersionIndex {
  // Relative to the vault: the manifest ("" for a one-file version) and
  // each index file (its shards, in order, or the one file).
  std::string manifest_file;
  std::string manifest_sha256;  // hex SHA-256 of the manifest's bytes
  std::optional<sketch::ShardManifest> manifest;
  std::vector<std::string> files;
  // Per file: its shard number (0 for a one-file version).
  std::vector<uint64_t> shards;
};

// Reads the version's manifest, if it has one. kFailedPrecondition if the
// catalog's index_file is neither of the two names the version may use (or
// empty); kNotFound for a missing manifest; kDataLoss for a corrupt one, a
// manifest of other records than the version's, or a shard file name that is
// not the one its number gives.
Result<VersionIndex> ReadVersionIndex(Custody& custody, const store::DatasetVersionInfo& v);

}  // namespace custody::core
