#include "custody/core/ingest/ingest.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/format/reader.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/merkle.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/record_words.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

// The set of content ids seen in a dataset, keyed by their first 128 bits
// (a collision needs ~2^64 records). Open addressing with linear probing over
// one flat array: no allocation per record.
class ContentIdSet {
 public:
  // Returns true if `cid` (32 bytes) was not in the set, and inserts it.
  bool Insert(std::string_view cid) {
    Key k;
    std::memcpy(&k.a, cid.data(), 8);
    std::memcpy(&k.b, cid.data() + 8, 8);
    if (k.a == 0 && k.b == 0) k.b = 1;  // (0, 0) marks an empty slot
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    return Place(k);
  }

 private:
  struct Key {
    uint64_t a = 0, b = 0;
  };
  bool Place(const Key& k) {
    size_t mask = slots_.size() - 1;
    for (size_t i = k.a & mask;; i = (i + 1) & mask) {
      Key& s = slots_[i];
      if (s.a == 0 && s.b == 0) {
        s = k;
        ++size_;
        return true;
      }
      if (s.a == k.a && s.b == k.b) return false;
    }
  }
  void Grow() {
    std::vector<Key> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Key{});
    size_ = 0;
    for (const Key& k : old) {
      if (k.a != 0 || k.b != 0) Place(k);
    }
  }
  std::vector<Key> slots_;
  size_t size_ = 0;
};

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
  CUSTODY_ASSIGN_OR_RETURN(auto versions, catalog.ListVersions(0, true));
  CUSTODY_ASSIGN_OR_RETURN(auto recent, custody.RecentEvents());
  for (const auto& v : versions) {
    if (v.state != store::VersionState::kPending) continue;
    if (auto at = IngestEntryOf(v, recent)) {
      CUSTODY_RETURN_IF_ERROR(catalog.CommitVersion(v.id, static_cast<int64_t>(*at)));
      continue;
    }
    CUSTODY_RETURN_IF_ERROR(catalog.DeletePendingVersion(v.id));
    CUSTODY_RETURN_IF_ERROR(e->RemoveTree(custody.VaultPath(v.dir)));
    if (!v.index_file.empty() && e->FileExists(custody.VaultPath(v.index_file))) {
      CUSTODY_RETURN_IF_ERROR(e->RemoveFile(custody.VaultPath(v.index_file)));
    }
  }
  // Datasets with no version left (an ingest that never committed) vanish.
  return catalog.DeleteEmptyDatasets().status();
}

Result<IngestResult> Ingest(Custody& custody, const IngestOptions& options) {
  if (options.dataset.empty()) return InvalidArgumentError("--dataset: expected a name, found none");
  for (char c : options.dataset) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return InvalidArgumentError("--dataset '" + options.dataset +
                                  "': expected letters, digits, '-', '_' or '.'");
    }
  }
  if (options.files.empty()) return InvalidArgumentError("ingest: expected at least one FILE");
  Env* env = custody.env();
  store::Catalog& catalog = custody.catalog();
  const int64_t now = custody.clock()->NowSeconds();

  CUSTODY_ASSIGN_OR_RETURN(auto existing, catalog.FindDataset(options.dataset));
  if (existing && existing->shredded_at) {
    return FailedPreconditionError("dataset '" + options.dataset +
                                   "' was shredded; its name cannot be reused");
  }
  CUSTODY_ASSIGN_OR_RETURN(store::DatasetInfo ds, catalog.GetOrCreateDataset(options.dataset, now));
  CUSTODY_ASSIGN_OR_RETURN(int version, catalog.NextVersionNumber(ds.id));
  CUSTODY_ASSIGN_OR_RETURN(auto data_key,
                           custody.vault().GetOrCreateWrappedKey("dataset:" + std::to_string(ds.id)));
  CUSTODY_ASSIGN_OR_RETURN(auto index_key, custody.vault().GetOrCreateWrappedKey("index"));
  const std::string context = store::VersionContext(ds.id, version);

  // Exact duplicates of earlier versions are counted, not stored again.
  ContentIdSet seen;
  CUSTODY_ASSIGN_OR_RETURN(auto earlier, catalog.ListVersions(ds.id, false));
  for (const auto& v : earlier) {
    CUSTODY_ASSIGN_OR_RETURN(auto cids, store::ReadContentIds(env, custody.VaultPath(v.dir),
                                                              data_key, store::VersionContext(ds.id, v.version)));
    for (const auto& c : cids) seen.Insert(c);
  }

  const std::string rel_dir = "records/" + std::to_string(ds.id) + "/v" + std::to_string(version);
  const std::string final_dir = custody.VaultPath(rel_dir);
  const std::string staging = custody.VaultPath("records/.staging-" + HexEncode(crypto::RandomString(6)));
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(staging, 0700));
  StagingGuard guard(env, staging);

  CUSTODY_ASSIGN_OR_RETURN(uint64_t first_id, catalog.PeekNextRecordId());
  store::SegmentWriter segments(env, staging, rel_dir, data_key, context, first_id,
                                options.records_per_segment);
  sketch::IndexBuilderOptions index_options;
  index_options.label = options.dataset + "@v" + std::to_string(version);
  CUSTODY_ASSIGN_OR_RETURN(auto index, sketch::IndexBuilder::Create(index_key, index_options));
  std::vector<crypto::Digest> content_ids;

  IngestResult result;
  result.dataset = options.dataset;
  result.version = version;
  result.first_record_id = first_id;

  format::ReadOptions ro;
  ro.format = options.format;
  ro.record_per_file = options.record_per_file;
  ro.max_record_bytes = options.max_record_bytes;
  ro.skip_bad = options.skip_bad;

  format::Record rec;
  std::vector<std::string_view> names, values;
  sketch::RecordWords record_words;
  std::string words_entry;
  uint64_t bytes_before = 0;
  uint64_t records_read = 0;
  for (const auto& file : options.files) {
    // For our own sources a ".csv" name settles what content sniffing might
    // leave open (a short file whose bad row breaks column consistency).
    ro.format = options.format;
    if (ro.format == format::InputFormat::kAuto && !options.record_per_file) {
      for (const char* ext : {".csv", ".csv.gz", ".csv.zst"}) {
        std::string_view f(file), e(ext);
        if (f.size() > e.size() && f.substr(f.size() - e.size()) == e) ro.format = format::InputFormat::kCsv;
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto reader, format::RecordReader::Open(env, file, ro));
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(bool more, reader->Next(&rec));
      if (!more) break;
      ++records_read;
      std::string cid = ContentId(rec.canonical);
      if (!seen.Insert(cid)) {
        ++result.duplicates;
        continue;
      }
      uint64_t id = first_id + result.records;
      names.clear();
      values.clear();
      for (const auto& f : rec.text_fields) {
        if (!TextFieldSelected(options.fields, f.name)) continue;
        names.push_back(f.name);
        values.push_back(f.value);
      }
      CUSTODY_RETURN_IF_ERROR(index->Add(id, values, names));
      // The record's words go beside it, sealed, for exact verification.
      sketch::WordsFromSketch(index->last_sketch(), &record_words);
      words_entry.clear();
      sketch::AppendRecordWords(record_words, &words_entry);
      CUSTODY_RETURN_IF_ERROR(segments.Add(rec.canonical, cid, words_entry));
      crypto::Digest d;
      std::memcpy(d.data(), cid.data(), d.size());
      content_ids.push_back(d);
      ++result.records;
      result.input_bytes += rec.canonical.size();
      if (options.progress && (records_read & 4095) == 0) {
        options.progress(bytes_before + reader->bytes_read(), records_read);
      }
    }
    bytes_before += reader->bytes_read();
    result.skipped += reader->skipped();
    for (const auto& b : reader->bad_records()) {
      if (result.first_bad.size() < 10) result.first_bad.push_back({b.source, b.line, b.what});
    }
  }
  if (options.progress) options.progress(bytes_before, records_read);
  if (result.records == 0 && result.duplicates == 0) {
    return InvalidArgumentError("ingest: the input holds no records" +
                                std::string(result.skipped ? " (all were skipped as bad)" : ""));
  }
  CUSTODY_RETURN_IF_ERROR(segments.Finish());
  const std::string index_rel =
      "index/" + std::to_string(ds.id) + "-v" + std::to_string(version) + ".idx";
  CUSTODY_RETURN_IF_ERROR(index->Finish(env, JoinPath(staging, "index.idx")));
  result.stored_bytes = segments.stored_bytes();
  result.records_root = crypto::DigestHex(ledger::MerkleRoot(content_ids));

  // Make the files durable under their final names, then the catalog rows
  // (pending), then the log entry, then the commit mark. Recovery on open
  // finishes or removes whatever a crash interrupted.
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(DirName(final_dir), 0700));
  CUSTODY_RETURN_IF_ERROR(env->RenameFile(JoinPath(staging, "index.idx"), custody.VaultPath(index_rel)));
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(custody.VaultPath("index")));
  CUSTODY_RETURN_IF_ERROR(env->RenameFile(staging, final_dir));
  guard.Release();
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(DirName(final_dir)));
  CUSTODY_RETURN_IF_ERROR(env->SyncDir(custody.VaultPath("records")));

  store::DatasetVersionInfo v;
  v.dataset_id = ds.id;
  v.version = version;
  v.created_at = now;
  v.records = static_cast<int64_t>(result.records);
  v.duplicates = static_cast<int64_t>(result.duplicates);
  v.skipped = static_cast<int64_t>(result.skipped);
  v.input_bytes = static_cast<int64_t>(result.input_bytes);
  v.stored_bytes = result.stored_bytes;
  v.first_record_id = first_id;
  v.merkle_root = result.records_root;
  v.dir = rel_dir;
  v.index_file = index_rel;
  v.text_fields = nlohmann::json(options.fields).dump();
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& f : options.files) sources.push_back(BaseName(f));
  v.sources = sources.dump();
  auto version_id = catalog.InsertPendingVersion(v, segments.segments());
  if (!version_id.ok()) {
    env->RemoveTree(final_dir).IgnoreError();
    env->RemoveFile(custody.VaultPath(index_rel)).IgnoreError();
    return version_id.status();
  }

  ledger::Event ev;
  ev.type = ledger::event_type::kIngest;
  ev.subject = "dataset:" + options.dataset + "@v" + std::to_string(version);
  ev.details = {{"dataset", options.dataset},
                {"version", version},
                {"records", result.records},
                {"duplicates", result.duplicates},
                {"skipped", result.skipped},
                {"first_record_id", first_id},
                {"sources", sources}};
  ev.hashes["records_root"] = result.records_root;
  auto committed = custody.Commit(ev);
  if (!committed.ok()) {
    // Not committed: undo everything so the vault shows no trace of it.
    catalog.DeletePendingVersion(*version_id).IgnoreError();
    env->RemoveTree(final_dir).IgnoreError();
    env->RemoveFile(custody.VaultPath(index_rel)).IgnoreError();
    return committed.status().WithPrefix("ingest not committed: custody log append failed");
  }
  result.log_index = *committed;
  CUSTODY_RETURN_IF_ERROR(catalog.CommitVersion(*version_id, static_cast<int64_t>(*committed)));
  return result;
}

}  // namespace custody::core
