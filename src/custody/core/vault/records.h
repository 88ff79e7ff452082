// Reading records back out of the vault: one record by id, or a whole dataset
// version streamed segment by segment (decrypting and authenticating each),
// and destroying a dataset (crypto-shredding its data key).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "custody/base/output_file.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/format/formats.h"

namespace custody::core {

struct StoredRecord {
  RecordId record_id;
  std::string dataset;
  int version = 0;
  std::string canonical;  // canonical JSON
  std::string content_id;  // hex
};

// Decrypts one record. kNotFound if no committed version holds it;
// kFailedPrecondition if its dataset was shredded; kDataLoss if tampered.
Result<StoredRecord> ReadRecord(Custody& custody, RecordId record_id);

// The records of the segment holding `record_id` (decrypted and
// authenticated), for readers that walk records in order and would decrypt
// the same segment for each (served tasks). Errors as ReadRecord.
struct SegmentRecords {
  uint64_t first_record_id = 0;
  std::vector<std::string> records;  // canonical JSON, record ids first_record_id...
};
Result<SegmentRecords> ReadSegmentOf(Custody& custody, RecordId record_id);

// Calls `fn(record_id, canonical)` for every record of a committed version, in
// record-id order. version 0 means the latest.
Status ForEachRecord(Custody& custody, const std::string& dataset, int version,
                     const std::function<Status(RecordId, std::string_view)>& fn);

// The committed version `version` (0: latest) of `dataset`.
Result<store::DatasetVersionInfo> FindVersion(Custody& custody, const std::string& dataset,
                                              int version);

struct ExportResult {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t log_index = 0;  // the export event
};
// Writes every record of the dataset version to `out` (plaintext, for the
// lab's own use) as JSONL (canonical records) or CSV, through an OutputFile
// (base/output_file.h: mode 0600, temporary sibling and rename, never
// through a symbolic link, an existing file only with `output.overwrite`).
// Order: `out` is checked and its temporary file created (its errors, e.g.
// an unwritable directory, change nothing), then the export event is
// appended to the custody log, then the file is written and renamed into
// place; a failure after the event is reported as "export logged, file not
// written". Errors: those of FindVersion and OutputFile::Create,
// kFailedPrecondition if the vault is open without its key or the dataset
// was shredded, kDataLoss for a tampered segment.
Result<ExportResult> ExportDataset(Custody& custody, const std::string& dataset, int version,
                                   const std::string& out, format::OutputFormat format,
                                   const OutputOptions& output = {});

struct ShredResult {
  std::string dataset;
  uint64_t records = 0;  // records made unrecoverable
  int versions = 0;
  uint64_t log_index = 0;
  store::Catalog::ReleasedCopies released;  // copies still out (not recalled)
};
// Released copies of `dataset` still out; kNotFound for an unknown name.
Result<store::Catalog::ReleasedCopies> ReleasedCopies(Custody& custody, const std::string& dataset);
// Logs the shred, then destroys the dataset's data key and removes its
// segments and word files. Its sketch index, marks and canary metadata are
// kept (they reveal no text), so leaks of its released copies can still be
// matched (as unverified sketch matches) and traced. Irreversible.
Result<ShredResult> ShredDataset(Custody& custody, const std::string& dataset);
// Completes a shred whose log entry is durable but whose key survived a crash.
Status FinishShred(Custody& custody, DatasetId dataset_id);

// Where version `version` of dataset `dataset_id` keeps its files, relative
// to the vault: "records/<id>/v<N>" (segments and word files) and
// "index/<id>-v<N>.idx". Recovery and shred compute these from the ids and
// never trust a path read from the catalog: a row pointing outside the vault
// must not make them delete it.
std::string VersionDirOf(DatasetId dataset_id, int version);
std::string IndexFileOf(DatasetId dataset_id, int version);
// The sketch index of a version written as shards (sketch/shard_manifest.h):
// the files' common prefix "<dataset_id>-v<version>" inside VAULT/index/, and
// the manifest "index/<prefix>.manifest" (the version's index_file). Versions
// ingested before shards have one file, IndexFileOf.
std::string IndexPrefixOf(DatasetId dataset_id, int version);
std::string IndexManifestOf(DatasetId dataset_id, int version);

}  // namespace custody::core
