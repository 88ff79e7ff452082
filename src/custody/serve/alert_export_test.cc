// A limit or anomaly alert of custody serve exports to OCSF as a Detection Finding.
#include <gtest/gtest.h>

#include "custody/ledger/event.h"
#include "custody/ledger/log_export.h"

namespace custody::serve {
namespace {

TEST(AlertExportTest, LimitAlertIsADetectionFinding) {
  ledger::Event ev;
  ev.type = "serve.alert";
  ev.time = FromUnixSeconds(1'800'000'000);
  ev.actor = "token:3 member:alice";
  ev.subject = "member:alice";
  ev.details = {{"alert", "limit"}, {"scope", "member"}, {"window", "hour"}, {"limit", 100},
                {"member_id", 1}, {"grant_id", 2}, {"request_id", "00aa"}, {"suspend_member", false}};
  auto entry = ledger::SerializeEvent(ev);
  ASSERT_TRUE(entry.ok());
  auto j = ledger::ExportOcsf("custody.local/test", 7, *entry);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)["class_uid"], 2004);
  EXPECT_EQ((*j)["type_uid"], 200401);
  EXPECT_EQ((*j)["is_alert"], true);
  EXPECT_EQ((*j)["finding_info"]["desc"], "task limit reached: member limit of 100 per hour");
}

TEST(AlertExportTest, AnomalyAlertIsADetectionFindingWithItsReason) {
  ledger::Event ev;
  ev.type = "serve.alert";
  ev.time = FromUnixSeconds(1'800'000'000);
  ev.actor = "token:3 member:alice";
  ev.subject = "member:alice";
  ev.details = {{"alert", "anomaly"}, {"scope", "member"}, {"window", "hour"}, {"rule", "rate"},
                {"reason", "61 tasks in the last hour, over 3.0 times the member's own mean of 20.0"},
                {"last_hour", 61}, {"baseline", "20.0"}, {"baseline_kind", "own"},
                {"member_id", 1}, {"grant_id", 2}, {"request_id", "00ab"}, {"suspend_member", true}};
  auto entry = ledger::SerializeEvent(ev);
  ASSERT_TRUE(entry.ok());
  auto j = ledger::ExportOcsf("custody.local/test", 8, *entry);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)["class_uid"], 2004);
  EXPECT_EQ((*j)["finding_info"]["desc"],
            "task anomaly: 61 tasks in the last hour, over 3.0 times the member's own mean of 20.0");
}

}  // namespace
}  // namespace custody::serve
