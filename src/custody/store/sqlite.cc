#include "custody/store/sqlite.h"

#include <sqlite3.h>

#include <string>
#include <unordered_map>

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

// Where a finished statement goes back to be run again (SqliteDb's cache).
class StmtCache {
 public:
  virtual ~StmtCache() = default;
  // Takes `stmt` (reset, binds cleared) for a later Prepare of `sql`.
  virtual void Return(std::string sql, sqlite3_stmt* stmt) = 0;
};

class SqliteStmt final : public StmtBackend {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt, StmtCache* cache, std::string sql)
      : db_(db), stmt_(stmt), cache_(cache), sql_(std::move(sql)) {}
  ~SqliteStmt() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    cache_->Return(std::move(sql_), stmt_);
  }

  void BindInt(int i, int64_t v) override { sqlite3_bind_int64(stmt_, i, v); }
  void BindText(int i, std::string_view t) override {
    sqlite3_bind_text(stmt_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, std::string_view b) override {
    sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int i) override { sqlite3_bind_null(stmt_, i); }
  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, sqlite3_sql(stmt_));
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const override {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    if (t == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(t),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::string Blob(int col) const override {
    const void* b = sqlite3_column_blob(stmt_, col);
    if (b == nullptr) return {};
    return std::string(static_cast<const char*>(b),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  StmtCache* cache_;
  std::string sql_;
};

// Prepared statements are kept after use, by their SQL text, and handed out
// again (reset, binds cleared) by the next Prepare of the same text:
// parsing and planning a statement cost more than running most of the
// catalog's. At most kMaxIdle are kept; a statement in use is never shared
// (a second Prepare of the same text while the first is alive prepares
// another).
class SqliteDb final : public Db, public StmtCache {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override {
    for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }

  Status Exec(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "error";
      sqlite3_free(err);
      return SqlError(db_, m);
    }
    return OkStatus();
  }

  Result<Stmt> Prepare(std::string_view sql) override {
    std::string text(sql);
    if (auto it = idle_.find(text); it != idle_.end()) {
      sqlite3_stmt* st = it->second;
      idle_.erase(it);
      return Stmt(std::make_unique<SqliteStmt>(db_, st, this, std::move(text)));
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) !=
        SQLITE_OK) {
      return SqlError(db_, text);
    }
    return Stmt(std::make_unique<SqliteStmt>(db_, st, this, std::move(text)));
  }

  int Changes() const override { return sqlite3_changes(db_); }
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override { Exec("ROLLBACK").IgnoreError(); }

  Result<int> SchemaVersion() override {
    CUSTODY_ASSIGN_OR_RETURN(auto st, Prepare("PRAGMA user_version"));
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return InternalError("catalog: no user_version");
    return static_cast<int>(st.Int(0));
  }
  Status SetSchemaVersion(int version) override {
    return Exec("PRAGMA user_version = " + std::to_string(version));
  }

 private:
  static constexpr size_t kMaxIdle = 512;
  void Return(std::string sql, sqlite3_stmt* stmt) override {
    if (idle_.size() >= kMaxIdle) {
      sqlite3_finalize(stmt);
      return;
    }
    idle_.emplace(std::move(sql), stmt);
  }

  sqlite3* db_;
  std::unordered_multimap<std::string, sqlite3_stmt*> idle_;
};

}  // namespace

Result<std::unique_ptr<Db>> OpenSqliteDb(const std::string& path, bool create) {
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
  std::unique_ptr<Db> out = std::make_unique<SqliteDb>(db);
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA journal_mode=WAL"));
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA synchronous=FULL"));
  CUSTODY_RETURN_IF_ERROR(out->Exec("PRAGMA foreign_keys=ON"));
  return out;
}

}  // namespace custody::store
