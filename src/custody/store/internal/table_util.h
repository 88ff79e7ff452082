// Helpers of the catalog's table classes: decoding query results into row
// structs, and naming a row in an error. Internal to store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/store/sql.h"

namespace custody::store::internal {

// "catalog TABLE row ID", the prefix of every error about a stored row.
inline std::string RowName(std::string_view table, int64_t id) {
  return "catalog " + std::string(table) + " row " + std::to_string(id);
}

// The SQL expression of the id a new row of `table` gets: one past both the
// largest id in the table and the table's id floor (meta "id_floor.TABLE",
// raised by Catalog::ReserveIdsThrough for ids a crash left in the log
// without their row), so an id named by a logged event is never reused.
// Written in the SQL both backends read alike (no two-argument MAX).
inline std::string NextIdSql(std::string_view table) {
  const std::string t(table);
  return "(SELECT COALESCE(MAX(n), 0) + 1 FROM (SELECT MAX(id) AS n FROM " + t +
         " UNION ALL SELECT CAST(value AS BIGINT) FROM meta WHERE key = "
         "'id_floor." +
         t + "') AS floors)";
}

// The SQL expression of the id a new row of `table` gets when the table has
// no id floor: one past its largest id, as SQLite gives a rowid, on both
// backends. Inserts run under the catalog's write lock (sql.h, Db::Begin),
// so two writers never compute the same id.
inline std::string NextRowIdSql(std::string_view table) {
  const std::string t(table);
  return "(SELECT COALESCE(MAX(id), 0) + 1 FROM " + t + ")";
}

// The enum whose index in `names` is `text`, or kDataLoss naming the row.
template <typename Enum, size_t N>
Result<Enum> ParseStatus(const std::string_view (&names)[N], std::string_view table, int64_t id,
                         std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return DataLossError(RowName(table, id) + ": status: expected a known status, found '" +
                       std::string(text) + "'");
}

// Runs `st` and collects the first column of every row as ids of type IdT.
template <typename IdT>
Result<std::vector<IdT>> Ids(Stmt& st) {
  std::vector<IdT> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.IdAt<IdT>(0));
  }
  return out;
}

// Runs a query and decodes every row with `read` (Result<Row>(const Stmt&)).
template <typename Row, typename Read>
Result<std::vector<Row>> All(Stmt& st, Read&& read) {
  std::vector<Row> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CUSTODY_ASSIGN_OR_RETURN(Row r, read(st));
    out.push_back(std::move(r));
  }
  return out;
}

// The first row of a query decoded with `read`, or nullopt if there is none.
template <typename Row, typename Read>
Result<std::optional<Row>> One(Stmt& st, Read&& read) {
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Row>();
  CUSTODY_ASSIGN_OR_RETURN(Row r, read(st));
  return std::optional<Row>(std::move(r));
}

inline std::optional<int64_t> OptionalInt(const Stmt& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Int(col);
}

}  // namespace custody::store::internal
