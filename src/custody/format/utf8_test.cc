#include "custody/format/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace custody::format {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  for (std::string_view s : {"", "plain ascii", "café", "東京", "😀", "\x7f", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(FirstInvalidUtf8(s), s.size()) << s;
  }
}

TEST(Utf8Test, FindsTheFirstIllFormedSequence) {
  struct Case {
    std::string text;
    size_t offset;
  };
  const Case cases[] = {
      {"abc\x80", 3},                   // stray continuation byte
      {"ab\xC0\xAF", 2},                // overlong
      {"\xE0\x80\xAF", 0},              // overlong 3-byte
      {"xx\xED\xA0\x80", 2},            // surrogate
      {"\xF4\x90\x80\x80", 0},          // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},          // invalid lead byte
      {"0123456789abcdef\xC3", 16},     // truncated at end, after the fast path
      {"caf\xC3\xA9 \xE6\x9D", 6},      // truncated 3-byte sequence
      {"\xFF", 0},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.text));
    EXPECT_EQ(FirstInvalidUtf8(c.text), c.offset);
  }
}

TEST(Utf8Test, AgreesWithTheFastValidatorOnAllTwoByteStrings) {
  std::string s(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      s[0] = static_cast<char>(a);
      s[1] = static_cast<char>(b);
      EXPECT_EQ(IsValidUtf8(s), FirstInvalidUtf8(s) == s.size()) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace custody::format
