// Releases and canaries: the catalog rows; see release_tables.h.
#include "custody/store/release_tables.h"

#include "custody/store/internal/table_util.h"
#include "custody/store/sql.h"

namespace custody::store {
namespace {

using internal::All;

Result<ReleaseHolding> ReadHolding(const Stmt& st) {
  ReleaseHolding h;
  ReleaseRow& r = h.release;
  r.id = st.IdAt<ReleaseId>(0);
  r.grant_id = st.IdAt<GrantId>(1);
  r.member_id = st.IdAt<MemberId>(2);
  r.created_at = st.TimeAt(3);
  r.format = st.Text(4);
  r.encrypted = st.Int(5) != 0;
  r.records = static_cast<uint64_t>(st.Int(6));
  r.canaries = static_cast<uint64_t>(st.Int(7));
  r.record_bitmap = st.Blob(8);
  r.bitmap_hash = st.Text(9);
  r.params_hash = st.Text(10);
  r.file_hash = st.Text(11);
  r.out_path = st.Text(12);
  r.log_index = internal::OptionalInt(st, 13);
  h.partner_id = st.IdAt<PartnerId>(14);
  h.dataset = st.Text(15);
  h.version_id = st.IdAt<VersionId>(16);
  h.version = static_cast<int>(st.Int(17));
  h.selection_json = st.Text(18);
  return h;
}

Result<CanaryRow> ReadCanary(const Stmt& st) {
  CanaryRow c;
  c.id = st.IdAt<CanaryId>(0);
  c.release_id = st.IdAt<ReleaseId>(1);
  c.member_id = st.IdAt<MemberId>(2);
  c.source_record_id = st.IdAt<RecordId>(3);
  c.sealed = st.Blob(4);
  if (!st.IsNull(5)) c.content_tag = st.Blob(5);
  return c;
}

}  // namespace

Result<ReleaseId> ReleaseTable::Insert(const ReleaseRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("INSERT INTO releases(id, grant_id, member_id, created_at, "
                                        "format, encrypted, records, canaries, "
                                        "record_bitmap, bitmap_hash, params_hash, file_hash, "
                                        "out_path, log_index) "
                                        "VALUES (" +
                                        internal::NextIdSql("releases") +
                                        ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.grant_id)
      .Bind(2, row.member_id)
      .Bind(3, row.created_at)
      .Bind(4, row.format)
      .Bind(5, int64_t{row.encrypted})
      .Bind(6, static_cast<int64_t>(row.records))
      .Bind(7, static_cast<int64_t>(row.canaries))
      .BindBlob(8, row.record_bitmap)
      .Bind(9, row.bitmap_hash)
      .Bind(10, row.params_hash)
      .Bind(11, row.file_hash)
      .Bind(12, row.out_path)
      .Bind(13, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return ReleaseId(id);
}

Status ReleaseTable::ChangedOne(ReleaseId id) {
  if (db_->Changes() != 1) return NotFoundError("no release with id " + ToString(id));
  return OkStatus();
}

Status ReleaseTable::SetCanaries(ReleaseId id, uint64_t canaries, std::string_view params_hash) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("UPDATE releases SET canaries = ?, params_hash = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(
      st.Bind(1, static_cast<int64_t>(canaries)).Bind(2, params_hash).Bind(3, id).Run());
  return ChangedOne(id);
}

Status ReleaseTable::SetLogIndex(ReleaseId id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE releases SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, id).Run());
  return ChangedOne(id);
}

Status ReleaseTable::SetFileHash(ReleaseId id, std::string_view file_hash) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE releases SET file_hash = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, file_hash).Bind(2, id).Run());
  return ChangedOne(id);
}

Result<std::vector<ReleaseHolding>> ReleaseTable::Holdings(const ReleaseFilter& f) {
  // One release is looked up by its key: the planner cannot use the key for
  // "(?4 = 0 OR r.id = ?4)", and a scan per release made a loop over the
  // releases quadratic (vault check, answers to tasks).
  const std::string by_id = f.release_id.valid() ? "r.id = ?4 AND " : "";
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT r.id, r.grant_id, r.member_id, r.created_at, r.format, "
                            "r.encrypted, r.records, "
                            "r.canaries, r.record_bitmap, r.bitmap_hash, r.params_hash, "
                            "r.file_hash, r.out_path, "
                            "r.log_index, m.partner_id, d.name, v.id, v.version, g.selection "
                            "FROM releases r JOIN grants g ON g.id = r.grant_id "
                            "JOIN dataset_versions v ON v.id = g.version_id JOIN datasets d ON "
                            "d.id = v.dataset_id "
                            "JOIN members m ON m.id = r.member_id "
                            "WHERE " + by_id + "(CAST(?1 AS BIGINT) IS NULL OR r.created_at <= ?1) AND (?2 = "
                            "0 OR r.member_id = ?2) "
                            "AND (?3 = 0 OR m.partner_id = ?3) AND (?4 = 0 OR r.id = ?4) "
                            "AND r.id > ?5 ORDER BY r.created_at, r.id"));
  st.Bind(1, f.at).Bind(2, f.member_id).Bind(3, f.partner_id).Bind(4, f.release_id)
      .Bind(5, f.after_id);
  return All<ReleaseHolding>(st, ReadHolding);
}

Result<ReleaseId> ReleaseTable::LastId() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT COALESCE(MAX(id), 0) FROM releases"));
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return ReleaseId();
  return ReleaseId(st.Int(0));
}

Result<CanaryId> CanaryTable::Insert(const CanaryRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO canaries(id, release_id, member_id, "
                            "source_record_id, sealed, content_tag) "
                            "VALUES (" +
                            internal::NextRowIdSql("canaries") + ", ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.release_id).Bind(2, row.member_id)
      .Bind(3, row.source_record_id).BindBlob(4, row.sealed);
  if (row.content_tag) {
    st.BindBlob(5, *row.content_tag);
  } else {
    st.BindNull(5);
  }
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return CanaryId(id);
}

Result<bool> CanaryTable::TagExists(std::string_view content_tag) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT 1 FROM canaries WHERE content_tag = ? LIMIT 1"));
  st.BindBlob(1, content_tag);
  return st.Step();
}

Result<std::vector<CanaryRow>> CanaryTable::List(bool untagged_only) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT id, release_id, member_id, source_record_id, sealed, content_tag FROM canaries "
      "WHERE ?1 = 0 OR content_tag IS NULL ORDER BY id"));
  st.Bind(1, int64_t{untagged_only});
  return All<CanaryRow>(st, ReadCanary);
}

Status CanaryTable::SetTag(CanaryId id, std::string_view content_tag) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE canaries SET content_tag = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.BindBlob(1, content_tag).Bind(2, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no canary with id " + ToString(id));
  return OkStatus();
}

Result<uint64_t> CanaryTable::EraseSealedFrom(uint64_t first_record_id, uint64_t count) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE canaries SET sealed = ? WHERE "
                                                 "source_record_id >= ? AND source_record_id < ? "
                                                 "AND length(sealed) > 0"));
  CUSTODY_RETURN_IF_ERROR(st.BindBlob(1, "")
                              .Bind(2, static_cast<int64_t>(first_record_id))
                              .Bind(3, static_cast<int64_t>(first_record_id + count))
                              .Run());
  return static_cast<uint64_t>(db_->Changes());
}

}  // namespace custody::store
