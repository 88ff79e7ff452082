#include "custody/base/clock.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(ClockTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1795903664)), "2026-11-28T22:07:44Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1795903664999)), "2026-11-28T22:07:44Z");
  EXPECT_EQ(ToUnixSeconds(*ParseTime("2026-11-28T22:07:44Z")), 1795903664);
  EXPECT_EQ(ToUnixSeconds(*ParseTime("2026-11-28 22:07:44")), 1795903664);
  EXPECT_EQ(ToUnixSeconds(*ParseTime("2026-11-28")), 1795903664 - (22 * 3600 + 7 * 60 + 44));
  EXPECT_EQ(ToUnixSeconds(*ParseTime("2028-02-29")) - ToUnixSeconds(*ParseTime("2028-02-28")),
            86400);
}

TEST(ClockTest, RefusesWhatIsNotIso8601) {
  for (const char* bad : {"yesterday", "2026-13-01", "30-06-2027", "2027/06/30", "2027-6-30",
                          "2027-06-31", "2027-02-29", "2027-06-30T25:00:00Z",
                          "2027-06-30T12:00:00+02", "+2027-06-30", "2027-06-30T", ""}) {
    auto t = ParseTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("ISO 8601"), std::string::npos);
  }
}

TEST(ClockTest, UnixConversionsRoundTrip) {
  const Time t = FromUnixMillis(1795903664123);
  EXPECT_EQ(ToUnixMillis(t), 1795903664123);
  EXPECT_EQ(ToUnixSeconds(t), 1795903664);
  EXPECT_EQ(ToUnixSeconds(FromUnixMillis(-1)), -1);  // rounds down
  FakeClock clock(t);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1795903666123);
}

}  // namespace
}  // namespace custody
