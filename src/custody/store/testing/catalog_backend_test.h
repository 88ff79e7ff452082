// A GoogleTest fixture base for tests that run on both catalog backends:
// parameterized by the backend, it gives each test a temporary directory
// and a fresh, empty catalog location (DIR/catalog.db, or a new database on
// the process's throwaway PostgreSQL server, pg_test_server.h). A
// PostgreSQL test that cannot run here is skipped with the reason.
// Instantiate a suite with CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(Suite);
// its tests are named .../SQLite and .../PostgreSQL (the PostgreSQL ones get
// the ctest label `postgresql`).
// Thread-safety: as any fixture (one test thread).
#pragma once

#include <ostream>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "custody/base/status.h"
#include "custody/store/sql.h"

namespace custody::store::testing {

enum class TestBackend { kSqlite, kPostgres };

// "SQLite" or "PostgreSQL", the suffix of the test names.
std::string TestBackendName(const ::testing::TestParamInfo<TestBackend>& info);

// How GoogleTest prints the parameter (ctest shows it after each name).
inline void PrintTo(TestBackend b, std::ostream* os) {
  *os << (b == TestBackend::kPostgres ? "postgresql" : "sqlite");
}

class CatalogBackendTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  // Derived SetUp() must call this first and return if IsSkipped().
  void SetUp() override;
  void TearDown() override;

  bool postgres() const { return GetParam() == TestBackend::kPostgres; }
  // A fresh temporary directory (both backends), removed after the test.
  const std::string& dir() const { return dir_; }
  // Where the test's catalog is: dir()/catalog.db, or a database URI.
  const std::string& location() const { return location_; }

  // A second connection to the test's catalog database.
  std::unique_ptr<Db> OpenRaw() const;
  // Like OpenRaw, with foreign keys not enforced on that connection.
  std::unique_ptr<Db> OpenRawWithoutForeignKeys() const;
  // Runs `sql` behind the catalog's back with its CHECK constraints not
  // enforced, as an editor of the database would (fails the test if it
  // does not run). PostgreSQL has no switch for this: the CHECK
  // constraints of the catalog's tables are dropped first.
  void Tamper(const std::string& sql) const;

 private:
  std::string dir_;
  std::string location_;
};

}  // namespace custody::store::testing

#define CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(Suite)                                          \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                      \
                           ::testing::Values(::custody::store::testing::TestBackend::kSqlite,    \
                                             ::custody::store::testing::TestBackend::kPostgres), \
                           ::custody::store::testing::TestBackendName)
