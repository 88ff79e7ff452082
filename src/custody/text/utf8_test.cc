#include "custody/text/utf8.h"

#include <gtest/gtest.h>

namespace custody::text {
namespace {

TEST(Utf8Test, AcceptsValid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsAscii("abc"));
  EXPECT_FALSE(IsAscii("caf\xC3\xA9"));
}

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xFFxyz"), 3u);
  EXPECT_EQ(FindInvalidUtf8("0123456789\xC0\xAF"), 10u);            // overlong
  EXPECT_EQ(FindInvalidUtf8("a\xED\xA0\x80"), 1u);                   // surrogate
  EXPECT_EQ(FindInvalidUtf8("a\xF4\x90\x80\x80"), 1u);               // > U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ab\xE2\x80"), 2u);                      // truncated
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);                            // lone continuation
}

TEST(Utf8Test, DropInvalidKeepsValidSequences) {
  EXPECT_EQ(DropInvalidUtf8("a\xFF" "b\xC3\xA9\xE2\x80"), "ab\xC3\xA9");
}

TEST(Utf8Test, EncodeDecodeRoundTrip) {
  for (int32_t cp : {0x41, 0xE9, 0x20AC, 0x1F600, 0x10FFFF}) {
    std::string s;
    AppendUtf8(cp, &s);
    size_t pos = 0;
    EXPECT_EQ(DecodeUtf8(s, &pos), cp);
    EXPECT_EQ(pos, s.size());
  }
}

}  // namespace
}  // namespace custody::text
