#include "custody/store/sqlite.h"

namespace custody::store {
namespace {
Status SqlError(sqlite3* db, std::string_view what) {
  std::string msg = "catalog: ";
  msg += what;
  msg += ": ";
  msg += sqlite3_errmsg(db);
  int code = sqlite3_errcode(db);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return DataLossError(std::move(msg));
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return UnavailableError(std::move(msg));
  if (code == SQLITE_CONSTRAINT) return AlreadyExistsError(std::move(msg));
  if (code == SQLITE_FULL) return ResourceExhaustedError(std::move(msg));
  return InternalError(std::move(msg));
}
}  // namespace

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view t) {
  sqlite3_bind_text(stmt_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view b) {
  sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(db_, sqlite3_sql(stmt_));
}
Status Stmt::Run() {
  CUSTODY_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  Reset();
  return OkStatus();
}
void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  if (t == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(t),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::string Stmt::Blob(int col) const {
  const void* b = sqlite3_column_blob(stmt_, col);
  if (b == nullptr) return {};
  return std::string(static_cast<const char*>(b),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Db::~Db() { sqlite3_close_v2(db_); }

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = path + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close_v2(db);
    if (rc == SQLITE_CANTOPEN) return NotFoundError(msg);
    return InternalError(msg);
  }
  sqlite3_busy_timeout(db, 10000);
  auto out = std::unique_ptr<Db>(new Db(db));
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA journal_mode=WAL"));
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA synchronous=FULL"));
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA foreign_keys=ON"));
  return out;
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "error";
    sqlite3_free(err);
    return SqlError(db_, m);
  }
  return OkStatus();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, std::string(sql));
  }
  return Stmt(db_, st);
}

int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }
Status Db::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status Db::Commit() { return Exec("COMMIT"); }
void Db::Rollback() { Exec("ROLLBACK").IgnoreError(); }

}  // namespace custody::store
