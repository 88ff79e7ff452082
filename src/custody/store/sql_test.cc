// The backend interface (sql.h) on both backends: one SQL text reads alike
// (placeholders, integers, blobs, NULL, rows changed), and catalog URIs
// never show their password.
#include "custody/store/sql.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "custody/store/catalog.h"
#include "custody/store/testing/catalog_backend_test.h"

namespace custody::store {
namespace {

TEST(CatalogLocationTest, TellsPostgresUrisFromPaths) {
  EXPECT_TRUE(IsPostgresLocation("postgresql:///custody?host=/tmp/pgsock"));
  EXPECT_TRUE(IsPostgresLocation("postgres://db.example.org/custody"));
  EXPECT_FALSE(IsPostgresLocation("/var/custody/catalog.db"));
  EXPECT_FALSE(IsPostgresLocation("postgresql:/custody"));
}

TEST(CatalogLocationTest, RedactsEveryPassword) {
  EXPECT_EQ(RedactCatalogLocation("postgresql://ann:hunter2@db:5433/custody"),
            "postgresql://ann:***@db:5433/custody");
  EXPECT_EQ(
      RedactCatalogLocation("postgresql:///custody?host=/s&password=pw1&user=ann&password=pw2"),
      "postgresql:///custody?host=/s&password=***&user=ann&password=***");
  EXPECT_EQ(RedactCatalogLocation("postgres://ann:p@ss@db/c"), "postgres://ann:***@db/c");
  EXPECT_TRUE(CatalogLocationHasPassword("postgresql://ann:hunter2@db/custody"));
  EXPECT_TRUE(CatalogLocationHasPassword("postgresql:///c?password=x"));
  // No password: the URI is shown as it is.
  for (const char* uri : {"postgresql:///custody?host=/tmp/pgsock", "postgresql://ann@db/c",
                          "postgresql://db/c?passfile=/home/ann/.pgpass", "/path/with:colon@x"}) {
    EXPECT_FALSE(CatalogLocationHasPassword(uri)) << uri;
    EXPECT_EQ(RedactCatalogLocation(uri), uri);
  }
}

TEST(CatalogLocationTest, AFailedConnectionShowsNoPassword) {
  if (!PostgresSupported()) {
    auto db = Db::Open("postgresql://ann:hunter2@/custody?host=/nonexistent", false);
    EXPECT_EQ(db.status().code(), StatusCode::kUnimplemented);
    EXPECT_NE(db.status().message().find("built without PostgreSQL support"), std::string::npos);
    EXPECT_EQ(db.status().message().find("hunter2"), std::string::npos);
    return;
  }
  auto db = Db::Open(
      "postgresql://ann:hunter2@/custody?host=/"
      "nonexistent-custody-dir&password=swordfish",
      false);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(db.status().message().find("hunter2"), std::string::npos) << db.status().message();
  EXPECT_EQ(db.status().message().find("swordfish"), std::string::npos) << db.status().message();
  EXPECT_NE(db.status().message().find("ann:***@"), std::string::npos) << db.status().message();
}

class SqlBackendTest : public testing::CatalogBackendTest {
 protected:
  void SetUp() override {
    CatalogBackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Catalog::Open(location(), true).ok());
    db_ = OpenRaw();
    ASSERT_NE(db_, nullptr);
  }
  std::unique_ptr<Db> db_;
};

TEST_P(SqlBackendTest, PlaceholdersNumberAlikeAndQuotedOnesAreText) {
  // ?N names bind N; a bare ? is one past the largest so far; '?' is text.
  auto st = db_->Prepare("SELECT '?', ?2, ?1, ? + 1 -- a comment? yes\n");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  st->Bind(1, int64_t{7}).Bind(2, std::string_view("x")).Bind(3, int64_t{41});
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Text(0), "?");
  EXPECT_EQ(st->Text(1), "x");
  EXPECT_EQ(st->Int(2), 7);
  EXPECT_EQ(st->Int(3), 42);
  EXPECT_FALSE(*st->Step());
  // Reset clears the binds and runs the statement again.
  st->Reset();
  st->Bind(1, int64_t{1}).Bind(2, std::string_view("y")).Bind(3, int64_t{0});
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Text(1), "y");
  EXPECT_EQ(st->Int(3), 1);
}

TEST_P(SqlBackendTest, IntegersBlobsAndNullRoundTrip) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::max()}) {
    auto st = db_->Prepare("SELECT ?1, ?1 = 0");
    ASSERT_TRUE(st.ok());
    st->Bind(1, v);
    ASSERT_TRUE(*st->Step());
    EXPECT_EQ(st->Int(0), v);
  }
  auto st = db_->Prepare("SELECT ?, length(?1), ?");
  ASSERT_TRUE(st.ok());
  st->BindBlob(1, every_byte).BindNull(2);
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Blob(0), every_byte);
  EXPECT_EQ(st->Int(1), 256);
  EXPECT_TRUE(st->IsNull(2));
  EXPECT_FALSE(st->IsNull(0));
  EXPECT_EQ(st->Text(2), "");
  EXPECT_EQ(st->Int(2), 0);
}

TEST_P(SqlBackendTest, ChangesCountsTheRowsOfTheLastWrite) {
  ASSERT_TRUE(db_->Exec("INSERT INTO meta(key, value) VALUES ('a', '1'), ('b', "
                        "'2'), ('c', '3')")
                  .ok());
  auto st = db_->Prepare("UPDATE meta SET value = ? WHERE key IN ('a', 'b')");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->Bind(1, std::string_view("9")).Run().ok());
  EXPECT_EQ(db_->Changes(), 2);
  auto none = db_->Prepare("DELETE FROM meta WHERE key = ?");
  ASSERT_TRUE(none->Bind(1, std::string_view("nothing")).Run().ok());
  EXPECT_EQ(db_->Changes(), 0);
  // A constraint violation is kAlreadyExists on both backends.
  EXPECT_EQ(db_->Exec("INSERT INTO meta(key, value) VALUES ('a', '1')").code(),
            StatusCode::kAlreadyExists);
  // A mistake in SQL is an error naming the statement, not a crash.
  auto bad = db_->Prepare("SELECT nosuchcolumn FROM meta");
  Status s = bad.ok() ? bad->Step().status() : bad.status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nosuchcolumn"), std::string::npos) << s.message();
}

TEST_P(SqlBackendTest, TransactionsAreNotReentrantAndRollBack) {
  ASSERT_TRUE(db_->Begin().ok());
  EXPECT_FALSE(db_->Begin().ok());  // not reentrant
  ASSERT_TRUE(db_->Exec("INSERT INTO meta(key, value) VALUES ('t', '1')").ok());
  db_->Rollback();
  auto st = db_->Prepare("SELECT COUNT(*) FROM meta WHERE key = 't'");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Int(0), 0);
}

CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(SqlBackendTest);

}  // namespace
}  // namespace custody::store
