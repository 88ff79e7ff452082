#include "custody/store/postgres.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <pqxx/pqxx>
#include <string_view>
#include <utility>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/store/internal/catalog_uri.h"

namespace custody::store {
namespace {

// Replaces every occurrence of each password of `uri` in `text` by "***":
// libpq's messages do not quote the password, and this makes sure.
std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3)) {
      text.replace(pos, s.size(), "***");
    }
  }
  return text;
}

// The password values a URI carries, as written in it.
std::vector<std::string> PasswordsOf(const std::string& uri) {
  std::vector<std::string> out;
  for (const auto& [b, e] : internal::PasswordSpans(uri)) out.push_back(uri.substr(b, e - b));
  return out;
}

// One line of a server or libpq message.
std::string OneLine(std::string_view what) {
  std::string out;
  for (char c : what) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Status SqlError(const pqxx::sql_error& e, std::string_view sql) {
  std::string msg = "catalog: ";
  msg += sql;
  msg += ": ";
  msg += OneLine(e.what());
  const std::string& state = e.sqlstate();
  const std::string_view cls = std::string_view(state).substr(0, 2);
  if (cls == "23") return AlreadyExistsError(std::move(msg));  // as SQLITE_CONSTRAINT
  if (state == "40001" || state == "40P01") return AbortedError(std::move(msg));
  if (cls == "08" || cls == "57") return UnavailableError(std::move(msg));
  if (cls == "53") return ResourceExhaustedError(std::move(msg));
  if (state == "XX001" || state == "XX002") return DataLossError(std::move(msg));
  return InternalError(std::move(msg));
}

// True for a statement that only reads (SELECT or VALUES first).
bool ReadsOnly(std::string_view sql) {
  size_t i = sql.find_first_not_of(" \t\r\n(");
  if (i == std::string_view::npos) return true;
  std::string word;
  for (; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
  }
  return word == "SELECT" || word == "VALUES";
}

enum class Kind { kNull, kInt, kText, kBlob };

struct Param {
  Kind kind = Kind::kNull;
  std::string value;
};

class PgDb;

class PgStmt final : public StmtBackend {
 public:
  PgStmt(PgDb* db, std::string sql);
  void BindInt(int i, int64_t v) override { Set(i, Kind::kInt, std::to_string(v)); }
  void BindText(int i, std::string_view t) override { Set(i, Kind::kText, std::string(t)); }
  void BindBlob(int i, std::string_view b) override { Set(i, Kind::kBlob, "\\x" + HexEncode(b)); }
  void BindNull(int i) override { Set(i, Kind::kNull, {}); }
  Result<bool> Step() override;
  void Reset() override {
    result_.reset();
    row_ = -1;
    for (Param& p : params_) p = Param{};
  }
  int64_t Int(int col) const override {
    const pqxx::field f = Field(col);
    if (f.is_null()) return 0;
    int64_t v = 0;
    const char* s = f.c_str();
    std::from_chars(s, s + f.size(), v);
    return v;
  }
  std::string Text(int col) const override {
    const pqxx::field f = Field(col);
    if (f.is_null()) return {};
    return std::string(f.c_str(), f.size());
  }
  std::string Blob(int col) const override {
    const pqxx::field f = Field(col);
    if (f.is_null()) return {};
    std::string_view hex(f.c_str(), f.size());
    if (hex.substr(0, 2) == "\\x") hex.remove_prefix(2);
    auto bytes = HexDecode(hex);
    return bytes.ok() ? *bytes : std::string();
  }
  bool IsNull(int col) const override { return Field(col).is_null(); }

 private:
  void Set(int i, Kind kind, std::string value) {
    if (i < 1) return;
    if (static_cast<size_t>(i) > params_.size()) params_.resize(static_cast<size_t>(i));
    params_[static_cast<size_t>(i - 1)] = Param{kind, std::move(value)};
  }
  pqxx::field Field(int col) const {
    return (*result_)[static_cast<pqxx::result::size_type>(row_)][col];
  }
  // The SQL with `$N::type` in place of each placeholder.
  std::string Render() const;

  PgDb* db_;
  std::string sql_;                // as written, for messages
  std::vector<std::string> text_;  // the SQL between placeholders (one more than refs_)
  std::vector<int> refs_;          // the bind each placeholder names, 1-based
  std::vector<Param> params_;
  std::optional<pqxx::result> result_;
  long row_ = -1;
};

class PgDb final : public Db {
 public:
  PgDb(std::unique_ptr<pqxx::connection> conn, std::vector<std::string> secrets)
      : conn_(std::move(conn)), secrets_(std::move(secrets)) {}
  ~PgDb() override { Rollback(); }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }

  Status Exec(std::string_view sql) override {
    return Run(std::string(sql), {}, !ReadsOnly(sql), sql).status();
  }

  Result<Stmt> Prepare(std::string_view sql) override {
    return Stmt(std::make_unique<PgStmt>(this, std::string(sql)));
  }

  int Changes() const override { return changes_; }

  Status Begin() override {
    if (txn_) return FailedPreconditionError("catalog: a transaction is already open");
    try {
      txn_ = std::make_unique<pqxx::work>(*conn_);
      txn_->exec(LockSql());
      return OkStatus();
    } catch (...) {
      Status s = Caught("BEGIN");
      txn_.reset();
      return s;
    }
  }

  Status Commit() override {
    if (!txn_) return FailedPreconditionError("catalog: no transaction to commit");
    try {
      txn_->commit();
      txn_.reset();
      return OkStatus();
    } catch (...) {
      Status s = Caught("COMMIT");
      txn_.reset();
      return s;
    }
  }

  void Rollback() override {
    if (!txn_) return;
    try {
      txn_->abort();
    } catch (...) {
      // The connection is gone: the server rolls the transaction back.
    }
    txn_.reset();
  }

  Result<int> SchemaVersion() override {
    CUSTODY_ASSIGN_OR_RETURN(pqxx::result has_meta,
                             Run("SELECT to_regclass('meta') IS NOT NULL", {}, false, "schema"));
    if (has_meta.empty() || has_meta[0][0].as<std::string>() != "t") return 0;
    auto r = Run("SELECT value FROM meta WHERE key = 'schema_version'", {}, false, "schema");
    if (!r.ok() || r->empty()) {
      return FailedPreconditionError(
          "catalog: the database has a table 'meta' but no custody "
          "schema_version: expected a "
          "custody catalog or an empty database");
    }
    int v = 0;
    const std::string text = (*r)[0][0].as<std::string>();
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < 0) {
      return DataLossError("catalog meta schema_version: expected a number, found '" + text + "'");
    }
    return v;
  }

  Status SetSchemaVersion(int version) override {
    return Exec("INSERT INTO meta(key, value) VALUES ('schema_version', '" +
                std::to_string(version) +
                "') ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  }

  // Runs `sql` with `params` (nullptr: NULL) in the open transaction, else
  // on its own: a write in a transaction that takes the write lock, a read
  // without one. `what` names the statement in errors.
  Result<pqxx::result> Run(const std::string& sql, const std::vector<const char*>& params,
                           bool write, std::string_view what) {
    try {
      pqxx::result r;
      auto dynamic = pqxx::prepare::make_dynamic_params(params);
      // Without parameters the simple protocol runs it, which also takes
      // several statements (a migration); with them, the extended one.
      auto exec = [&](pqxx::transaction_base& t) {
        return params.empty() ? t.exec(sql) : t.exec_params(sql, dynamic);
      };
      if (txn_) {
        r = exec(*txn_);
      } else if (!write) {
        pqxx::nontransaction n(*conn_);
        r = exec(n);
      } else {
        pqxx::work w(*conn_);
        w.exec(LockSql());
        r = exec(w);
        w.commit();
      }
      if (write) changes_ = static_cast<int>(r.affected_rows());
      return r;
    } catch (...) {
      return Caught(what);
    }
  }

 private:
  static std::string LockSql() {
    return "SELECT pg_advisory_xact_lock(" + std::to_string(kCatalogWriteLockKey) + ")";
  }

  // The Status of the exception being handled.
  Status Caught(std::string_view what) const {
    try {
      throw;
    } catch (const pqxx::sql_error& e) {
      Status s = SqlError(e, what);
      return Status(s.code(), Scrub(std::string(s.message()), secrets_));
    } catch (const pqxx::broken_connection& e) {
      return UnavailableError("catalog: " + std::string(what) +
                              ": connection lost: " + Scrub(OneLine(e.what()), secrets_));
    } catch (const pqxx::in_doubt_error& e) {
      return UnavailableError("catalog: " + std::string(what) +
                              ": the connection broke during COMMIT; whether it committed is "
                              "unknown: " +
                              Scrub(OneLine(e.what()), secrets_));
    } catch (const std::exception& e) {
      return InternalError("catalog: " + std::string(what) + ": " +
                           Scrub(OneLine(e.what()), secrets_));
    } catch (...) {
      return InternalError("catalog: " + std::string(what) + ": unknown error");
    }
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::string> secrets_;
  std::unique_ptr<pqxx::work> txn_;
  int changes_ = 0;
};

PgStmt::PgStmt(PgDb* db, std::string sql) : db_(db), sql_(std::move(sql)) {
  // Splits the SQL at its placeholders, skipping quoted strings, quoted
  // names and comments (where a '?' is text, not a placeholder).
  std::string piece;
  int next = 0;
  for (size_t i = 0; i < sql_.size(); ++i) {
    const char c = sql_[i];
    if (c == '\'' || c == '"') {
      const size_t end = sql_.find(c, i + 1);
      const size_t stop = end == std::string::npos ? sql_.size() : end + 1;
      piece.append(sql_, i, stop - i);
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql_.size() && sql_[i + 1] == '-') {
      const size_t end = sql_.find('\n', i);
      const size_t stop = end == std::string::npos ? sql_.size() : end;
      piece.append(sql_, i, stop - i);
      i = stop - 1;
    } else if (c == '?') {
      int n = 0;
      size_t j = i + 1;
      while (j < sql_.size() && std::isdigit(static_cast<unsigned char>(sql_[j]))) {
        n = n * 10 + (sql_[j] - '0');
        ++j;
      }
      if (j == i + 1) n = next + 1;  // a bare '?' is one past the largest so far
      next = std::max(next, n);
      text_.push_back(std::move(piece));
      piece.clear();
      refs_.push_back(n);
      i = j - 1;
    } else {
      piece += c;
    }
  }
  text_.push_back(std::move(piece));
  params_.resize(static_cast<size_t>(next));
}

std::string PgStmt::Render() const {
  std::string out = text_[0];
  for (size_t k = 0; k < refs_.size(); ++k) {
    const int n = refs_[k];
    out += '$';
    out += std::to_string(n);
    switch (params_[static_cast<size_t>(n - 1)].kind) {
      case Kind::kInt:
        out += "::int8";
        break;
      case Kind::kText:
        out += "::text";
        break;
      case Kind::kBlob:
        out += "::bytea";
        break;
      case Kind::kNull:
        break;
    }
    out += text_[k + 1];
  }
  return out;
}

Result<bool> PgStmt::Step() {
  if (!result_) {
    std::vector<const char*> values;
    values.reserve(params_.size());
    for (const Param& p : params_) {
      if (p.kind == Kind::kText && p.value.find('\0') != std::string::npos) {
        return InvalidArgumentError(
            "catalog: " + sql_ + ": a text value holds a NUL byte, which PostgreSQL text cannot");
      }
      values.push_back(p.kind == Kind::kNull ? nullptr : p.value.c_str());
    }
    CUSTODY_ASSIGN_OR_RETURN(pqxx::result r, db_->Run(Render(), values, !ReadsOnly(sql_), sql_));
    result_ = std::move(r);
    row_ = -1;
  }
  ++row_;
  return row_ < static_cast<long>(result_->size());
}

}  // namespace

Result<std::unique_ptr<Db>> OpenPostgresDb(const std::string& uri) {
  std::vector<std::string> secrets = PasswordsOf(uri);
  const std::string shown = RedactCatalogLocation(uri);
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(uri);
    pqxx::nontransaction n(*conn);
    // No NOTICE lines on stderr (libpqxx prints them by default).
    n.exec("SET client_min_messages TO warning");
  } catch (const std::exception& e) {
    return UnavailableError("catalog " + shown +
                            ": cannot connect: " + Scrub(OneLine(e.what()), secrets));
  }
  return std::unique_ptr<Db>(std::make_unique<PgDb>(std::move(conn), std::move(secrets)));
}

}  // namespace custody::store
