// The catalog's SQLite backend (sql.h): a RAII wrapper over the sqlite3 C
// API, a file in WAL mode with foreign keys enforced.
// Thread-safety: a Db and its statements belong to one thread.
#pragma once

#include <memory>
#include <string>

#include "custody/base/status.h"
#include "custody/store/sql.h"

namespace custody::store {

// Opens (creating if `create`) the SQLite catalog file at `path`. kNotFound
// if it cannot be opened (missing and not `create`).
Result<std::unique_ptr<Db>> OpenSqliteDb(const std::string& path, bool create);

}  // namespace custody::store
