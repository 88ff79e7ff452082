// Custody::SwapActor: the actor set is the one every committed event (and
// every row that records one) carries, until it is swapped back.
#include <gtest/gtest.h>

#include "custody/core/parties/parties.h"
#include "custody/core/vault/custody.h"
#include "custody/core/vault/temp_vault.h"
#include "custody/ledger/custody_log.h"

namespace custody::core {
namespace {

using ActorTest = testing::TempVaultTest;

TEST_F(ActorTest, TheSwappedActorSignsTheEventsUntilSwappedBack) {
  const std::string before = custody_->actor();
  auto previous = custody_->SwapActor("token:1 admin request:0123456789abcdef");
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(*previous, before);
  PartnerSpec acme;
  acme.name = "acme";
  ASSERT_TRUE(AddPartner(*custody_, acme).ok());
  auto back = custody_->SwapActor(*previous);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "token:1 admin request:0123456789abcdef");
  PartnerSpec beta;
  beta.name = "beta";
  ASSERT_TRUE(AddPartner(*custody_, beta).ok());
  const uint64_t size = custody_->log().size();
  auto first = ReadLogEvent(custody_->log(), size - 2);
  auto second = ReadLogEvent(custody_->log(), size - 1);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->actor, "token:1 admin request:0123456789abcdef");
  EXPECT_EQ(second->actor, before);
}

TEST_F(ActorTest, AnEmptyActorIsRefusedAndChangesNothing) {
  const std::string before = custody_->actor();
  auto r = custody_->SwapActor("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(custody_->actor(), before);
}

}  // namespace
}  // namespace custody::core
