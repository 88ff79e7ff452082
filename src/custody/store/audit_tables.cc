// Audit submissions, evidence, deletion attestations, sensitivity: the
// catalog rows; see audit_tables.h.
#include "custody/store/audit_tables.h"

#include "custody/store/internal/table_util.h"
#include "custody/store/sql.h"

namespace custody::store {
namespace {

constexpr std::string_view kSensitivityNames[] = {"public", "internal", "confidential",
                                                  "restricted"};

constexpr char kSubmissionSelect[] =
    "SELECT id, partner_id, created_at, control_set, answers, answers_sha256, posture_millis, "
    "grade, knockout_failed, log_index FROM audit_submissions ";

Result<SubmissionRow> ReadSubmission(const Stmt& st) {
  SubmissionRow r;
  r.id = st.IdAt<SubmissionId>(0);
  r.partner_id = st.IdAt<PartnerId>(1);
  r.created_at = st.TimeAt(2);
  r.control_set = st.Text(3);
  r.answers_json = st.Text(4);
  r.answers_sha256 = st.Text(5);
  r.posture_millis = st.Int(6);
  r.grade = st.Text(7);
  if (r.grade.size() != 1 || r.grade[0] < 'A' || r.grade[0] > 'F') {
    return DataLossError(internal::RowName("audit_submissions", r.id.value()) +
                         ": grade: expected A to F, found '" + r.grade + "'");
  }
  r.knockout_failed = st.Int(8) != 0;
  r.log_index = internal::OptionalInt(st, 9);
  return r;
}

constexpr char kAttestationSelect[] =
    "SELECT id, partner_id, release_id, grant_id, created_at, file_name, sha256, bytes, sealed, "
    "log_index FROM deletion_attestations ";

Result<AttestationRow> ReadAttestation(const Stmt& st) {
  AttestationRow r;
  r.id = st.IdAt<AttestationId>(0);
  r.partner_id = st.IdAt<PartnerId>(1);
  if (!st.IsNull(2)) r.release_id = st.IdAt<ReleaseId>(2);
  if (!st.IsNull(3)) r.grant_id = st.IdAt<GrantId>(3);
  r.created_at = st.TimeAt(4);
  r.file_name = st.Text(5);
  r.sha256 = st.Text(6);
  r.bytes = st.Int(7);
  r.sealed = st.Blob(8);
  r.log_index = internal::OptionalInt(st, 9);
  if (r.release_id.valid() == r.grant_id.valid()) {
    return DataLossError(internal::RowName("deletion_attestations", r.id.value()) +
                         ": expected exactly one of release_id and grant_id");
  }
  return r;
}

}  // namespace

std::string_view SensitivityName(Sensitivity s) {
  return kSensitivityNames[static_cast<size_t>(s)];
}

Result<Sensitivity> ParseSensitivity(std::string_view word) {
  for (size_t i = 0; i < std::size(kSensitivityNames); ++i) {
    if (kSensitivityNames[i] == word) return static_cast<Sensitivity>(i);
  }
  return InvalidArgumentError("sensitivity: expected public, internal, confidential or "
                              "restricted, found '" + std::string(word) + "'");
}

Result<SubmissionId> AuditTables::InsertSubmission(const SubmissionRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO audit_submissions(id, partner_id, created_at, "
                            "control_set, answers, answers_sha256, "
                            "posture_millis, grade, knockout_failed, log_index) VALUES (" +
                            internal::NextRowIdSql("audit_submissions") +
                            ", ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.partner_id)
      .Bind(2, row.created_at)
      .Bind(3, row.control_set)
      .Bind(4, row.answers_json)
      .Bind(5, row.answers_sha256)
      .Bind(6, row.posture_millis)
      .Bind(7, row.grade)
      .Bind(8, int64_t{row.knockout_failed ? 1 : 0})
      .Bind(9, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return SubmissionId(id);
}

Status AuditTables::InsertEvidence(const EvidenceRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO audit_evidence(id, submission_id, "
                            "control_id, file_name, sha256, bytes, sealed) "
                            "VALUES (" +
                            internal::NextRowIdSql("audit_evidence") + ", ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, row.submission_id).Bind(2, row.control_id).Bind(3, row.file_name)
      .Bind(4, row.sha256).Bind(5, row.bytes).BindBlob(6, row.sealed);
  return st.Run();
}

Result<std::vector<SubmissionRow>> AuditTables::Submissions(PartnerId partner_id) {
  std::string sql = kSubmissionSelect;
  if (partner_id.valid()) sql += "WHERE partner_id = ? ";
  sql += "ORDER BY created_at, id";
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  if (partner_id.valid()) st.Bind(1, partner_id);
  return internal::All<SubmissionRow>(st, ReadSubmission);
}

Result<std::vector<EvidenceRow>> AuditTables::Evidence(SubmissionId submission_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT id, submission_id, control_id, file_name, sha256, bytes, sealed FROM audit_evidence "
      "WHERE submission_id = ? ORDER BY id"));
  st.Bind(1, submission_id);
  return internal::All<EvidenceRow>(st, [](const Stmt& s) -> Result<EvidenceRow> {
    EvidenceRow r;
    r.id = s.Int(0);
    r.submission_id = s.IdAt<SubmissionId>(1);
    r.control_id = s.Text(2);
    r.file_name = s.Text(3);
    r.sha256 = s.Text(4);
    r.bytes = s.Int(5);
    r.sealed = s.Blob(6);
    return r;
  });
}

Result<AttestationId> AuditTables::InsertAttestation(const AttestationRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("INSERT INTO deletion_attestations(id, partner_id, "
                                        "release_id, grant_id, created_at, file_name, "
                                        "sha256, bytes, sealed, log_index) VALUES (" +
                                        internal::NextRowIdSql("deletion_attestations") +
                                        ", ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.partner_id);
  if (row.release_id.valid()) st.Bind(2, row.release_id); else st.BindNull(2);
  if (row.grant_id.valid()) st.Bind(3, row.grant_id); else st.BindNull(3);
  st.Bind(4, row.created_at).Bind(5, row.file_name).Bind(6, row.sha256).Bind(7, row.bytes)
      .BindBlob(8, row.sealed).Bind(9, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return AttestationId(id);
}

Result<std::vector<AttestationRow>> AuditTables::Attestations(PartnerId partner_id) {
  std::string sql = kAttestationSelect;
  if (partner_id.valid()) sql += "WHERE partner_id = ? ";
  sql += "ORDER BY created_at, id";
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  if (partner_id.valid()) st.Bind(1, partner_id);
  return internal::All<AttestationRow>(st, ReadAttestation);
}

Result<Sensitivity> AuditTables::GetSensitivity(DatasetId dataset_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("SELECT sensitivity FROM datasets WHERE id = ?"));
  st.Bind(1, dataset_id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no dataset with id " + ToString(dataset_id));
  auto s = ParseSensitivity(st.Text(0));
  if (!s.ok()) {
    return DataLossError(internal::RowName("datasets", dataset_id.value()) + ": " +
                         s.status().message());
  }
  return *s;
}

Status AuditTables::SetSensitivity(DatasetId dataset_id, Sensitivity s) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE datasets SET sensitivity = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, SensitivityName(s)).Bind(2, dataset_id).Run());
  if (db_->Changes() != 1) return NotFoundError("no dataset with id " + ToString(dataset_id));
  return OkStatus();
}

}  // namespace custody::store
