// Catalog: the vault's database — SQLite (DIR/catalog.db, WAL mode, the
// default) or PostgreSQL (a database named by a connection URI). It holds
// metadata only — datasets, versions, segment locations, and (from schema v2)
// partners, members, grants, releases, canaries and incidents — never record
// text. Every table is read and written through a typed method here or a
// table class it hands out; no SQL exists outside this module. The schema is
// versioned; Open() applies pending migrations in one transaction each. Schema:
// docs/formats/catalog.md. Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/store/audit_tables.h"
#include "custody/store/incident_table.h"
#include "custody/store/party_tables.h"
#include "custody/store/release_tables.h"
#include "custody/store/serve_tables.h"
#include "custody/store/sql.h"

namespace custody::store {

inline constexpr int kCatalogSchemaVersion = 8;

struct DatasetInfo {
  DatasetId id;
  std::string name;
  Time created_at;
  std::optional<Time> shredded_at;
};

enum class VersionState { kPending, kCommitted };

struct DatasetVersionInfo {
  VersionId id;
  DatasetId dataset_id;
  std::string dataset;
  int version = 0;
  VersionState state = VersionState::kPending;
  Time created_at;
  int64_t records = 0;       // distinct records stored
  int64_t duplicates = 0;    // exact duplicates counted, not stored
  int64_t skipped = 0;       // bad records skipped (--skip-bad)
  int64_t input_bytes = 0;   // bytes of canonical records
  int64_t stored_bytes = 0;  // bytes of encrypted segments
  uint64_t first_record_id = 0;  // record ids are [first, first + records)
  std::string merkle_root;   // hex RFC 6962 root over the content ids
  std::string dir;           // version directory, relative to the vault
  std::string index_file;    // sketch index file, relative to the vault ("" if none)
  std::string text_fields;   // JSON array of field names; empty array = every string field
  std::string sources;       // JSON array of input file names
  std::optional<int64_t> log_index;  // custody log entry that committed it
  std::optional<Time> shredded_at;  // from the dataset
};

struct SegmentInfo {
  VersionId version_id;
  int seq = 0;
  uint64_t first_record_id = 0;
  uint32_t count = 0;
  std::string file;  // relative to the vault
  int64_t bytes = 0;
};

class Catalog {
 public:
  // Opens (creating if `create`) and migrates the catalog at `location`: a
  // SQLite file path, or a PostgreSQL connection URI (postgresql://...; see
  // Db::Open in sql.h). A PostgreSQL database without a catalog gets one if
  // `create`, else kNotFound. kFailedPrecondition for a schema newer than
  // this custody; kUnimplemented for a URI when built without PostgreSQL.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& location, bool create);

  Result<int> SchemaVersion();
  SqlDialect dialect() const;

  // Runs `fn` in one write transaction that serializes with every other
  // writer of the catalog, in this process or another (sql.h, Db::Begin):
  // commits if it returns OK, else rolls back and returns its error. Not
  // reentrant.
  Status Transaction(const std::function<Status()>& fn);
  // Makes Transaction run `hook` first, once the catalog's write lock is
  // taken and before `fn`; its error rolls the transaction back. For what
  // must be brought up to date under that lock before any row is written
  // (a shared vault's custody log and the ids it names: core/vault/custody.h).
  // Empty: none.
  void SetTransactionHook(std::function<Status()> hook) { hook_ = std::move(hook); }

  // The tables of parties, releases and incidents (party_tables.h,
  // release_tables.h, incident_table.h). Valid as long as the Catalog.
  PartnerTable& partners() { return partners_; }
  MemberTable& members() { return members_; }
  GrantTable& grants() { return grants_; }
  ReleaseTable& releases() { return releases_; }
  CanaryTable& canaries() { return canaries_; }
  IncidentTable& incidents() { return incidents_; }
  // Audits, evidence, deletion certificates and dataset sensitivity
  // (audit_tables.h; schema v5).
  AuditTables& audits() { return audits_; }
  // custody serve's tokens and task answers (serve_tables.h; schema v8).
  TokenTable& tokens() { return tokens_; }
  TaskResultTable& task_results() { return task_results_; }

  // Settings in the meta table.
  Result<std::optional<std::string>> GetMeta(const std::string& key);
  Status SetMeta(const std::string& key, const std::string& value);
  // Raises the id floor of `table` (partners, members, grants, releases,
  // incidents, datasets) to `id`: new rows get ids above it. For ids a logged
  // event names whose row a crash lost, so they are never given to another
  // row. kInvalidArgument for another table.
  Status ReserveIdsThrough(std::string_view table, int64_t id);

  Result<std::optional<DatasetInfo>> FindDataset(const std::string& name);
  Result<DatasetInfo> GetOrCreateDataset(const std::string& name, Time now);
  Result<std::vector<DatasetInfo>> ListDatasets();
  Status MarkDatasetShredded(DatasetId dataset_id, Time now);
  // Released copies of a dataset that are out in the world (every release
  // ever made of it: a shred does not recall them).
  struct ReleasedCopies {
    uint64_t releases = 0;
    uint64_t records = 0;  // records delivered, summed over the releases
    uint64_t members = 0;  // distinct recipients
  };
  Result<ReleasedCopies> ReleasedCopiesOf(DatasetId dataset_id);

  // Versions of one dataset (or all if dataset_id is invalid), oldest first.
  Result<std::vector<DatasetVersionInfo>> ListVersions(DatasetId dataset_id, bool include_pending);
  Result<DatasetVersionInfo> GetVersion(VersionId version_id);
  // The committed version holding `record_id`; kNotFound if none.
  Result<DatasetVersionInfo> VersionOfRecord(RecordId record_id);
  Result<SegmentInfo> SegmentOfRecord(RecordId record_id);
  Result<std::vector<SegmentInfo>> SegmentsOf(VersionId version_id);
  Result<int> NextVersionNumber(DatasetId dataset_id);

  // Reserves `count` dense record ids and returns the first.
  Result<uint64_t> ReserveRecordIds(uint64_t count);
  Result<uint64_t> PeekNextRecordId();

  // Inserts a version in state kPending with its segments (one transaction).
  Result<VersionId> InsertPendingVersion(const DatasetVersionInfo& v,
                                         const std::vector<SegmentInfo>& segments);
  Status CommitVersion(VersionId version_id, int64_t log_index);
  // Deletes a pending version and its segments (recovery).
  Status DeletePendingVersion(VersionId version_id);
  // Deletes datasets that are not shredded and have neither a version nor a
  // grant (left by an ingest that never committed). Returns how many.
  Result<int> DeleteEmptyDatasets();

 private:
  explicit Catalog(std::unique_ptr<Db> db);
  Status Migrate(const std::string& location, bool create);
  std::unique_ptr<Db> db_;
  std::function<Status()> hook_;
  PartnerTable partners_;
  MemberTable members_;
  GrantTable grants_;
  ReleaseTable releases_;
  CanaryTable canaries_;
  IncidentTable incidents_;
  AuditTables audits_;
  TokenTable tokens_;
  TaskResultTable task_results_;
};

std::string_view VersionStateName(VersionState s);

}  // namespace custody::store
