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

#include "custody/base/clock.h"
#include "custody/base/ids.h"
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
  // Typed values: an id binds as its integer, a Time as Unix milliseconds
  // (the catalog's one time unit), nullopt as NULL.
  template <typename Tag, typename Rep>
  Stmt& Bind(int i, Id<Tag, Rep> id) {
    return Bind(i, static_cast<int64_t>(id.value()));
  }
  Stmt& Bind(int i, Time t) { return Bind(i, ToUnixMillis(t)); }
  template <typename T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Advances; returns true if a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  void Reset();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;
  // Typed reads, the inverse of the typed binds; the optional forms read
  // NULL as nullopt.
  template <typename IdT>
  IdT IdAt(int col) const {
    return IdT(static_cast<typename IdT::rep_type>(Int(col)));
  }
  Time TimeAt(int col) const { return FromUnixMillis(Int(col)); }
  template <typename IdT>
  std::optional<IdT> OptionalIdAt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return IdAt<IdT>(col);
  }
  std::optional<Time> OptionalTimeAt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return TimeAt(col);
  }

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
