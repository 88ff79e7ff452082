#include "custody/store/catalog.h"

#include <algorithm>
#include <cstdlib>

#include "custody/store/internal/table_util.h"

#include "custody/store/catalog_schema.h"

namespace custody::store {

std::string_view VersionStateName(VersionState s) {
  return s == VersionState::kPending ? "pending" : "committed";
}

Catalog::Catalog(std::unique_ptr<Db> db)
    : db_(std::move(db)),
      partners_(db_.get()),
      members_(db_.get()),
      grants_(db_.get()),
      releases_(db_.get()),
      canaries_(db_.get()),
      incidents_(db_.get()),
      audits_(db_.get()),
      tokens_(db_.get()),
      task_results_(db_.get()) {}

Status Catalog::Transaction(const std::function<Status()>& fn) {
  if (!hook_) return InTransaction(*db_, fn);
  return InTransaction(*db_, [&]() -> Status {
    CUSTODY_RETURN_IF_ERROR(hook_());
    return fn();
  });
}

Result<int> Catalog::DeleteEmptyDatasets() {
  CUSTODY_RETURN_IF_ERROR(db_->Exec(
      "DELETE FROM datasets WHERE shredded_at IS NULL AND id NOT IN "
      "(SELECT dataset_id FROM dataset_versions) AND id NOT IN (SELECT dataset_id FROM grants)"));
  return db_->Changes();
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& location, bool create) {
  CUSTODY_ASSIGN_OR_RETURN(auto db, Db::Open(location, create));
  auto c = std::unique_ptr<Catalog>(new Catalog(std::move(db)));
  CUSTODY_RETURN_IF_ERROR(c->Migrate(location, create));
  return c;
}

Result<int> Catalog::SchemaVersion() { return db_->SchemaVersion(); }

SqlDialect Catalog::dialect() const { return db_->dialect(); }

Status Catalog::Migrate(const std::string& location, bool create) {
  // Both backends reach the same latest version (catalog_schema.h).
  constexpr int kLatest = static_cast<int>(std::size(kCatalogMigrations));
  static_assert(kLatest == kCatalogSchemaVersion);
  static_assert(kPostgresBaselineVersion + std::size(kPostgresCatalogMigrations) ==
                kCatalogSchemaVersion);
  CUSTODY_ASSIGN_OR_RETURN(int v, SchemaVersion());
  if (v > kLatest) {
    return FailedPreconditionError("catalog schema version " + std::to_string(v) +
                                   " is newer than this custody supports (" +
                                   std::to_string(kLatest) + "); upgrade custody");
  }
  const bool pg = db_->dialect() == SqlDialect::kPostgres;
  if (pg && v == 0) {
    if (!create) {
      return NotFoundError(RedactCatalogLocation(location) +
                           ": expected a custody catalog, found a database without one");
    }
    CUSTODY_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> Status {
      CUSTODY_ASSIGN_OR_RETURN(v, SchemaVersion());
      if (v != 0) return OkStatus();  // another process created it first
      CUSTODY_RETURN_IF_ERROR(db_->Exec(kPostgresCatalogBaseline));
      v = kPostgresBaselineVersion;
      return db_->SetSchemaVersion(v);
    }));
  }
  if (pg && v < kPostgresBaselineVersion) {
    return DataLossError(RedactCatalogLocation(location) + ": schema version: expected " +
                         std::to_string(kPostgresBaselineVersion) + " or later, found " +
                         std::to_string(v));
  }
  // One transaction per step. The version is read again under the write
  // lock: another process sharing the catalog may have migrated it since.
  while (v < kLatest) {
    CUSTODY_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> Status {
      CUSTODY_ASSIGN_OR_RETURN(v, SchemaVersion());
      if (v >= kLatest) return OkStatus();
      const char* sql =
          pg ? kPostgresCatalogMigrations[static_cast<size_t>(v - kPostgresBaselineVersion)]
             : kCatalogMigrations[v];
      CUSTODY_RETURN_IF_ERROR(db_->Exec(sql));
      ++v;
      return db_->SetSchemaVersion(v);
    }));
  }
  return OkStatus();
}

Result<std::optional<std::string>> Catalog::GetMeta(const std::string& key) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT value FROM meta WHERE key = ?"));
  st.Bind(1, key);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status Catalog::ReserveIdsThrough(std::string_view table, int64_t id) {
  static constexpr std::string_view kTables[] = {"partners", "members",   "grants",
                                                 "releases", "incidents", "datasets"};
  if (std::find(std::begin(kTables), std::end(kTables), table) == std::end(kTables)) {
    return InvalidArgumentError("catalog: no id floor for table '" + std::string(table) + "'");
  }
  const std::string key = "id_floor." + std::string(table);
  CUSTODY_ASSIGN_OR_RETURN(auto old, GetMeta(key));
  if (old && std::strtoll(old->c_str(), nullptr, 10) >= id) return OkStatus();
  return SetMeta(key, std::to_string(id));
}

Status Catalog::SetMeta(const std::string& key, const std::string& value) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO meta(key, value) VALUES (?, ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st.Bind(1, key).Bind(2, value);
  return st.Run();
}

static DatasetInfo ReadDataset(const Stmt& st) {
  DatasetInfo d;
  d.id = st.IdAt<DatasetId>(0);
  d.name = st.Text(1);
  d.created_at = st.TimeAt(2);
  d.shredded_at = st.OptionalTimeAt(3);
  return d;
}

Result<std::optional<DatasetInfo>> Catalog::FindDataset(const std::string& name) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT id, name, created_at, shredded_at FROM datasets WHERE name = ?"));
  st.Bind(1, name);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<DatasetInfo>();
  return std::optional<DatasetInfo>(ReadDataset(st));
}

Result<DatasetInfo> Catalog::GetOrCreateDataset(const std::string& name, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(auto found, FindDataset(name));
  if (found) return *found;
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("INSERT INTO datasets(id, name, created_at) VALUES (" +
                                        internal::NextIdSql("datasets") + ", ?, ?) RETURNING id"));
  st.Bind(1, name).Bind(2, now);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  DatasetInfo d;
  d.id = DatasetId(id);
  d.name = name;
  d.created_at = now;
  return d;
}

Result<std::vector<DatasetInfo>> Catalog::ListDatasets() {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT id, name, created_at, shredded_at FROM datasets ORDER BY name"));
  std::vector<DatasetInfo> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadDataset(st));
  }
  return out;
}

Status Catalog::MarkDatasetShredded(DatasetId dataset_id, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE datasets SET shredded_at = ? WHERE id = ?"));
  st.Bind(1, now).Bind(2, dataset_id);
  return st.Run();
}

static constexpr const char* kVersionColumns =
    "v.id, v.dataset_id, d.name, v.version, v.state, v.created_at, v.records, v.duplicates, "
    "v.skipped, v.input_bytes, v.stored_bytes, v.first_record_id, v.merkle_root, v.dir, "
    "v.index_file, v.text_fields, v.sources, v.log_index, d.shredded_at "
    "FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id ";

static DatasetVersionInfo ReadVersion(const Stmt& st) {
  DatasetVersionInfo v;
  v.id = st.IdAt<VersionId>(0);
  v.dataset_id = st.IdAt<DatasetId>(1);
  v.dataset = st.Text(2);
  v.version = static_cast<int>(st.Int(3));
  v.state = st.Text(4) == "committed" ? VersionState::kCommitted : VersionState::kPending;
  v.created_at = st.TimeAt(5);
  v.records = st.Int(6);
  v.duplicates = st.Int(7);
  v.skipped = st.Int(8);
  v.input_bytes = st.Int(9);
  v.stored_bytes = st.Int(10);
  v.first_record_id = static_cast<uint64_t>(st.Int(11));
  v.merkle_root = st.Text(12);
  v.dir = st.Text(13);
  v.index_file = st.Text(14);
  v.text_fields = st.Text(15);
  v.sources = st.Text(16);
  if (!st.IsNull(17)) v.log_index = st.Int(17);
  v.shredded_at = st.OptionalTimeAt(18);
  return v;
}

Result<std::vector<DatasetVersionInfo>> Catalog::ListVersions(DatasetId dataset_id,
                                                              bool include_pending) {
  std::string sql = std::string("SELECT ") + kVersionColumns + "WHERE (? = 0 OR v.dataset_id = ?)";
  if (!include_pending) sql += " AND v.state = 'committed'";
  sql += " ORDER BY d.name, v.version";
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  st.Bind(1, dataset_id).Bind(2, dataset_id);
  std::vector<DatasetVersionInfo> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadVersion(st));
  }
  return out;
}

Result<DatasetVersionInfo> Catalog::GetVersion(VersionId version_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare(std::string("SELECT ") + kVersionColumns + "WHERE v.id = ?"));
  st.Bind(1, version_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("dataset version " + ToString(version_id) + " not found");
  return ReadVersion(st);
}

Result<DatasetVersionInfo> Catalog::VersionOfRecord(RecordId record_id) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare(std::string("SELECT ") + kVersionColumns +
                            "WHERE v.state = 'committed' AND v.first_record_id <= ? "
                            "ORDER BY v.first_record_id DESC LIMIT 1"));
  st.Bind(1, record_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) {
    DatasetVersionInfo v = ReadVersion(st);
    if (record_id.value() < v.first_record_id + static_cast<uint64_t>(v.records)) return v;
  }
  return NotFoundError("record " + ToString(record_id) + " is not in the vault");
}

static SegmentInfo ReadSegment(const Stmt& st) {
  SegmentInfo s;
  s.version_id = st.IdAt<VersionId>(0);
  s.seq = static_cast<int>(st.Int(1));
  s.first_record_id = static_cast<uint64_t>(st.Int(2));
  s.count = static_cast<uint32_t>(st.Int(3));
  s.file = st.Text(4);
  s.bytes = st.Int(5);
  return s;
}

Result<SegmentInfo> Catalog::SegmentOfRecord(RecordId record_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto v, VersionOfRecord(record_id));
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT version_id, seq, first_record_id, count, file, bytes FROM "
                            "segments WHERE version_id = ? AND first_record_id <= ? "
                            "ORDER BY first_record_id DESC LIMIT 1"));
  st.Bind(1, v.id).Bind(2, record_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) {
    SegmentInfo s = ReadSegment(st);
    if (record_id.value() < s.first_record_id + s.count) return s;
  }
  return DataLossError("catalog: no segment holds record " + ToString(record_id));
}

Result<std::vector<SegmentInfo>> Catalog::SegmentsOf(VersionId version_id) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT version_id, seq, first_record_id, count, file, bytes FROM "
                            "segments WHERE version_id = ? ORDER BY seq"));
  st.Bind(1, version_id);
  std::vector<SegmentInfo> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadSegment(st));
  }
  return out;
}

Result<Catalog::ReleasedCopies> Catalog::ReleasedCopiesOf(DatasetId dataset_id) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT COUNT(*), COALESCE(SUM(r.records), 0), COUNT(DISTINCT r.member_id) "
                            "FROM releases r JOIN grants g ON g.id = r.grant_id "
                            "WHERE g.dataset_id = ?"));
  st.Bind(1, dataset_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  ReleasedCopies out;
  if (!row) return out;
  out.releases = static_cast<uint64_t>(st.Int(0));
  out.records = static_cast<uint64_t>(st.Int(1));
  out.members = static_cast<uint64_t>(st.Int(2));
  return out;
}

Result<int> Catalog::NextVersionNumber(DatasetId dataset_id) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT COALESCE(MAX(version), 0) FROM dataset_versions WHERE dataset_id = ?"));
  st.Bind(1, dataset_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  (void)row;
  return static_cast<int>(st.Int(0)) + 1;
}

Result<uint64_t> Catalog::PeekNextRecordId() {
  CUSTODY_ASSIGN_OR_RETURN(auto v, GetMeta("next_record_id"));
  if (!v) return DataLossError("catalog: meta.next_record_id is missing");
  return static_cast<uint64_t>(std::stoull(*v));
}

Result<uint64_t> Catalog::ReserveRecordIds(uint64_t count) {
  CUSTODY_ASSIGN_OR_RETURN(uint64_t first, PeekNextRecordId());
  CUSTODY_RETURN_IF_ERROR(SetMeta("next_record_id", std::to_string(first + count)));
  return first;
}

Result<VersionId> Catalog::InsertPendingVersion(const DatasetVersionInfo& v,
                                                const std::vector<SegmentInfo>& segments) {
  VersionId id;
  CUSTODY_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st,
                             db_->Prepare("INSERT INTO dataset_versions(id, dataset_id, version, "
                                          "state, created_at, records, "
                                          "duplicates, skipped, input_bytes, stored_bytes, "
                                          "first_record_id, merkle_root, "
                                          "dir, index_file, text_fields, sources) VALUES (" +
                                          internal::NextRowIdSql("dataset_versions") +
                                          ", ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                          "RETURNING id"));
    st.Bind(1, v.dataset_id)
        .Bind(2, static_cast<int64_t>(v.version))
        .Bind(3, v.created_at)
        .Bind(4, v.records)
        .Bind(5, v.duplicates)
        .Bind(6, v.skipped)
        .Bind(7, v.input_bytes)
        .Bind(8, v.stored_bytes)
        .Bind(9, static_cast<int64_t>(v.first_record_id))
        .Bind(10, v.merkle_root)
        .Bind(11, v.dir)
        .Bind(12, v.index_file)
        .Bind(13, v.text_fields)
        .Bind(14, v.sources);
    CUSTODY_ASSIGN_OR_RETURN(int64_t new_id, InsertReturningId(st));
    id = VersionId(new_id);
    CUSTODY_ASSIGN_OR_RETURN(
        auto seg, db_->Prepare("INSERT INTO segments(version_id, seq, first_record_id, count, "
                               "file, bytes) VALUES (?, ?, ?, ?, ?, ?)"));
    for (const auto& s : segments) {
      seg.Bind(1, id)
          .Bind(2, static_cast<int64_t>(s.seq))
          .Bind(3, static_cast<int64_t>(s.first_record_id))
          .Bind(4, static_cast<int64_t>(s.count))
          .Bind(5, s.file)
          .Bind(6, s.bytes);
      CUSTODY_RETURN_IF_ERROR(seg.Run());
    }
    // Record ids are reserved in the same transaction, so a rolled-back
    // version never leaves a gap that another version could collide with.
    CUSTODY_ASSIGN_OR_RETURN(uint64_t next, PeekNextRecordId());
    uint64_t end = v.first_record_id + static_cast<uint64_t>(v.records);
    if (v.first_record_id != next) {
      return AbortedError("catalog: record ids moved during ingest (expected " +
                          std::to_string(v.first_record_id) + ", next is " +
                          std::to_string(next) + ")");
    }
    return SetMeta("next_record_id", std::to_string(end));
  }));
  return id;
}

Status Catalog::CommitVersion(VersionId version_id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE dataset_versions SET state = 'committed', "
                                        "log_index = ? WHERE id = ? AND state = 'pending'"));
  st.Bind(1, log_index).Bind(2, version_id);
  CUSTODY_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() != 1) {
    return FailedPreconditionError("dataset version " + ToString(version_id) +
                                   " is not pending");
  }
  return OkStatus();
}

Status Catalog::DeletePendingVersion(VersionId version_id) {
  return InTransaction(*db_, [&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto s1, db_->Prepare("DELETE FROM segments WHERE version_id = ?"));
    s1.Bind(1, version_id);
    CUSTODY_RETURN_IF_ERROR(s1.Run());
    CUSTODY_ASSIGN_OR_RETURN(
        auto s2, db_->Prepare("DELETE FROM dataset_versions WHERE id = ? AND state = 'pending'"));
    s2.Bind(1, version_id);
    return s2.Run();
  });
}

}  // namespace custody::store
