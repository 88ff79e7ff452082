#include "custody/format/json_writer.h"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace custody::format {
namespace {

std::string Nlohmann(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Double(double v) {
  std::string s;
  AppendJsonDouble(v, &s);
  return s;
}

std::string Text(std::string_view v) {
  std::string s;
  AppendJsonText(v, &s);
  return s;
}

TEST(JsonWriterTest, KnownDoubles) {
  EXPECT_EQ(Double(0.0), "0.0");
  EXPECT_EQ(Double(1.0), "1.0");
  EXPECT_EQ(Double(-106.23467449565), "-106.23467449565");
  EXPECT_EQ(Double(0.0001), "0.0001");  // to_chars alone would write 1e-04
  EXPECT_EQ(Double(1e-6), "1e-06");
  EXPECT_EQ(Double(1e15), "1e+15");
  EXPECT_EQ(Double(999999999999999.0), "999999999999999.0");
  EXPECT_EQ(Double(-3.0), "-3.0");
  EXPECT_EQ(Double(-0.0), Nlohmann(-0.0));
  EXPECT_EQ(Double(std::nan("")), "null");
  EXPECT_EQ(Double(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriterTest, DoublesAgreeWithNlohmann) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> exp10(-30, 30);
  for (int i = 0; i < 200000; ++i) {
    double v = unit(rng) * std::pow(10.0, exp10(rng));
    if (i % 3 == 0) v = -v;
    if (i % 7 == 0) v = std::round(v * 1000) / 1000;  // short decimals
    if (i % 11 == 0) v = std::pow(10.0, exp10(rng));   // powers of ten
    if (i % 5 == 0) v = std::round(v);                  // whole numbers
    ASSERT_EQ(Double(v), Nlohmann(v)) << v;
  }
}

TEST(JsonWriterTest, IntegersAgreeWithNlohmann) {
  for (uint64_t v : {uint64_t{0}, uint64_t{7}, uint64_t{1} << 63, ~uint64_t{0}}) {
    std::string s;
    AppendJsonUint(v, &s);
    EXPECT_EQ(s, Nlohmann(v));
  }
  for (int64_t v : {int64_t{-1}, std::numeric_limits<int64_t>::min(), int64_t{42}}) {
    std::string s;
    AppendJsonInt(v, &s);
    EXPECT_EQ(s, Nlohmann(v));
  }
}

TEST(JsonWriterTest, TextAgreesWithNlohmann) {
  for (std::string v : {std::string("plain"), std::string("quote \" and \\ back"),
                        std::string("tab\tnew\nline\r\b\f"), std::string("\x01\x1f\x7f", 3),
                        std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        std::string("bad \xff byte"), std::string("cut \xe2\x82"),
                        std::string("nul \0 inside", 12), std::string()}) {
    EXPECT_EQ(Text(v), Nlohmann(v)) << v;
  }
}

}  // namespace
}  // namespace custody::format
