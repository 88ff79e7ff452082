// The catalog's PostgreSQL backend (sql.h), through libpqxx. Built only when
// CMake finds libpqxx (CUSTODY_WITH_POSTGRESQL); without it, Db::Open reports
// that custody was built without PostgreSQL support.
//
// What differs from SQLite is settled here, once: `?` and `?N` placeholders
// become `$N` with a cast naming the bound type (int8, text or bytea; NULL
// stays untyped for the server to infer); BLOB values travel as bytea hex;
// the schema version lives in the meta table (key "schema_version"); and
// every write takes the catalog's write lock (kCatalogWriteLockKey below):
// Begin() takes it for the whole transaction, and a write outside a
// transaction runs in a transaction of its own that takes it. The catalog's
// ids are one past the largest (table_util.h), so two writers must never
// interleave: the lock makes them take turns across processes, as SQLite's
// BEGIN IMMEDIATE does. docs/formats/catalog.md, "Two backends".
// Thread-safety: a Db and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "custody/base/status.h"
#include "custody/store/sql.h"

namespace custody::store {

// The key of the transaction-scoped advisory lock (pg_advisory_xact_lock)
// every catalog write holds: "custody!" as a big-endian 64-bit integer. One
// catalog per database, so one key serves.
inline constexpr int64_t kCatalogWriteLockKey = 0x637573746f647921;

// Connects to the PostgreSQL database named by the libpq connection URI
// `uri` (postgresql://[user@][host][:port]/dbname?param=value...). The
// password, if the URI holds one, appears in no message
// (RedactCatalogLocation); prefer a Unix socket or ~/.pgpass (PGPASSFILE).
// kUnavailable if the server cannot be reached or refuses the connection.
Result<std::unique_ptr<Db>> OpenPostgresDb(const std::string& uri);

}  // namespace custody::store
