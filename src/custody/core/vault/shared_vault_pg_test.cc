// A vault whose catalog is on PostgreSQL, open in two Custody objects at
// once (as two custody serve processes hold it): their appends form one
// log, and an id a writer logged in a transaction that never committed (a
// process killed between its log append and its commit) is given to no
// other row. Skipped, with the reason, where PostgreSQL cannot run.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "custody/core/parties/parties.h"
#include "custody/core/vault/custody.h"
#include "custody/ledger/custody_log.h"
#include "custody/store/testing/pg_test_server.h"

namespace custody::core {
namespace {

class SharedVaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    pg_ = store::testing::PgTestServer::Get(&why);
    if (pg_ == nullptr) GTEST_SKIP() << "PostgreSQL is not available: " << why;
    auto uri = pg_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status().message();
    uri_ = *uri;
    char tmpl[] = "/tmp/custody_shared_vault_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    store::InitOptions o;
    o.keys.key_file = root_ + "/master.key";
    o.catalog = uri_;
    auto c = Custody::Init(root_ + "/vault", o, "test");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  void TearDown() override {
    if (pg_ == nullptr) return;
    if (!uri_.empty()) pg_->DropDatabase(uri_);
    Env::Default()->RemoveTree(root_).IgnoreError();
  }
  Result<std::unique_ptr<Custody>> OpenOne() {
    OpenOptions o;
    o.keys.key_file = root_ + "/master.key";
    o.actor = "test";
    return Custody::Open(root_ + "/vault", o);
  }

  store::testing::PgTestServer* pg_ = nullptr;
  std::string uri_, root_;
};

TEST_F(SharedVaultTest, AnIdLoggedWithoutItsRowIsGivenToNoOtherRow) {
  auto a = OpenOne();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE((*a)->vault().shared());
  auto b = OpenOne();  // a second writer beside the first
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE((*b)->vault().sole());
  // A logs partner 1 and dies before its rows commit.
  uint64_t dead_index = 0;
  Status died = (*a)->catalog().Transaction([&]() -> Status {
    ledger::Event ev;
    ev.type = ledger::event_type::kPartner;
    ev.subject = "partner:alpha";
    ev.details = {{"action", "add"}, {"partner_id", 1}, {"name", "alpha"}};
    auto index = (*a)->Commit(std::move(ev));
    if (!index.ok()) return index.status();
    dead_index = *index;
    return InternalError("killed between the log append and the commit");
  });
  ASSERT_EQ(died.code(), StatusCode::kInternal) << died.ToString();
  a->reset();
  // B's next row takes the id after the logged one, and its event the next index.
  auto beta = AddPartner(**b, PartnerSpec{"beta", "", "", ""});
  ASSERT_TRUE(beta.ok()) << beta.status().ToString();
  EXPECT_EQ(beta->id, PartnerId(2));
  EXPECT_EQ((*b)->log().size(), dead_index + 2);
  auto ev = ReadLogEvent((*b)->log(), dead_index + 1);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->details["partner_id"], 2);
  // A writer opened later sees one log.
  auto c = OpenOne();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->log().root(), (*b)->log().root());
}

}  // namespace
}  // namespace custody::core
