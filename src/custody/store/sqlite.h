// A thin RAII wrapper over SQLite (sqlite3 C API) returning Status instead of
// result codes. Used only by the catalog.
// Thread-safety: a Db and its statements belong to one thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "custody/base/status.h"

namespace custody::store {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based like SQLite's.
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, std::string_view text);
  Stmt& BindBlob(int i, std::string_view bytes);
  Stmt& BindNull(int i);
  Stmt& Bind(int i, const std::optional<int64_t>& v);

  // Advances; returns true if a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  void Reset();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  ~Db();
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool create);
  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);
  int64_t LastInsertId() const;
  int Changes() const;
  Status Begin();   // BEGIN IMMEDIATE
  Status Commit();
  void Rollback();

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Runs a transaction: commits if `fn` returns OK, else rolls back.
template <typename Fn>
Status InTransaction(Db& db, Fn&& fn) {
  CUSTODY_RETURN_IF_ERROR(db.Begin());
  Status s = fn();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  s = db.Commit();
  if (!s.ok()) db.Rollback();
  return s;
}

}  // namespace custody::store
