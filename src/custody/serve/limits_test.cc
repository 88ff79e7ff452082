#include "custody/serve/limits.h"

#include <gtest/gtest.h>

namespace custody::serve {
namespace {

const Time kT0 = FromUnixSeconds(1'800'000'000);

TEST(LimitTrackerTest, RefusesTheTaskOverTheHourlyMemberLimitWithRetryAfter) {
  Limits l;
  l.member_per_hour = 3;
  LimitTracker t(l);
  const MemberId m(1);
  const GrantId g(1);
  EXPECT_FALSE(t.Reserve(m, PartnerId(1), g, kT0));
  EXPECT_FALSE(t.Reserve(m, PartnerId(1), g, kT0 + std::chrono::minutes(10)));
  EXPECT_FALSE(t.Reserve(m, PartnerId(1), g, kT0 + std::chrono::minutes(20)));
  auto b = t.Reserve(m, PartnerId(1), g, kT0 + std::chrono::minutes(30));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scope, "member");
  EXPECT_EQ(b->window, "hour");
  EXPECT_EQ(b->limit, 3u);
  EXPECT_TRUE(b->first);
  EXPECT_EQ(b->retry_after, std::chrono::minutes(30));  // the first task leaves the window then
  auto again = t.Reserve(m, PartnerId(1), g, kT0 + std::chrono::minutes(31));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->first);  // one alert per breach
  // Another member is not limited by this one.
  EXPECT_FALSE(t.Reserve(MemberId(2), PartnerId(1), GrantId(2), kT0 + std::chrono::minutes(31)));
  // An hour after the first task, one more fits.
  EXPECT_FALSE(t.Reserve(m, PartnerId(1), g, kT0 + std::chrono::minutes(61)));
}

TEST(LimitTrackerTest, GrantDailyLimitCountsEveryMemberAndSeededTasks) {
  Limits l;
  l.grant_per_day = 2;
  LimitTracker t(l);
  t.Seed(MemberId(1), PartnerId(1), GrantId(5), kT0 - std::chrono::hours(23));
  EXPECT_FALSE(t.Reserve(MemberId(2), PartnerId(1), GrantId(5), kT0));
  auto b = t.Reserve(MemberId(3), PartnerId(1), GrantId(5), kT0);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scope, "grant");
  EXPECT_EQ(b->window, "day");
  EXPECT_EQ(b->retry_after, std::chrono::hours(1));
}

TEST(LimitTrackerTest, ReleaseGivesBackAReservation) {
  Limits l;
  l.member_per_day = 1;
  LimitTracker t(l);
  EXPECT_FALSE(t.Reserve(MemberId(1), PartnerId(1), GrantId(1), kT0));
  t.Release(MemberId(1), GrantId(1), kT0);
  EXPECT_FALSE(t.Reserve(MemberId(1), PartnerId(1), GrantId(1), kT0));
  EXPECT_TRUE(t.Reserve(MemberId(1), PartnerId(1), GrantId(1), kT0));
}

TEST(LimitsTomlTest, ReadsTheLimitsTableAndFlagsWin) {
  Limits l;
  l.member_per_hour = 7;  // from a flag
  ASSERT_TRUE(LoadLimitsToml("serve.toml",
                             "[limits]\nmember_per_hour = 100\nmember_per_day = 500\n"
                             "grant_per_day = 9000\nsuspend_member = true\n",
                             &l)
                  .ok());
  EXPECT_EQ(l.member_per_hour, 7u);
  EXPECT_EQ(l.member_per_day, 500u);
  EXPECT_EQ(l.grant_per_hour, 0u);
  EXPECT_EQ(l.grant_per_day, 9000u);
  EXPECT_TRUE(l.suspend_member);
}

TEST(LimitsTomlTest, BadValuesNameFileLineAndKey) {
  Limits l;
  Status s = LoadLimitsToml("serve.toml", "[limits]\n\nmember_per_day = -3\n", &l);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "serve.toml:3: limits.member_per_day: expected a non-negative integer");
  s = LoadLimitsToml("serve.toml", "[limits]\nper_week = 3\n", &l);
  EXPECT_NE(s.message().find("serve.toml:2: limits.per_week: unknown key"), std::string::npos) << s.message();
  s = LoadLimitsToml("serve.toml", "[limits\n", &l);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("serve.toml:1: ", 0), 0u) << s.message();
}

}  // namespace
}  // namespace custody::serve
