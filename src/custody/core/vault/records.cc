#include "custody/core/vault/records.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/format/writer.h"
#include "custody/ledger/event.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

Result<crypto::SecretBytes> DataKey(Custody& c, const store::DatasetVersionInfo& v) {
  if (v.shredded_at) {
    return FailedPreconditionError("dataset '" + v.dataset + "' was shredded on " +
                                   FormatRfc3339(*v.shredded_at) + "; its records are unrecoverable");
  }
  auto key = c.vault().GetWrappedKey(store::KeyPurpose::Dataset(v.dataset_id));
  if (!key.ok() && key.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError("the data key of dataset '" + v.dataset +
                                   "' was destroyed; its records are unrecoverable");
  }
  return key;
}

}  // namespace

Result<store::DatasetVersionInfo> FindVersion(Custody& c, const std::string& dataset, int version) {
  CUSTODY_ASSIGN_OR_RETURN(auto ds, c.catalog().FindDataset(dataset));
  if (!ds) return NotFoundError("no dataset named '" + dataset + "'");
  CUSTODY_ASSIGN_OR_RETURN(auto versions, c.catalog().ListVersions(ds->id, false));
  if (versions.empty()) return NotFoundError("dataset '" + dataset + "' has no committed version");
  if (version == 0) return versions.back();
  for (auto& v : versions) {
    if (v.version == version) return v;
  }
  return NotFoundError("dataset '" + dataset + "' has no version " + std::to_string(version) +
                       " (latest is " + std::to_string(versions.back().version) + ")");
}

namespace {

// The segment holding `record_id`, decrypted, checked against its catalog
// row, with the version it belongs to.
struct RecordSegment {
  store::DatasetVersionInfo version;
  store::SegmentContents contents;
};
Result<RecordSegment> LoadSegmentOf(Custody& c, RecordId record_id) {
  RecordSegment out;
  CUSTODY_ASSIGN_OR_RETURN(out.version, c.catalog().VersionOfRecord(record_id));
  const store::DatasetVersionInfo& v = out.version;
  CUSTODY_ASSIGN_OR_RETURN(auto key, DataKey(c, v));
  CUSTODY_ASSIGN_OR_RETURN(auto seg, c.catalog().SegmentOfRecord(record_id));
  CUSTODY_ASSIGN_OR_RETURN(out.contents,
                           store::ReadSegment(c.env(), c.VaultPath(seg.file), key,
                                              store::VersionContext(v.dataset_id, v.version), seg.seq));
  if (out.contents.first_record_id != seg.first_record_id ||
      out.contents.records.size() != seg.count) {
    return DataLossError(seg.file + ": segment does not match the catalog (expected records " +
                         ToString(seg.first_record_id) + "+" + std::to_string(seg.count) + ")");
  }
  return out;
}

}  // namespace

Result<StoredRecord> ReadRecord(Custody& c, RecordId record_id) {
  CUSTODY_ASSIGN_OR_RETURN(RecordSegment seg, LoadSegmentOf(c, record_id));
  const size_t i = record_id.value() - seg.contents.first_record_id;
  StoredRecord r;
  r.record_id = record_id;
  r.dataset = seg.version.dataset;
  r.version = seg.version.version;
  r.canonical = std::move(seg.contents.records[i]);
  r.content_id = HexEncode(seg.contents.content_ids[i]);
  return r;
}

Result<SegmentRecords> ReadSegmentOf(Custody& c, RecordId record_id) {
  CUSTODY_ASSIGN_OR_RETURN(RecordSegment seg, LoadSegmentOf(c, record_id));
  SegmentRecords out;
  out.first_record_id = seg.contents.first_record_id;
  out.records = std::move(seg.contents.records);
  return out;
}

Status ForEachRecord(Custody& c, const std::string& dataset, int version,
                     const std::function<Status(RecordId, std::string_view)>& fn) {
  CUSTODY_ASSIGN_OR_RETURN(auto v, FindVersion(c, dataset, version));
  CUSTODY_ASSIGN_OR_RETURN(auto key, DataKey(c, v));
  CUSTODY_ASSIGN_OR_RETURN(auto segs, c.catalog().SegmentsOf(v.id));
  const std::string ctx = store::VersionContext(v.dataset_id, v.version);
  for (const auto& s : segs) {
    CUSTODY_ASSIGN_OR_RETURN(auto contents,
                             store::ReadSegment(c.env(), c.VaultPath(s.file), key, ctx, s.seq));
    if (contents.first_record_id != s.first_record_id || contents.records.size() != s.count) {
      return DataLossError(s.file + ": segment does not match the catalog");
    }
    for (size_t i = 0; i < contents.records.size(); ++i) {
      CUSTODY_RETURN_IF_ERROR(fn(RecordId(s.first_record_id + i), contents.records[i]));
    }
  }
  return OkStatus();
}

Result<ExportResult> ExportDataset(Custody& c, const std::string& dataset, int version,
                                   const std::string& out, format::OutputFormat fmt,
                                   const OutputOptions& output) {
  if (!c.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be exported");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto v, FindVersion(c, dataset, version));
  CUSTODY_RETURN_IF_ERROR(DataKey(c, v).status());
  CUSTODY_ASSIGN_OR_RETURN(auto file, OutputFile::Create(c.env(), out, output));
  std::vector<std::string> columns;
  if (fmt == format::OutputFormat::kCsv) {
    // Columns: the union of top-level keys, in first-seen order.
    std::vector<std::string> seen;
    CUSTODY_RETURN_IF_ERROR(ForEachRecord(c, dataset, v.version, [&](RecordId, std::string_view rec) {
      auto j = nlohmann::json::parse(rec, nullptr, false);
      if (!j.is_object()) return DataLossError("stored record is not a JSON object");
      for (auto& [k, _] : j.items()) {
        if (std::find(seen.begin(), seen.end(), k) == seen.end()) seen.push_back(k);
      }
      return OkStatus();
    }));
    columns = seen;
  }
  ledger::Event ev;
  ev.type = ledger::event_type::kExport;
  ev.subject = "dataset:" + v.dataset + "@v" + std::to_string(v.version);
  ev.details = {{"dataset", v.dataset},
                {"dataset_id", v.dataset_id},
                {"version", v.version},
                {"records", v.records},
                {"format", fmt == format::OutputFormat::kCsv ? "csv" : "jsonl"},
                {"out", out}};
  if (!v.merkle_root.empty()) ev.hashes["records_root"] = v.merkle_root;
  ExportResult r;
  CUSTODY_ASSIGN_OR_RETURN(r.log_index, c.Commit(std::move(ev)));
  Status written = [&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto writer,
                             format::RecordWriter::Create(file->TakeFile(), out, fmt, columns));
    CUSTODY_RETURN_IF_ERROR(ForEachRecord(c, dataset, v.version, [&](RecordId, std::string_view rec) {
      ++r.records;
      r.bytes += rec.size() + 1;
      return writer->Write(rec);
    }));
    CUSTODY_RETURN_IF_ERROR(writer->Finish());
    return file->Commit();
  }();
  if (!written.ok()) {
    return written.WithPrefix("export logged (log entry " + std::to_string(r.log_index) +
                              "), file not written");
  }
  return r;
}

std::string VersionDirOf(DatasetId dataset_id, int version) {
  return "records/" + ToString(dataset_id) + "/v" + std::to_string(version);
}

std::string IndexFileOf(DatasetId dataset_id, int version) {
  return "index/" + ToString(dataset_id) + "-v" + std::to_string(version) + ".idx";
}

std::string IndexPrefixOf(DatasetId dataset_id, int version) {
  return ToString(dataset_id) + "-v" + std::to_string(version);
}

std::string IndexManifestOf(DatasetId dataset_id, int version) {
  return "index/" + IndexPrefixOf(dataset_id, version) + ".manifest";
}

Status FinishShred(Custody& c, DatasetId dataset_id) {
  Env* e = c.env();
  Status s = c.vault().DestroyWrappedKey(store::KeyPurpose::Dataset(dataset_id));
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  CUSTODY_ASSIGN_OR_RETURN(auto versions, c.catalog().ListVersions(dataset_id, true));
  // The version directories hold the segments and word files (text); the
  // sketch index stays, for matching and tracing released copies. Canaries
  // made from these records are sealed under the key just destroyed, except
  // those made before canaries were (sealed under the vault's canary key):
  // their payloads are erased, so none stays decryptable. Idempotent, like
  // the rest: recovery runs it again after a crash.
  for (const auto& v : versions) {
    CUSTODY_RETURN_IF_ERROR(e->RemoveTree(c.VaultPath(VersionDirOf(dataset_id, v.version))));
    CUSTODY_RETURN_IF_ERROR(
        c.catalog().canaries().EraseSealedFrom(v.first_record_id, static_cast<uint64_t>(v.records)).status());
  }
  return c.catalog().MarkDatasetShredded(dataset_id, c.clock()->Now());
}

Result<store::Catalog::ReleasedCopies> ReleasedCopies(Custody& c, const std::string& dataset) {
  CUSTODY_ASSIGN_OR_RETURN(auto ds, c.catalog().FindDataset(dataset));
  if (!ds) return NotFoundError("no dataset named '" + dataset + "'");
  return c.catalog().ReleasedCopiesOf(ds->id);
}

Result<ShredResult> ShredDataset(Custody& c, const std::string& dataset) {
  CUSTODY_ASSIGN_OR_RETURN(auto ds, c.catalog().FindDataset(dataset));
  if (!ds) return NotFoundError("no dataset named '" + dataset + "'");
  if (ds->shredded_at) {
    return FailedPreconditionError("dataset '" + dataset + "' was already shredded on " +
                                   FormatRfc3339(*ds->shredded_at));
  }
  CUSTODY_ASSIGN_OR_RETURN(auto versions, c.catalog().ListVersions(ds->id, false));
  ShredResult r;
  r.dataset = dataset;
  CUSTODY_ASSIGN_OR_RETURN(r.released, c.catalog().ReleasedCopiesOf(ds->id));
  r.versions = static_cast<int>(versions.size());
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& v : versions) {
    r.records += static_cast<uint64_t>(v.records);
    roots.push_back(v.merkle_root);
  }
  ledger::Event ev;
  ev.type = ledger::event_type::kShred;
  ev.subject = "dataset:" + dataset;
  ev.details = {{"dataset", dataset}, {"dataset_id", ds->id}, {"versions", r.versions},
                {"records", r.records}, {"records_roots", roots},
                {"released_copies_out", r.released.releases}};
  CUSTODY_ASSIGN_OR_RETURN(r.log_index, c.Commit(ev));
  CUSTODY_RETURN_IF_ERROR(FinishShred(c, ds->id));
  return r;
}

}  // namespace custody::core
