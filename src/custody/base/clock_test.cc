#include "custody/base/clock.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(ClockTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1795903664), "2026-11-28T22:07:44Z");
  EXPECT_EQ(*ParseTime("2026-11-28T22:07:44Z"), 1795903664);
  EXPECT_EQ(*ParseTime("2026-11-28"), 1795903664 - (22 * 3600 + 7 * 60 + 44));
  EXPECT_FALSE(ParseTime("yesterday").ok());
  EXPECT_FALSE(ParseTime("2026-13-01").ok());
}

}  // namespace
}  // namespace custody
