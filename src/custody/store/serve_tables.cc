// Tokens and task results: the catalog rows; see serve_tables.h.
#include "custody/store/serve_tables.h"

#include "custody/store/internal/table_util.h"
#include "custody/store/sql.h"

namespace custody::store {
namespace {

constexpr std::string_view kRoleNames[] = {"member", "admin", "auditor"};

constexpr char kTokenSelect[] =
    "SELECT id, role, member_id, token_hash, created_at, expires_at, revoked_at, log_index "
    "FROM tokens ";

std::optional<Time> OptionalTime(const Stmt& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.TimeAt(col);
}

Result<TokenRow> ReadToken(const Stmt& st) {
  TokenRow t;
  t.id = st.IdAt<TokenId>(0);
  CUSTODY_ASSIGN_OR_RETURN(t.role, internal::ParseStatus<TokenRole>(kRoleNames, "tokens",
                                                                    t.id.value(), st.Text(1)));
  if (!st.IsNull(2)) t.member_id = st.IdAt<MemberId>(2);
  t.token_hash = st.Text(3);
  t.created_at = st.TimeAt(4);
  t.expires_at = OptionalTime(st, 5);
  t.revoked_at = OptionalTime(st, 6);
  t.log_index = internal::OptionalInt(st, 7);
  return t;
}

constexpr char kResultSelect[] =
    "SELECT id, release_id, member_id, record_id, created_at, sealed, answer_hash, log_index "
    "FROM task_results ";

Result<TaskResultRow> ReadResult(const Stmt& st) {
  TaskResultRow r;
  r.id = st.IdAt<TaskResultId>(0);
  r.release_id = st.IdAt<ReleaseId>(1);
  r.member_id = st.IdAt<MemberId>(2);
  r.record_id = st.IdAt<RecordId>(3);
  r.created_at = st.TimeAt(4);
  r.sealed = st.Blob(5);
  r.answer_hash = st.Text(6);
  r.log_index = internal::OptionalInt(st, 7);
  return r;
}

}  // namespace

std::string_view TokenRoleName(TokenRole r) { return kRoleNames[static_cast<int>(r)]; }

Result<TokenRole> ParseTokenRole(std::string_view name) {
  for (size_t i = 0; i < std::size(kRoleNames); ++i) {
    if (kRoleNames[i] == name) return static_cast<TokenRole>(i);
  }
  return InvalidArgumentError("role: expected member, admin or auditor, found '" +
                              std::string(name) + "'");
}

Result<TokenId> TokenTable::Insert(const TokenRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO tokens(id, role, member_id, "
                            "token_hash, created_at, expires_at, revoked_at, "
                            "log_index) VALUES (" +
                            internal::NextIdSql("tokens") + ", ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, TokenRoleName(row.role))
      .Bind(2, row.member_id)
      .Bind(3, row.token_hash)
      .Bind(4, row.created_at)
      .Bind(5, row.expires_at)
      .Bind(6, row.revoked_at)
      .Bind(7, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return TokenId(id);
}

Status TokenTable::SetLogIndex(TokenId id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE tokens SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no token " + ToString(id));
  return OkStatus();
}

Status TokenTable::SetRevoked(TokenId id, Time at) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE tokens SET revoked_at = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, at).Bind(2, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no token " + ToString(id));
  return OkStatus();
}

Result<std::optional<TokenRow>> TokenTable::Get(TokenId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kTokenSelect) + "WHERE id = ?"));
  st.Bind(1, id);
  return internal::One<TokenRow>(st, ReadToken);
}

Result<std::optional<TokenRow>> TokenTable::FindByHash(std::string_view token_hash) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kTokenSelect) + "WHERE token_hash = ?"));
  st.Bind(1, token_hash);
  return internal::One<TokenRow>(st, ReadToken);
}

Result<std::vector<TokenRow>> TokenTable::List() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kTokenSelect) + "ORDER BY id"));
  return internal::All<TokenRow>(st, ReadToken);
}

Result<TaskResultId> TaskResultTable::Insert(const TaskResultRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO task_results(id, release_id, "
                                                 "member_id, record_id, created_at, sealed, "
                                                 "answer_hash, log_index) VALUES (" +
                                                 internal::NextIdSql("task_results") +
                                                 ", ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.release_id).Bind(2, row.member_id)
      .Bind(3, static_cast<int64_t>(row.record_id.value())).Bind(4, row.created_at);
  st.BindBlob(5, row.sealed);
  st.Bind(6, row.answer_hash).Bind(7, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return TaskResultId(id);
}

Status TaskResultTable::SetLogIndex(TaskResultId id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE task_results SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no task result " + ToString(id));
  return OkStatus();
}

Result<std::vector<TaskResultRow>> TaskResultTable::OfTask(ReleaseId release_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kResultSelect) +
                                                 "WHERE release_id = ? ORDER BY id"));
  st.Bind(1, release_id);
  return internal::All<TaskResultRow>(st, ReadResult);
}

}  // namespace custody::store
