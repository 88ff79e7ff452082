#include "custody/base/ids.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

namespace custody {
namespace {

// Ids of different kinds do not convert into each other or from raw
// integers: passing one where another is expected does not compile.
static_assert(!std::is_convertible_v<MemberId, RecordId>);
static_assert(!std::is_convertible_v<RecordId, MemberId>);
static_assert(!std::is_convertible_v<GrantId, ReleaseId>);
static_assert(!std::is_convertible_v<PartnerId, MemberId>);
static_assert(!std::is_convertible_v<int64_t, MemberId>);
static_assert(!std::is_convertible_v<MemberId, int64_t>);
static_assert(!std::is_constructible_v<MemberId, PartnerId>);
static_assert(std::is_trivially_copyable_v<RecordId> && sizeof(RecordId) == sizeof(uint64_t));

TEST(IdsTest, ValueComparisonAndText) {
  const MemberId a(3), b(7);
  EXPECT_EQ(a.value(), 3);
  EXPECT_LT(a, b);
  EXPECT_EQ(a, MemberId(3));
  EXPECT_FALSE(MemberId().valid());
  EXPECT_TRUE(b.valid());
  EXPECT_EQ(ToString(RecordId(18446744073709551615ull)), "18446744073709551615");
  std::unordered_set<ReleaseId> set = {ReleaseId(1), ReleaseId(2), ReleaseId(1)};
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace custody
