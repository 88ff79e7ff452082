#include "custody/base/encoding.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(EncodingTest, Base64KnownAnswers) {
  // RFC 4648 section 10.
  const char* cases[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                            {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                            {"foobar", "Zm9vYmFy"}};
  for (auto& c : cases) {
    EXPECT_EQ(Base64Encode(c[0]), c[1]);
    EXPECT_EQ(*Base64Decode(c[1]), c[0]);
  }
}

TEST(EncodingTest, Base64RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok());
}

TEST(EncodingTest, HexRoundTrip) {
  std::string bytes("\x00\x01\xfe\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001feff");
  EXPECT_EQ(*HexDecode("0001FEff"), bytes);
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(EncodingTest, VarintRoundTrip) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, ~0ull}) {
    std::string s;
    PutVarint64(&s, v);
    std::string_view in = s;
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
  }
  std::string_view truncated("\x80", 1);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&truncated, &v));
}

TEST(EncodingTest, FixedWidthValuesAreLittleEndianAndReadBack) {
  std::string s;
  PutFixed32(&s, 0x01020304u);
  PutFixed64s(&s, std::vector<uint64_t>{0x1122334455667788ull, 1});
  PutDouble(&s, 0.5);
  s.push_back('\x7f');
  // Known answer: byte by byte, least significant first.
  EXPECT_EQ(HexEncode(s.substr(0, 20)), "04030201" "8877665544332211" "0100000000000000");
  EXPECT_EQ(HexEncode(s.substr(20, 8)), "000000000000e03f");
  ByteReader r(s);
  uint32_t a = 0;
  std::vector<uint64_t> b;
  double d = 0;
  uint8_t c = 0;
  ASSERT_TRUE(r.U32(&a) && r.U64s(2, &b) && r.Double(&d) && r.U8(&c));
  EXPECT_EQ(a, 0x01020304u);
  EXPECT_EQ(b, (std::vector<uint64_t>{0x1122334455667788ull, 1}));
  EXPECT_EQ(d, 0.5);
  EXPECT_EQ(c, 0x7f);
  EXPECT_TRUE(r.done());
}

TEST(EncodingTest, ByteReaderRefusesToReadPastTheEnd) {
  const std::string s("\x01\x02\x03", 3);
  ByteReader r(s);
  uint32_t a = 0;
  EXPECT_FALSE(r.U32(&a));
  EXPECT_EQ(r.left(), 3u);  // nothing consumed
  std::vector<uint64_t> v;
  EXPECT_FALSE(r.U64s(size_t{1} << 60, &v));  // refused before allocating
  EXPECT_TRUE(v.empty());
  std::string bytes;
  EXPECT_FALSE(r.Bytes(4, &bytes));
  EXPECT_TRUE(r.Bytes(3, &bytes));
  EXPECT_EQ(bytes, s);
  uint8_t c = 0;
  EXPECT_FALSE(r.U8(&c));
}

}  // namespace
}  // namespace custody
