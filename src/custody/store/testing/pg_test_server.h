// A throwaway PostgreSQL server for the tests, started on first use and
// removed when the test process exits: a cluster made by initdb (as the
// postgres user when run as root: initdb refuses root) in a fresh temporary
// directory, listening only on a Unix socket in that directory, trust
// authentication, no fsync. Each test takes a fresh, empty schema of its
// own (CreateDatabase).
// Every PostgreSQL test uses this; when PostgreSQL cannot run here (no
// server binaries, no postgres user for root, custody built without
// libpqxx) Get() says why, for GTEST_SKIP.
//
// The server binaries are looked for in $CUSTODY_PG_BINDIR, then the newest
// /usr/lib/postgresql/<version>/bin, then the directory of `initdb` on PATH.
// Thread-safety: one thread at a time (tests).
#pragma once

#include <string>

#include "custody/base/status.h"

namespace custody::store::testing {

class PgTestServer {
 public:
  // The process's server, starting it if this is the first call. On failure
  // returns nullptr and sets `why_not` to the reason (for GTEST_SKIP).
  static PgTestServer* Get(std::string* why_not);

  // Makes an empty place for one catalog and returns its connection URI:
  // a fresh schema in the server's database custody_test, made the search
  // path (postgresql:///custody_test?host=SOCKET_DIR&user=postgres&options=
  // -csearch_path%3DSCHEMA).
  Result<std::string> CreateDatabase();
  // Drops what CreateDatabase made (best effort, for TearDown).
  void DropDatabase(const std::string& uri);

  // The URI of the server's `postgres` maintenance database.
  std::string AdminUri() const { return UriOf("postgres"); }
  const std::string& socket_dir() const { return dir_; }

 private:
  PgTestServer(std::string bindir, std::string dir, bool as_postgres)
      : bindir_(std::move(bindir)), dir_(std::move(dir)), as_postgres_(as_postgres) {}
  std::string UriOf(const std::string& db) const;
  // Runs a server binary (as postgres when needed), output to DIR/cmd.log.
  Status Run(const std::string& tool, const std::string& args) const;
  void Stop();

  std::string bindir_;
  std::string dir_;
  bool as_postgres_;
  int next_db_ = 0;
  bool created_db_ = false;
};

}  // namespace custody::store::testing
