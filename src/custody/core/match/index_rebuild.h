// Rebuilding a committed dataset version's sketch index from its sealed
// records, shard by shard, so the shards can be built by several processes
// (`custody-mpi build`): the process that holds the vault plans the rebuild
// (PlanRebuild), any process given the plan builds shards (RebuildShard:
// decrypt the shard's records, sketch them, write the shard under a staging
// directory), and the vault's process commits (CommitRebuild): every shard's
// SHA-256 must be the one the version's manifest lists, and the manifest's
// the one its ingest log entry commits to; then the shards and the manifest
// are put in place and one `index` log entry records the rebuild. A shard
// depends only on its records and the index key, so a rebuild gives the
// bytes ingest wrote; a rebuild that does not (a corrupted or substituted
// record, a changed key) is refused, and a corrupted shard is repaired.
// Thread-safety: functions; RebuildShard may run in many processes at once
// (each shard is written once, atomically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/core/match/match_plan.h"
#include "custody/core/vault/custody.h"
#include "custody/sketch/shard_manifest.h"

namespace custody::core {

struct RebuildPlan {
  // Exactly one version, with its data key, segments and text fields; no
  // index file. Sealed to each process that builds (SealMatchPlan).
  MatchPlan records;
  // Not secret (sent as is):
  std::string dataset;
  int version = 0;
  std::string label;    // "<dataset>@v<N>", stored in each shard
  std::string prefix;   // shard file names (sketch::ShardFileName)
  std::string staging;  // absolute: where shards are built before CommitRebuild
  std::string manifest_bytes;  // the version's manifest, as committed
};

// The plan for `dataset` version `version` (0: the latest). kNotFound for an
// unknown dataset or version; kFailedPrecondition for a shredded dataset
// (its records cannot be read) or a version indexed before shards; kDataLoss
// if the manifest is not the one the ingest log entry commits to.
Result<RebuildPlan> PlanRebuild(Custody& custody, const std::string& dataset, int version);

// The non-secret part of a plan as bytes, and back (kDataLoss if malformed).
std::string SerializeRebuildHeader(const RebuildPlan& plan);
Status ParseRebuildHeader(std::string_view bytes, RebuildPlan* plan);

// Builds shard `entry.shard` of the plan's manifest into the staging
// directory and returns its entry, or returns at once the entry of a shard
// already staged whose SHA-256 is the manifest's (a rerun after a failure).
// kDataLoss if a segment does not decrypt or does not hold the shard's ids.
Result<sketch::ShardEntry> RebuildShard(Env* env, const RebuildPlan& plan,
                                        const sketch::ShardEntry& entry, bool* reused);

// Commits a rebuild whose shards are staged: `built` must list every shard
// of the manifest with the manifest's SHA-256 (kDataLoss naming the first
// that differs, nothing changed). Moves the staged shards over the index's,
// rewrites the manifest atomically, removes the staging directory and
// appends one `index` log entry (details: dataset, version, shards, ranks,
// reused; hashes: index_manifest); returns its log index.
Result<uint64_t> CommitRebuild(Custody& custody, const RebuildPlan& plan,
                               const std::vector<sketch::ShardEntry>& built, int ranks,
                               uint64_t reused);

}  // namespace custody::core
