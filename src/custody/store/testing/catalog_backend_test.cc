#include "custody/store/testing/catalog_backend_test.h"

#include <stdlib.h>

#include "custody/base/env.h"
#include "custody/store/testing/pg_test_server.h"

namespace custody::store::testing {

std::string TestBackendName(const ::testing::TestParamInfo<TestBackend>& info) {
  return info.param == TestBackend::kSqlite ? "SQLite" : "PostgreSQL";
}

void CatalogBackendTest::SetUp() {
  char tmpl[] = "/tmp/custody_catalog_backend_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  if (!postgres()) {
    location_ = dir_ + "/catalog.db";
    return;
  }
  std::string why_not;
  PgTestServer* server = PgTestServer::Get(&why_not);
  if (server == nullptr) GTEST_SKIP() << "PostgreSQL: " << why_not;
  auto uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  location_ = *uri;
}

void CatalogBackendTest::TearDown() {
  if (postgres() && !location_.empty()) {
    std::string why_not;
    if (PgTestServer* server = PgTestServer::Get(&why_not); server != nullptr) {
      server->DropDatabase(location_);
    }
  }
  if (!dir_.empty()) Env::Default()->RemoveTree(dir_).IgnoreError();
}

std::unique_ptr<Db> CatalogBackendTest::OpenRaw() const {
  auto db = Db::Open(location_, false);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

std::unique_ptr<Db> CatalogBackendTest::OpenRawWithoutForeignKeys() const {
  auto db = OpenRaw();
  if (db == nullptr) return nullptr;
  Status s = postgres() ? db->Exec("SET session_replication_role = replica")
                        : db->Exec("PRAGMA foreign_keys = OFF");
  EXPECT_TRUE(s.ok()) << s.ToString();
  return db;
}

void CatalogBackendTest::Tamper(const std::string& sql) const {
  auto db = OpenRaw();
  ASSERT_NE(db, nullptr);
  if (postgres()) {
    ASSERT_TRUE(db->Exec(R"sql(
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
           WHERE contype = 'c' AND connamespace = current_schema()::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
  END LOOP;
END $$)sql")
                    .ok());
  } else {
    ASSERT_TRUE(db->Exec("PRAGMA ignore_check_constraints = ON").ok());
  }
  Status s = db->Exec(sql);
  ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
}

}  // namespace custody::store::testing
