// The catalog's SQL backend interface: a database connection (Db) and its
// prepared statements (Stmt), returning Status instead of result codes or
// exceptions. Two implementations: SQLite (sqlite.h, the embedded default)
// and PostgreSQL (postgres.h, through libpqxx). The typed tables above it
// write one SQL text for both: `?` and `?N` placeholders, `RETURNING id`
// for new ids, and only the SQL both dialects read alike
// (docs/formats/catalog.md, "Two backends"). Used only by the catalog.
// Thread-safety: a Db and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"

namespace custody::store {

enum class SqlDialect { kSqlite, kPostgres };

// What a backend's statement does; Stmt forwards to it.
class StmtBackend {
 public:
  virtual ~StmtBackend() = default;
  virtual void BindInt(int i, int64_t v) = 0;
  virtual void BindText(int i, std::string_view text) = 0;
  virtual void BindBlob(int i, std::string_view bytes) = 0;
  virtual void BindNull(int i) = 0;
  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::string Text(int col) const = 0;
  virtual std::string Blob(int col) const = 0;
  virtual bool IsNull(int col) const = 0;
};

// A prepared statement. Binds are 1-based; `?N` in the SQL names bind N.
// It must not outlive the Db that prepared it.
class Stmt {
 public:
  explicit Stmt(std::unique_ptr<StmtBackend> impl) : impl_(std::move(impl)) {}
  Stmt(Stmt&&) noexcept = default;
  Stmt& operator=(Stmt&&) noexcept = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v) {
    impl_->BindInt(i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view text) {
    impl_->BindText(i, text);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view bytes) {
    impl_->BindBlob(i, bytes);
    return *this;
  }
  Stmt& BindNull(int i) {
    impl_->BindNull(i);
    return *this;
  }
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

  // Advances; returns true if a row is available, false when done. The first
  // Step runs the statement with the current binds.
  Result<bool> Step() { return impl_->Step(); }
  // Steps to completion, expecting no rows, then resets.
  Status Run() {
    CUSTODY_ASSIGN_OR_RETURN(bool row, Step());
    (void)row;
    Reset();
    return OkStatus();
  }
  // Makes the statement runnable again and clears its binds.
  void Reset() { impl_->Reset(); }

  // Column values of the current row (0-based); NULL reads as 0 or "".
  int64_t Int(int col) const { return impl_->Int(col); }
  std::string Text(int col) const { return impl_->Text(col); }
  std::string Blob(int col) const { return impl_->Blob(col); }
  bool IsNull(int col) const { return impl_->IsNull(col); }
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
  std::unique_ptr<StmtBackend> impl_;
};

// A connection to one catalog database.
class Db {
 public:
  // Opens the catalog database at `location`: a libpq connection URI
  // (postgresql://... or postgres://...) or else a SQLite file path. For
  // SQLite, `create` creates a missing file; kNotFound if it is missing and
  // not `create`. kUnimplemented for a URI when custody was built without
  // PostgreSQL support.
  static Result<std::unique_ptr<Db>> Open(const std::string& location, bool create);

  virtual ~Db() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs one or more statements without parameters.
  virtual Status Exec(std::string_view sql) = 0;
  virtual Result<Stmt> Prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE that ran to completion.
  virtual int Changes() const = 0;
  // Begins a write transaction that serializes with every other writer of
  // the catalog, in this process or another: SQLite BEGIN IMMEDIATE;
  // PostgreSQL BEGIN and the catalog's transaction-scoped advisory lock.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // The schema version stored in the database (0 for an empty one), and
  // setting it (inside the migration's transaction).
  virtual Result<int> SchemaVersion() = 0;
  virtual Status SetSchemaVersion(int version) = 0;
};

// True if `location` names a PostgreSQL catalog (a postgresql:// or
// postgres:// URI).
bool IsPostgresLocation(std::string_view location);
// True if custody was built with the PostgreSQL backend (libpqxx).
bool PostgresSupported();
// True if the URI `location` carries a password (in its user information
// or as a password= parameter).
bool CatalogLocationHasPassword(std::string_view location);
// `location` fit for messages and files: a URI's password, wherever it is
// given, becomes "***"; a file path is returned as it is.
std::string RedactCatalogLocation(std::string_view location);

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

// Steps an `INSERT ... RETURNING id` to completion and returns the id.
Result<int64_t> InsertReturningId(Stmt& st);

}  // namespace custody::store
