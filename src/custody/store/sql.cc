#include "custody/store/sql.h"

#include <utility>
#include <vector>

#include "custody/store/internal/catalog_uri.h"
#include "custody/store/sqlite.h"
#ifdef CUSTODY_WITH_POSTGRESQL
#include "custody/store/postgres.h"
#endif

namespace custody::store {
namespace {

constexpr std::string_view kRedacted = "***";

}  // namespace

std::vector<std::pair<size_t, size_t>> internal::PasswordSpans(std::string_view uri) {
  std::vector<std::pair<size_t, size_t>> out;
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return out;
  const size_t auth_begin = scheme_end + 3;
  size_t auth_end = uri.find_first_of("/?", auth_begin);
  if (auth_end == std::string_view::npos) auth_end = uri.size();
  const std::string_view authority = uri.substr(auth_begin, auth_end - auth_begin);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (const size_t colon = authority.substr(0, at).find(':'); colon != std::string_view::npos) {
      out.emplace_back(auth_begin + colon + 1, auth_begin + at);
    }
  }
  const size_t query = uri.find('?', auth_begin);
  if (query == std::string_view::npos) return out;
  size_t pos = query + 1;
  while (pos <= uri.size()) {
    size_t end = uri.find('&', pos);
    if (end == std::string_view::npos) end = uri.size();
    const std::string_view param = uri.substr(pos, end - pos);
    constexpr std::string_view kKey = "password=";
    if (param.substr(0, kKey.size()) == kKey) out.emplace_back(pos + kKey.size(), end);
    pos = end + 1;
  }
  return out;
}

bool IsPostgresLocation(std::string_view location) {
  return location.substr(0, 13) == "postgresql://" || location.substr(0, 11) == "postgres://";
}

bool PostgresSupported() {
#ifdef CUSTODY_WITH_POSTGRESQL
  return true;
#else
  return false;
#endif
}

bool CatalogLocationHasPassword(std::string_view location) {
  if (!IsPostgresLocation(location)) return false;
  for (const auto& [b, e] : internal::PasswordSpans(location)) {
    if (e > b) return true;
  }
  return false;
}

std::string RedactCatalogLocation(std::string_view location) {
  if (!IsPostgresLocation(location)) return std::string(location);
  std::string out;
  size_t copied = 0;
  for (const auto& [b, e] : internal::PasswordSpans(location)) {
    out.append(location.substr(copied, b - copied));
    out.append(kRedacted);
    copied = e;
  }
  out.append(location.substr(copied));
  return out;
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& location, bool create) {
  if (!IsPostgresLocation(location)) return OpenSqliteDb(location, create);
#ifdef CUSTODY_WITH_POSTGRESQL
  return OpenPostgresDb(location);
#else
  return UnimplementedError("catalog " + RedactCatalogLocation(location) +
                            ": custody was built without PostgreSQL support (libpqxx)");
#endif
}

Result<int64_t> InsertReturningId(Stmt& st) {
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return InternalError("catalog: INSERT ... RETURNING id returned no row");
  const int64_t id = st.Int(0);
  // Stepping on to the end completes the statement (SQLite), then the next
  // run starts afresh.
  CUSTODY_ASSIGN_OR_RETURN(bool more, st.Step());
  (void)more;
  st.Reset();
  return id;
}

}  // namespace custody::store
