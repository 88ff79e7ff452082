// Several writers sharing one catalog (threads with a connection each, as
// processes would have) never reuse an id or lose a row, on both backends;
// and what only the PostgreSQL backend meets: databases that are not (yet)
// a catalog, and text PostgreSQL cannot hold.
#include "custody/store/postgres.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "custody/store/catalog.h"
#include "custody/store/testing/catalog_backend_test.h"

namespace custody::store {
namespace {

class SharedCatalogTest : public testing::CatalogBackendTest {};

// Each writer opens its own connection and inserts rows whose ids the
// catalog computes (one past the largest): in transactions, and one
// statement at a time outside them. Without the write lock two writers read
// the same largest id and one insert fails (a duplicate key), so a lost
// serialization shows as an error or a missing row, whatever the timing.
TEST_P(SharedCatalogTest, ConcurrentWritersNeverShareAnId) {
  ASSERT_TRUE(Catalog::Open(location(), true).ok());
  constexpr int kWriters = 4;
  constexpr int kRowsEach = 25;
  std::vector<std::vector<int64_t>> ids(kWriters);
  std::vector<Status> errors(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto c = Catalog::Open(location(), false);
      if (!c.ok()) {
        errors[w] = c.status();
        return;
      }
      for (int i = 0; i < kRowsEach && errors[w].ok(); ++i) {
        const std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (i % 2 == 0) {
          errors[w] = (*c)->Transaction([&]() -> Status {
            PartnerRow p{
                PartnerId(),       name, "", "", "", PartnerStatus::kActive, FromUnixSeconds(1),
                FromUnixSeconds(1)};
            CUSTODY_ASSIGN_OR_RETURN(PartnerId id, (*c)->partners().Insert(p));
            ids[w].push_back(id.value());
            return OkStatus();
          });
        } else {
          auto id = (*c)->partners().Insert(PartnerRow{PartnerId(), name, "", "", "",
                                                       PartnerStatus::kActive, FromUnixSeconds(1),
                                                       FromUnixSeconds(1)});
          if (id.ok())
            ids[w].push_back(id->value());
          else
            errors[w] = id.status();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_TRUE(errors[w].ok()) << "writer " << w << ": " << errors[w].ToString();
    all.insert(ids[w].begin(), ids[w].end());
  }
  EXPECT_EQ(all.size(), size_t{kWriters * kRowsEach});
  auto c = *Catalog::Open(location(), false);
  EXPECT_EQ(c->partners().List()->size(), size_t{kWriters * kRowsEach});
  // Dense: ids 1..N, each once.
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kWriters * kRowsEach);
}

CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(SharedCatalogTest);

// PostgreSQL only.
class PostgresCatalogTest : public testing::CatalogBackendTest {};

TEST_P(PostgresCatalogTest, ADatabaseWithoutACatalogIsNotOpenedUnlessCreating) {
  auto c = Catalog::Open(location(), false);
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("expected a custody catalog"), std::string::npos);
  // Another application's table named meta: not a catalog, not touched.
  ASSERT_TRUE(OpenRaw()->Exec("CREATE TABLE meta (k TEXT, v TEXT)").ok());
  auto other = Catalog::Open(location(), true);
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  auto raw = OpenRaw();
  auto st = raw->Prepare(
      "SELECT COUNT(*) FROM information_schema.tables "
      "WHERE table_schema = current_schema()");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Int(0), 1);
}

TEST_P(PostgresCatalogTest, KeepsTheSchemaVersionInMetaAndRefusesNulInText) {
  auto c = Catalog::Open(location(), true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->dialect(), SqlDialect::kPostgres);
  EXPECT_EQ(*(*c)->GetMeta("schema_version"), std::to_string(kCatalogSchemaVersion));
  auto d = (*c)->GetOrCreateDataset(std::string("a\0b", 3), FromUnixSeconds(1));
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("NUL byte"), std::string::npos);
}

TEST_P(PostgresCatalogTest, TheWriteLockIsHeldForTheWholeTransaction) {
  auto c = *Catalog::Open(location(), true);
  auto other = OpenRaw();
  ASSERT_NE(other, nullptr);
  auto try_lock = other->Prepare("SELECT pg_try_advisory_lock(?)");
  ASSERT_TRUE(try_lock.ok());
  Status s = c->Transaction([&]() -> Status {
    try_lock->Bind(1, kCatalogWriteLockKey);
    CUSTODY_ASSIGN_OR_RETURN(bool row, try_lock->Step());
    EXPECT_TRUE(row);
    EXPECT_EQ(try_lock->Text(0), "f");  // held by the open transaction
    try_lock->Reset();
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  // Released at COMMIT.
  try_lock->Bind(1, kCatalogWriteLockKey);
  ASSERT_TRUE(*try_lock->Step());
  EXPECT_EQ(try_lock->Text(0), "t");
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresCatalogTest,
                         ::testing::Values(testing::TestBackend::kPostgres),
                         testing::TestBackendName);

}  // namespace
}  // namespace custody::store
