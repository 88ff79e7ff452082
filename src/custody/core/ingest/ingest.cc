#include "custody/core/ingest/ingest.h"

#include <sodium.h>

#include <algorithm>
#include <set>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/vault/content_id_set.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/format/reader.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/merkle.h"
#include "custody/sketch/sharded_index.h"
#include "custody/sketch/record_words.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

// Removes a staging directory when the ingest does not reach the catalog.
class StagingGuard {
 public:
  StagingGuard(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  ~StagingGuard() {
    if (!dir_.empty()) env_->RemoveTree(dir_).IgnoreError();
  }
  void Release() { dir_.clear(); }

 private:
  Env* env_;
  std::string dir_;
};

}  // namespace

namespace {

// Of a pending version: the index of its ingest entry among the recent log
// entries, if that entry is durable.
std::optional<uint64_t> IngestEntryOf(const store::DatasetVersionInfo& v,
                                      const std::vector<LoggedEvent>& recent) {
  const std::string subject = "dataset:" + v.dataset + "@v" + std::to_string(v.version);
  for (const LoggedEvent& e : recent) {
    const ledger::Event& ev = e.event;
    if (ev.type == ledger::event_type::kIngest && ev.subject == subject &&
        ev.hashes.count("records_root") && ev.hashes.at("records_root") == v.merkle_root) {
      return e.index;
    }
  }
  return std::nullopt;
}

}  // namespace

namespace {

bool IsNumber(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Of a file in VAULT/index/ named by ingest ("<ds>-v<N>.idx",
// "<ds>-v<N>.manifest", "<ds>-v<N>.s<K>.idx"): its prefix "<ds>-v<N>";
// nullopt for any other name.
std::optional<std::string> IndexFilePrefix(std::string_view f) {
  const size_t dash = f.find("-v");
  if (dash == std::string_view::npos || !IsNumber(f.substr(0, dash))) return std::nullopt;
  const size_t dot = f.find('.', dash);
  if (dot == std::string_view::npos || !IsNumber(f.substr(dash + 2, dot - dash - 2))) {
    return std::nullopt;
  }
  const std::string_view rest = f.substr(dot);
  const bool shard = rest.size() > 6 && rest.substr(0, 2) == ".s" &&
                     rest.substr(rest.size() - 4) == ".idx" &&
                     IsNumber(rest.substr(2, rest.size() - 6));
  if (rest != ".idx" && rest != ".manifest" && !shard) return std::nullopt;
  return std::string(f.substr(0, dot));
}

// Removes version directories and index files that no catalog version owns:
// an ingest that published its files and crashed before its catalog row
// would otherwise block the next ingest of a dataset with the same id.
Status RemoveOrphanFiles(Custody& custody, const std::vector<store::DatasetVersionInfo>& versions) {
  Env* e = custody.env();
  std::set<std::string> owned;
  std::set<std::string> owned_index;  // prefixes
  for (const auto& v : versions) {
    owned.insert(VersionDirOf(v.dataset_id, v.version));
    owned_index.insert(IndexPrefixOf(v.dataset_id, v.version));
  }
  const std::string records = custody.VaultPath("records");
  if (e->IsDirectory(records)) {
    CUSTODY_ASSIGN_OR_RETURN(auto datasets, e->GetChildren(records));
    for (const auto& d : datasets) {
      if (!IsNumber(d) || !e->IsDirectory(JoinPath(records, d))) continue;
      CUSTODY_ASSIGN_OR_RETURN(auto vs, e->GetChildren(JoinPath(records, d)));
      for (const auto& v : vs) {
        const std::string rel = "records/" + d + "/" + v;
        if (v.size() < 2 || v[0] != 'v' || !IsNumber(v.substr(1)) || owned.count(rel)) continue;
        CUSTODY_RETURN_IF_ERROR(e->RemoveTree(custody.VaultPath(rel)));
      }
    }
  }
  const std::string index = custody.VaultPath("index");
  if (e->IsDirectory(index)) {
    CUSTODY_ASSIGN_OR_RETURN(auto files, e->GetChildren(index));
    for (const auto& f : files) {
      const auto prefix = IndexFilePrefix(f);
      if (!prefix || owned_index.count(*prefix)) continue;
      CUSTODY_RETURN_IF_ERROR(e->RemoveFile(JoinPath(index, f)));
    }
  }
  return OkStatus();
}

}  // namespace

Status RecoverIngest(Custody& custody) {
  Env* e = custody.env();
  store::Catalog& catalog = custody.catalog();
  // Staging directories of an ingest that never got as far as the catalog.
  const std::string records = custody.VaultPath("records");
  if (e->IsDirectory(records)) {
    CUSTODY_ASSIGN_OR_RETURN(auto kids, e->GetChildren(records));
    for (const auto& k : kids) {
      if (k.rfind(".staging-", 0) == 0) CUSTODY_RETURN_IF_ERROR(e->RemoveTree(JoinPath(records, k)));
    }
  }
  // A pending version is committed if its log entry is durable, else removed
  // with its files.
  CUSTODY_ASSIGN_OR_RETURN(auto versions, catalog.ListVersions(DatasetId(), true));
  CUSTODY_ASSIGN_OR_RETURN(auto recent, custody.RecentEvents());
  for (const auto& v : versions) {
    if (v.state != store::VersionState::kPending) continue;
    if (auto at = IngestEntryOf(v, recent)) {
      CUSTODY_RETURN_IF_ERROR(catalog.CommitVersion(v.id, static_cast<int64_t>(*at)));
      continue;
    }
    CUSTODY_RETURN_IF_ERROR(catalog.DeletePendingVersion(v.id));
  }
  // Datasets with no version left (an ingest that never committed) vanish,
  // and so do files no version owns (the removed pending versions' among them).
  CUSTODY_RETURN_IF_ERROR(catalog.DeleteEmptyDatasets().status());
  CUSTODY_ASSIGN_OR_RETURN(auto remaining, catalog.ListVersions(DatasetId(), true));
  return RemoveOrphanFiles(custody, remaining);
}

namespace {

Status ValidateIngest(const IngestOptions& options) {
  if (options.dataset.empty()) return InvalidArgumentError("dataset: expected a name, found none");
  for (char c : options.dataset) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return InvalidArgumentError("dataset: expected letters, digits, '-', '_' or '.', found '" +
                                  options.dataset + "'");
    }
  }
  if (options.files.empty()) return InvalidArgumentError("ingest: expected at least one FILE");
  CUSTODY_RETURN_IF_ERROR(format::ValidateJsonDepth(options.max_json_depth).WithPrefix("ingest"));
  CUSTODY_RETURN_IF_ERROR(sketch::ValidateShardBits(options.shard_bits).WithPrefix("ingest"));
  return OkStatus();
}

// Where and under which keys the new version is written.
struct VersionTarget {
  store::DatasetInfo ds;
  int version = 0;
  crypto::SecretBytes data_key;
  crypto::SecretBytes index_key;
  std::string context;    // store::VersionContext
  std::string rel_dir;    // records/<dataset id>/v<N>
  std::string index_prefix;  // <dataset id>-v<N>
  std::string index_rel;     // index/<prefix>.manifest
  uint64_t first_id = 0;  // the first record id it takes
};

Result<VersionTarget> PlanVersion(Custody& custody, const IngestOptions& options, Time now) {
  store::Catalog& catalog = custody.catalog();
  CUSTODY_ASSIGN_OR_RETURN(auto existing, catalog.FindDataset(options.dataset));
  if (existing && existing->shredded_at) {
    return FailedPreconditionError("dataset '" + options.dataset +
                                   "' was shredded; its name cannot be reused");
  }
  VersionTarget t;
  CUSTODY_ASSIGN_OR_RETURN(t.ds, catalog.GetOrCreateDataset(options.dataset, now));
  CUSTODY_ASSIGN_OR_RETURN(t.version, catalog.NextVersionNumber(t.ds.id));
  store::Vault& vault = custody.vault();
  CUSTODY_ASSIGN_OR_RETURN(t.data_key, vault.GetOrCreateWrappedKey(store::KeyPurpose::Dataset(t.ds.id)));
  CUSTODY_ASSIGN_OR_RETURN(t.index_key, vault.GetOrCreateWrappedKey(store::KeyPurpose::Index()));
  t.context = store::VersionContext(t.ds.id, t.version);
  t.rel_dir = VersionDirOf(t.ds.id, t.version);
  t.index_prefix = IndexPrefixOf(t.ds.id, t.version);
  t.index_rel = IndexManifestOf(t.ds.id, t.version);
  CUSTODY_ASSIGN_OR_RETURN(t.first_id, catalog.PeekNextRecordId());
  return t;
}

// Exact duplicates of earlier versions are counted, not stored again: the
// content ids of every committed version of the dataset.
Status AddEarlierContentIds(Custody& custody, const VersionTarget& t, ContentIdSet* seen) {
  CUSTODY_ASSIGN_OR_RETURN(auto earlier, custody.catalog().ListVersions(t.ds.id, false));
  for (const auto& v : earlier) {
    // The directory derived from the ids, not the catalog's `dir` column.
    const std::string dir = custody.VaultPath(VersionDirOf(t.ds.id, v.version));
    CUSTODY_ASSIGN_OR_RETURN(auto cids, store::ReadContentIds(
                                            custody.env(), dir, t.data_key,
                                            store::VersionContext(t.ds.id, v.version)));
    for (const auto& c : cids) seen->Insert(c);
  }
  return OkStatus();
}

// The read options of one input file: for our own sources a ".csv" name
// settles what content sniffing might leave open (a short file whose bad
// row breaks column consistency).
format::ReadOptions ReadOptionsFor(const IngestOptions& options, std::string_view file) {
  format::ReadOptions ro;
  ro.format = options.format;
  ro.record_per_file = options.record_per_file;
  ro.max_record_bytes = options.max_record_bytes;
  ro.max_json_depth = options.max_json_depth;
  ro.skip_bad = options.skip_bad;
  if (ro.format == format::InputFormat::kAuto && !options.record_per_file) {
    for (std::string_view ext : {".csv", ".csv.gz", ".csv.zst"}) {
      if (file.size() > ext.size() && file.substr(file.size() - ext.size()) == ext) {
        ro.format = format::InputFormat::kCsv;
      }
    }
  }
  return ro;
}

// What the read step writes into: the segments, the index, the Merkle leaves.
struct VersionWriter {
  store::SegmentWriter& segments;
  sketch::ShardedIndexWriter& index;
  std::vector<crypto::Digest> content_ids;
};

// Step: reads every input, stores each new record (sealed, with its words)
// and indexes it; counts duplicates, skipped and bad records in `*result`.
Status ReadInputs(Custody& custody, const IngestOptions& options, const VersionTarget& t,
                  ContentIdSet* seen, VersionWriter* w, IngestResult* result) {
  format::Record rec;
  std::vector<std::string_view> names, values;
  sketch::RecordWords record_words;
  std::string words_entry;
  uint64_t bytes_before = 0;
  uint64_t records_read = 0;
  for (const auto& file : options.files) {
    CUSTODY_ASSIGN_OR_RETURN(auto reader, format::RecordReader::Open(
                                              custody.env(), file, ReadOptionsFor(options, file)));
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(bool more, reader->Next(&rec));
      if (!more) break;
      ++records_read;
      std::string cid = ContentId(rec.canonical);
      if (!seen->Insert(cid)) {
        ++result->duplicates;
        continue;
      }
      const uint64_t id = t.first_id + result->records;
      names.clear();
      values.clear();
      for (const auto& f : rec.text_fields) {
        if (!TextFieldSelected(options.fields, f.name)) continue;
        names.push_back(f.name);
        values.push_back(f.value);
      }
      CUSTODY_RETURN_IF_ERROR(w->index.Add(id, values, names));
      // The record's words go beside it, sealed, for exact verification.
      sketch::WordsFromSketch(w->index.last_sketch(), &record_words);
      words_entry.clear();
      sketch::AppendRecordWords(record_words, &words_entry);
      CUSTODY_RETURN_IF_ERROR(w->segments.Add(rec.canonical, cid, words_entry));
      crypto::Digest d;
      std::memcpy(d.data(), cid.data(), d.size());
      w->content_ids.push_back(d);
      ++result->records;
      result->input_bytes += rec.canonical.size();
      if (options.progress && (records_read & 4095) == 0) {
        options.progress(bytes_before + reader->bytes_read(), records_read);
      }
    }
    bytes_before += reader->bytes_read();
    result->skipped += reader->skipped();
    for (const auto& b : reader->bad_records()) {
      if (result->first_bad.size() < 10) result->first_bad.push_back({b.source, b.line, b.what});
    }
  }
  if (options.progress) options.progress(bytes_before, records_read);
  if (result->records == 0 && result->duplicates == 0) {
    return InvalidArgumentError("ingest: the input holds no records" +
                                std::string(result->skipped ? " (all were skipped as bad)" : ""));
  }
  if (result->records == 0 && !options.allow_empty) {
    return FailedPreconditionError(
        "ingest: nothing new: all " + std::to_string(result->duplicates) + " record" +
        (result->duplicates == 1 ? " is" : "s are") + " already in the vault; no version of '" +
        options.dataset + "' created (--allow-empty creates an empty version)");
  }
  return OkStatus();
}

// The index files of a version: its shards, then its manifest (the order
// they are published in: a manifest never names a missing shard).
std::vector<std::string> IndexFilesOf(const VersionTarget& t, const sketch::ShardManifest& m) {
  std::vector<std::string> files;
  for (const auto& s : m.shards) files.push_back(s.file);
  files.push_back(sketch::ManifestFileName(t.index_prefix));
  return files;
}

// Step: the staged files, durable under their final names.
Status PublishFiles(Custody& custody, const VersionTarget& t, const sketch::ShardManifest& m,
                    const std::string& staging, StagingGuard* guard) {
  Env* env = custody.env();
  const std::string final_dir = custody.VaultPath(t.rel_dir);
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(DirName(final_dir), 0700));
  const std::string index_dir = custody.VaultPath("index");
  for (const std::string& f : IndexFilesOf(t, m)) {
    CUSTODY_RETURN_IF_ERROR(
        env->RenameFile(JoinPath(JoinPath(staging, "index"), f), JoinPath(index_dir, f)));
  }
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(index_dir));
  // The staging directory becomes the version's: nothing of the index stays.
  CUSTODY_RETURN_IF_ERROR(env->RemoveTree(JoinPath(staging, "index")));
  CUSTODY_RETURN_IF_ERROR(env->RenameFile(staging, final_dir));
  guard->Release();
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(DirName(final_dir)));
  return env->SyncDir(custody.VaultPath("records"));
}

// Removes the published files of a version that was not committed.
void RemovePublished(Custody& custody, const VersionTarget& t, const sketch::ShardManifest& m) {
  custody.env()->RemoveTree(custody.VaultPath(t.rel_dir)).IgnoreError();
  for (const std::string& f : IndexFilesOf(t, m)) {
    custody.env()->RemoveFile(JoinPath(custody.VaultPath("index"), f)).IgnoreError();
  }
}

// Step: the catalog row (pending), the log entry, then the commit mark. A
// failure before the log entry undoes everything; recovery on open finishes
// or removes whatever a crash interrupted.
Status CommitIngest(Custody& custody, const IngestOptions& options, const VersionTarget& t,
                    const std::vector<store::SegmentInfo>& segments,
                    const sketch::ShardManifest& manifest, Time now, IngestResult* result) {
  store::Catalog& catalog = custody.catalog();
  store::DatasetVersionInfo v;
  v.dataset_id = t.ds.id;
  v.version = t.version;
  v.created_at = now;
  v.records = static_cast<int64_t>(result->records);
  v.duplicates = static_cast<int64_t>(result->duplicates);
  v.skipped = static_cast<int64_t>(result->skipped);
  v.input_bytes = static_cast<int64_t>(result->input_bytes);
  v.stored_bytes = result->stored_bytes;
  v.first_record_id = t.first_id;
  v.merkle_root = result->records_root;
  v.dir = t.rel_dir;
  v.index_file = t.index_rel;
  v.text_fields = nlohmann::json(options.fields).dump();
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& f : options.files) sources.push_back(BaseName(f));
  v.sources = sources.dump();
  auto version_id = catalog.InsertPendingVersion(v, segments);
  if (!version_id.ok()) {
    RemovePublished(custody, t, manifest);
    return version_id.status();
  }
  ledger::Event ev;
  ev.type = ledger::event_type::kIngest;
  ev.subject = "dataset:" + options.dataset + "@v" + std::to_string(t.version);
  ev.details = {{"dataset", options.dataset},
                {"version", t.version},
                {"records", result->records},
                {"duplicates", result->duplicates},
                {"skipped", result->skipped},
                {"first_record_id", t.first_id},
                {"sources", sources}};
  ev.hashes["records_root"] = result->records_root;
  ev.hashes["index_manifest"] = result->index_manifest;
  auto committed = custody.Commit(ev);
  if (!committed.ok()) {
    // Not committed: undo everything so the vault shows no trace of it.
    catalog.DeletePendingVersion(*version_id).IgnoreError();
    RemovePublished(custody, t, manifest);
    return committed.status().WithPrefix("ingest not committed: custody log append failed");
  }
  result->log_index = *committed;
  return catalog.CommitVersion(*version_id, static_cast<int64_t>(*committed));
}

}  // namespace

Result<IngestResult> Ingest(Custody& custody, const IngestOptions& options) {
  CUSTODY_RETURN_IF_ERROR(ValidateIngest(options));
  Env* env = custody.env();
  const Time now = custody.clock()->Now();
  CUSTODY_ASSIGN_OR_RETURN(VersionTarget t, PlanVersion(custody, options, now));
  ContentIdSet seen;
  CUSTODY_RETURN_IF_ERROR(AddEarlierContentIds(custody, t, &seen));

  const std::string staging =
      custody.VaultPath("records/.staging-" + HexEncode(crypto::RandomString(6)));
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(staging, 0700));
  StagingGuard guard(env, staging);
  store::SegmentWriter segments(env, staging, t.rel_dir, t.data_key, t.context, t.first_id,
                                options.records_per_segment);
  sketch::IndexBuilderOptions index_options;
  index_options.label = options.dataset + "@v" + std::to_string(t.version);
  const std::string staged_index = JoinPath(staging, "index");
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(staged_index, 0700));
  CUSTODY_ASSIGN_OR_RETURN(auto index, sketch::ShardedIndexWriter::Create(
                                           env, t.index_key, index_options, staged_index,
                                           t.index_prefix, t.first_id, options.shard_bits));
  VersionWriter w{segments, *index, {}};

  IngestResult result;
  result.dataset = options.dataset;
  result.version = t.version;
  result.first_record_id = t.first_id;
  CUSTODY_RETURN_IF_ERROR(ReadInputs(custody, options, t, &seen, &w, &result));
  CUSTODY_RETURN_IF_ERROR(segments.Finish());
  CUSTODY_ASSIGN_OR_RETURN(std::string manifest, index->Finish());
  result.stored_bytes = segments.stored_bytes();
  result.records_root = crypto::DigestHex(ledger::MerkleRoot(w.content_ids));
  result.index_manifest = sketch::Sha256Hex(manifest);
  result.index_shards = index->manifest().shards.size();

  CUSTODY_RETURN_IF_ERROR(PublishFiles(custody, t, index->manifest(), staging, &guard));
  CUSTODY_RETURN_IF_ERROR(CommitIngest(custody, options, t, segments.segments(),
                                       index->manifest(), now, &result));
  return result;
}

}  // namespace custody::core
