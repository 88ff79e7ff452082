#include "custody/serve/anomaly.h"

#include <gtest/gtest.h>

#include "custody/serve/limits.h"

namespace custody::serve {
namespace {

// 2027-01-15T08:00:00Z: a clock hour's start, 08:00 UTC.
const Time kT0 = FromUnixSeconds(1'800'000'000);
const PartnerId kAcme(1);
const PartnerId kGlobex(2);

// Serves `n` tasks to `m` spread over the minute after `start`, each
// expected to pass; returns how many passed.
int Serve(AnomalyDetector* d, MemberId m, PartnerId p, Time start, int n) {
  int passed = 0;
  for (int i = 0; i < n; ++i) {
    const Time t = start + std::chrono::milliseconds(i * 100);
    if (!d->Check(m, p, t)) {
      d->Record(m, p, t);
      ++passed;
    }
  }
  return passed;
}

TEST(AnomalyTest, AMemberFarAboveItsOwnHistoryIsFlaggedWithTheBaseline) {
  AnomalyRule rule;
  rule.factor = 3;
  rule.min_tasks = 20;
  AnomalyDetector d(rule);
  const MemberId m(1);
  // 10 tasks an hour during 8 hours a day for 5 days.
  for (int day = 1; day <= 5; ++day) {
    for (int h = 0; h < 8; ++h) {
      const Time hour = kT0 - std::chrono::hours(24 * day) + std::chrono::hours(h);
      for (int i = 0; i < 10; ++i) d.Record(m, kAcme, hour + std::chrono::minutes(i));
    }
  }
  // 30 tasks pass (30 is not over 3 x 10); the 31st is the anomaly.
  EXPECT_EQ(Serve(&d, m, kAcme, kT0, 30), 30);
  auto a = d.Check(m, kAcme, kT0 + std::chrono::minutes(5));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, "rate");
  EXPECT_EQ(a->baseline_kind, "own");
  EXPECT_DOUBLE_EQ(a->baseline, 10.0);
  EXPECT_EQ(a->last_hour, 31u);
  EXPECT_TRUE(a->first);
  EXPECT_NE(a->reason.find("own mean of 10.0 per active hour"), std::string::npos) << a->reason;
  // Retry once the first task of the sliding hour (kT0) has left it.
  EXPECT_EQ(a->retry_after, std::chrono::seconds(55 * 60));
  // Alerted once per clock hour; the next hour alerts again.
  auto again = d.Check(m, kAcme, kT0 + std::chrono::minutes(6));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->first);
}

TEST(AnomalyTest, AMemberFarAbovePeersOfItsPartnerIsFlaggedOthersPartnersDoNotCount) {
  AnomalyRule rule;
  rule.factor = 3;
  rule.min_tasks = 5;
  AnomalyDetector d(rule);
  // Three acme peers pulled 4, 6 and 8 tasks in the hour (median 6); a
  // globex member pulled 100 (not a peer).
  for (int i = 0; i < 4; ++i) d.Record(MemberId(2), kAcme, kT0 + std::chrono::minutes(i));
  for (int i = 0; i < 6; ++i) d.Record(MemberId(3), kAcme, kT0 + std::chrono::minutes(i));
  for (int i = 0; i < 8; ++i) d.Record(MemberId(4), kAcme, kT0 + std::chrono::minutes(i));
  for (int i = 0; i < 100; ++i) d.Record(MemberId(9), kGlobex, kT0 + std::chrono::seconds(i));
  const Time start = kT0 + std::chrono::minutes(10);
  EXPECT_EQ(Serve(&d, MemberId(1), kAcme, start, 18), 18);
  auto a = d.Check(MemberId(1), kAcme, start + std::chrono::minutes(2));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->baseline_kind, "peers");
  EXPECT_DOUBLE_EQ(a->baseline, 6.0);
  // The globex member has no acme peers and no history: never flagged.
  EXPECT_FALSE(d.Check(MemberId(9), kGlobex, kT0 + std::chrono::minutes(3)));
}

TEST(AnomalyTest, WithoutAnyBaselineOrBelowMinTasksNothingIsFlagged) {
  AnomalyRule rule;
  rule.factor = 2;
  rule.min_tasks = 50;
  AnomalyDetector d(rule);
  EXPECT_EQ(Serve(&d, MemberId(1), kAcme, kT0, 500), 500);  // a new member alone: no baseline
  // One peer with one task: 3 tasks would be 3x, but under min_tasks.
  d.Record(MemberId(5), kAcme, kT0 + std::chrono::hours(2));
  EXPECT_EQ(Serve(&d, MemberId(6), kAcme, kT0 + std::chrono::hours(2), 49), 49);
  EXPECT_TRUE(d.Check(MemberId(6), kAcme, kT0 + std::chrono::hours(2) + std::chrono::minutes(1)));
}

TEST(AnomalyTest, ForgetUndoesARecordWhoseTaskWasNotServed) {
  AnomalyRule rule;
  rule.factor = 2;
  rule.min_tasks = 3;
  AnomalyDetector d(rule);
  d.Record(MemberId(2), kAcme, kT0);  // a peer with 1 task
  d.Record(MemberId(1), kAcme, kT0);
  d.Record(MemberId(1), kAcme, kT0 + std::chrono::seconds(1));
  EXPECT_TRUE(d.Check(MemberId(1), kAcme, kT0 + std::chrono::seconds(2)));  // 3 > 2 x 1
  d.Forget(MemberId(1), kT0 + std::chrono::seconds(1));
  EXPECT_FALSE(d.Check(MemberId(1), kAcme, kT0 + std::chrono::seconds(2)));  // 2: under min_tasks
}

TEST(AnomalyTest, TasksOutsideWorkingHoursAreFlaggedUntilTheyStart) {
  AnomalyRule rule;
  ASSERT_TRUE(ParseWorkingHours("9-17", &rule).ok());
  AnomalyDetector d(rule);
  auto early = d.Check(MemberId(1), kAcme, kT0 + std::chrono::minutes(30));  // 08:30
  ASSERT_TRUE(early);
  EXPECT_EQ(early->kind, "hours");
  EXPECT_EQ(early->retry_after, std::chrono::seconds(30 * 60));
  EXPECT_TRUE(early->first);
  EXPECT_FALSE(d.Check(MemberId(1), kAcme, kT0 + std::chrono::minutes(61)));  // 09:01
  auto late = d.Check(MemberId(1), kAcme, kT0 + std::chrono::hours(9));  // 17:00
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->first);  // once a day per member
  EXPECT_EQ(late->retry_after, std::chrono::seconds(16 * 3600));

  AnomalyRule night;
  ASSERT_TRUE(ParseWorkingHours("22-6", &night).ok());
  AnomalyDetector n(night);
  EXPECT_FALSE(n.Check(MemberId(1), kAcme, kT0 - std::chrono::hours(9)));  // 23:00
  EXPECT_FALSE(n.Check(MemberId(1), kAcme, kT0 - std::chrono::hours(3)));  // 05:00
  EXPECT_TRUE(n.Check(MemberId(1), kAcme, kT0));                           // 08:00
}

TEST(AnomalyTest, WorkingHoursAreValidated) {
  AnomalyRule rule;
  for (const char* bad : {"", "9", "9-9", "24-3", "9-17x", "-1-5", "nine-five"}) {
    Status s = ParseWorkingHours(bad, &rule);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(std::string("found '") + bad + "'"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(rule.hours());
}

TEST(AnomalyTest, TheLimitTrackerRefusesAnAnomalyAfterItsQuotas) {
  Limits l;
  l.member_per_hour = 1000;
  l.anomaly.factor = 2;
  l.anomaly.min_tasks = 3;
  LimitTracker t(l);
  EXPECT_TRUE(t.any());
  EXPECT_EQ(t.history(), std::chrono::hours(8 * 24));
  t.Seed(MemberId(2), kAcme, GrantId(1), kT0);
  EXPECT_FALSE(t.Reserve(MemberId(1), kAcme, GrantId(1), kT0));
  EXPECT_FALSE(t.Reserve(MemberId(1), kAcme, GrantId(1), kT0 + std::chrono::seconds(1)));
  auto b = t.Reserve(MemberId(1), kAcme, GrantId(1), kT0 + std::chrono::seconds(2));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, "anomaly");
  EXPECT_EQ(b->window, "hour");
  ASSERT_TRUE(b->anomaly);
  EXPECT_EQ(b->Describe().rfind("anomaly: 3 tasks in the last hour", 0), 0u) << b->Describe();
}

TEST(AnomalyTest, TheAnomalyTableOfTheConfigFile) {
  Limits l;
  ASSERT_TRUE(LoadLimitsToml("serve.toml", "[anomaly]\nfactor = 4.5\nmin_tasks = 20\nhours = \"8-20\"\n", &l).ok());
  EXPECT_DOUBLE_EQ(l.anomaly.factor, 4.5);
  EXPECT_EQ(l.anomaly.min_tasks, 20u);
  EXPECT_EQ(l.anomaly.start_hour, 8);
  EXPECT_EQ(l.anomaly.end_hour, 20);
  Limits flags;
  flags.anomaly.factor = 3;  // a flag wins over the file
  ASSERT_TRUE(LoadLimitsToml("serve.toml", "[anomaly]\nfactor = 9\n", &flags).ok());
  EXPECT_DOUBLE_EQ(flags.anomaly.factor, 3);
  Status s = LoadLimitsToml("serve.toml", "[anomaly]\nfactor = 0.5\n", &l);
  EXPECT_EQ(s.message(), "serve.toml:2: anomaly.factor: expected a number greater than 1");
  Limits fresh;
  s = LoadLimitsToml("serve.toml", "[anomaly]\n\nhours = \"25-3\"\n", &fresh);
  EXPECT_NE(s.message().find("serve.toml:3: anomaly.hours: working hours: expected START-END"), std::string::npos)
      << s.message();
  s = LoadLimitsToml("serve.toml", "[anomaly]\nspeed = 3\n", &l);
  EXPECT_NE(s.message().find("serve.toml:2: anomaly.speed: unknown key"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace custody::serve
