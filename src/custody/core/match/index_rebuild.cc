#include "custody/core/match/index_rebuild.h"

#include <nlohmann/json.hpp>

#include <map>

#include "custody/core/match/version_index.h"
#include "custody/core/vault/record_fields.h"
#include "custody/format/record.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/sharded_index.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

constexpr char kEventIndex[] = "index";

std::string Subject(const RebuildPlan& plan) {
  return "dataset:" + plan.dataset + "@v" + std::to_string(plan.version);
}

}  // namespace

Result<RebuildPlan> PlanRebuild(Custody& custody, const std::string& dataset, int version) {
  store::Catalog& catalog = custody.catalog();
  CUSTODY_ASSIGN_OR_RETURN(auto ds, catalog.FindDataset(dataset));
  if (!ds) return NotFoundError("dataset '" + dataset + "': no such dataset");
  if (ds->shredded_at) {
    return FailedPreconditionError("dataset '" + dataset +
                                   "' was shredded: its records cannot be read to rebuild its index");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto versions, catalog.ListVersions(ds->id, false));
  std::optional<store::DatasetVersionInfo> info;
  for (auto& v : versions) {
    if ((version == 0 && (!info || v.version > info->version)) || v.version == version) info = v;
  }
  if (!info) {
    return NotFoundError("dataset '" + dataset + "': no committed version " + std::to_string(version));
  }
  CUSTODY_ASSIGN_OR_RETURN(VersionIndex index, ReadVersionIndex(custody, *info));
  if (!index.manifest) {
    return FailedPreconditionError(dataset + "@v" + std::to_string(info->version) +
                                   ": indexed before shards (one index file); nothing to rebuild in shards");
  }
  if (!info->log_index) return DataLossError(dataset + ": a committed version without its log entry");
  CUSTODY_ASSIGN_OR_RETURN(std::string entry, custody.log().ReadEntry(static_cast<uint64_t>(*info->log_index)));
  CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ledger::ParseEvent(entry));
  const auto committed = ev.hashes.find("index_manifest");
  if (committed == ev.hashes.end() || committed->second != index.manifest_sha256) {
    return DataLossError(index.manifest_file + ": SHA-256 " + index.manifest_sha256 +
                         " is not the one log entry " + std::to_string(*info->log_index) +
                         " commits to (" + (committed == ev.hashes.end() ? "none" : committed->second) + ")");
  }
  RebuildPlan plan;
  plan.dataset = dataset;
  plan.version = info->version;
  plan.label = index.manifest->label;
  const std::string base = BaseName(index.manifest_file);
  plan.prefix = base.substr(0, base.size() - std::string_view(".manifest").size());
  plan.staging = custody.VaultPath("index/.rebuild-" + plan.prefix);
  CUSTODY_ASSIGN_OR_RETURN(plan.manifest_bytes,
                           custody.env()->ReadFileToString(custody.VaultPath(index.manifest_file)));
  plan.records.root = custody.VaultPath("");
  CUSTODY_ASSIGN_OR_RETURN(plan.records.index_key,
                           custody.vault().GetWrappedKey(store::KeyPurpose::Index()));
  CUSTODY_ASSIGN_OR_RETURN(WordSource v, WordSourceOf(custody, *ds, std::move(*info)));
  plan.records.versions.push_back(std::move(v));
  return plan;
}

std::string SerializeRebuildHeader(const RebuildPlan& plan) {
  return nlohmann::json({{"dataset", plan.dataset},
                         {"version", plan.version},
                         {"label", plan.label},
                         {"prefix", plan.prefix},
                         {"staging", plan.staging},
                         {"manifest", plan.manifest_bytes}})
      .dump();
}

Status ParseRebuildHeader(std::string_view bytes, RebuildPlan* plan) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  const auto str = [&](const char* k) { return j.contains(k) && j[k].is_string(); };
  if (!j.is_object() || !str("dataset") || !str("label") || !str("prefix") || !str("staging") ||
      !str("manifest") || !j.contains("version") || !j["version"].is_number_integer()) {
    return DataLossError("rebuild plan: malformed header");
  }
  plan->dataset = j["dataset"];
  plan->version = j["version"];
  plan->label = j["label"];
  plan->prefix = j["prefix"];
  plan->staging = j["staging"];
  plan->manifest_bytes = j["manifest"];
  return OkStatus();
}

Result<sketch::ShardEntry> RebuildShard(Env* env, const RebuildPlan& plan,
                                        const sketch::ShardEntry& entry, bool* reused) {
  *reused = false;
  if (plan.records.versions.size() != 1 || plan.records.versions[0].key.empty()) {
    return InvalidArgumentError("rebuild plan: expected one version with its key");
  }
  const WordSource& v = plan.records.versions[0];
  const std::string staged = JoinPath(plan.staging, entry.file);
  if (env->FileExists(staged)) {
    CUSTODY_ASSIGN_OR_RETURN(std::string bytes, env->ReadFileToString(staged));
    if (sketch::Sha256Hex(bytes) == entry.sha256) {
      *reused = true;
      return entry;
    }
  }
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(plan.staging, 0700));
  sketch::IndexBuilderOptions options;
  options.label = plan.label;
  CUSTODY_ASSIGN_OR_RETURN(auto builder, sketch::IndexBuilder::Create(plan.records.index_key, options));
  const uint64_t end = entry.first_id + entry.records;
  uint64_t next = entry.first_id;
  std::vector<format::TextField> fields;
  std::vector<std::string_view> views;
  for (const auto& seg : v.segments) {
    if (seg.first_record_id + seg.count <= next || seg.first_record_id >= end) continue;
    CUSTODY_ASSIGN_OR_RETURN(store::SegmentContents contents,
                             store::ReadSegment(env, JoinPath(plan.records.root, seg.file), v.key,
                                                v.context, seg.seq));
    if (contents.first_record_id != seg.first_record_id || contents.records.size() != seg.count) {
      return DataLossError(seg.file + ": segment does not match the catalog");
    }
    for (uint64_t id = next; id < end && id < seg.first_record_id + seg.count; ++id) {
      if (id < seg.first_record_id) {
        return DataLossError(seg.file + ": record " + std::to_string(id) + " is in no segment");
      }
      format::ExtractTextFields(contents.records[id - seg.first_record_id], &fields);
      views.clear();
      for (const auto& f : fields) {
        if (TextFieldSelected(v.fields, f.name)) views.push_back(f.value);
      }
      CUSTODY_RETURN_IF_ERROR(builder->Add(id, views));
      next = id + 1;
    }
  }
  if (next != end) {
    return DataLossError("shard " + std::to_string(entry.shard) + ": records " + std::to_string(next) +
                         " to " + std::to_string(end - 1) + " are in no segment of the version");
  }
  const sketch::ShardRange range{entry.shard, entry.first_id, entry.records};
  return sketch::WriteShard(env, *builder, range, plan.staging, plan.prefix);
}

Result<uint64_t> CommitRebuild(Custody& custody, const RebuildPlan& plan,
                               const std::vector<sketch::ShardEntry>& built, int ranks,
                               uint64_t reused) {
  Env* env = custody.env();
  CUSTODY_ASSIGN_OR_RETURN(sketch::ShardManifest manifest,
                           sketch::ParseManifest(plan.manifest_bytes, plan.prefix + ".manifest"));
  std::map<uint64_t, const sketch::ShardEntry*> by_shard;
  for (const auto& e : built) by_shard[e.shard] = &e;
  for (const auto& want : manifest.shards) {
    auto it = by_shard.find(want.shard);
    if (it == by_shard.end()) {
      return DataLossError("shard " + std::to_string(want.shard) + ": not rebuilt");
    }
    if (!(*it->second == want)) {
      return DataLossError("shard " + std::to_string(want.shard) + " (" + want.file +
                           "): rebuilt with SHA-256 " + it->second->sha256 + ", the manifest lists " +
                           want.sha256 + "; the index was not changed");
    }
  }
  if (by_shard.size() != manifest.shards.size()) {
    return DataLossError("rebuild: shards that are not in the manifest");
  }
  // Every shard as committed, so each replaces its file with the same bytes
  // (or repairs a damaged one); then the manifest, then the log entry.
  const std::string index_dir = custody.VaultPath("index");
  for (const auto& e : manifest.shards) {
    CUSTODY_RETURN_IF_ERROR(env->RenameFile(JoinPath(plan.staging, e.file), JoinPath(index_dir, e.file)));
  }
  CUSTODY_RETURN_IF_ERROR(
      env->WriteFileAtomically(JoinPath(index_dir, plan.prefix + ".manifest"), plan.manifest_bytes, 0644));
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(index_dir));
  env->RemoveTree(plan.staging).IgnoreError();
  ledger::Event ev;
  ev.type = kEventIndex;
  ev.subject = Subject(plan);
  ev.details = {{"action", "rebuild"},
                {"dataset", plan.dataset},
                {"version", plan.version},
                {"shards", manifest.shards.size()},
                {"reused", reused},
                {"ranks", ranks}};
  ev.hashes["index_manifest"] = sketch::Sha256Hex(plan.manifest_bytes);
  return custody.Commit(ev);
}

}  // namespace custody::core
