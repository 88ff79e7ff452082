#include "custody/text/tokenize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "custody/text/normalize.h"

namespace custody::text {
namespace {

using ::testing::ElementsAre;

TEST(TokenizeTest, SplitsOnNonWordCharacters) {
  EXPECT_THAT(Words("don't stop, 48/2=<<24>>24!"),
              ElementsAre("don", "t", "stop", "48", "2", "24", "24"));
  EXPECT_TRUE(Words("").empty());
  EXPECT_TRUE(Words(" ,.;!").empty());
  EXPECT_THAT(Words("caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x94 x"),
              ElementsAre("caf\xC3\xA9", "na\xC3\xAFve", "x"));
}

TEST(TokenizeTest, WordsMatchAPlainCodePointScan) {
  // Reference: decode every code point, a word is a maximal run of word
  // characters. Random mixes of ASCII, letters, marks, symbols and invalid
  // bytes must split the same way as the table-driven scan.
  auto reference = [](std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0, start = 0;
    bool in = false;
    while (i < s.size()) {
      size_t at = i;
      const unsigned char c = static_cast<unsigned char>(s[i]);
      bool word;
      if (c < 0x80) {
        word = internal::IsAsciiWordByte(c);
        ++i;
      } else {
        int32_t cp = DecodeUtf8(s, &i);
        word = cp >= 0 && internal::IsWordCodePoint(cp);
      }
      if (word && !in) start = at, in = true;
      if (!word && in) out.push_back(s.substr(start, at - start)), in = false;
    }
    if (in) out.push_back(s.substr(start));
    return out;
  };
  std::mt19937_64 rng(11);
  const char* pool[] = {"a", "Z", "7", " ", "-", "'", "\n", "\xC3\xA9", "\xCC\x81", "\xE2\x80\x94",
                        "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xE2\x82\xAC", "\xD9\xA3"};
  const char* ascii[] = {"a", "Z", "7", "m", "q", "0", "9", "z", "A", " ", "-", "@", "[", "`", "{", "/", ":"};
  for (int iter = 0; iter < 40000; ++iter) {
    // Half the inputs are mostly ASCII word bytes: long words cross the
    // eight-byte steps at every offset.
    const bool long_words = iter % 2 == 1;
    std::string s;
    const int len = static_cast<int>(rng() % (long_words ? 48 : 24));
    for (int i = 0; i < len; ++i) {
      s += long_words && rng() % 8 != 0 ? ascii[rng() % 9] : long_words ? ascii[9 + rng() % 8]
                                                                        : pool[rng() % std::size(pool)];
      if (long_words && rng() % 32 == 0) s += pool[rng() % std::size(pool)];
    }
    std::vector<std::string_view> got;
    ForEachWord(s, [&](std::string_view w) { got.push_back(w); });
    ASSERT_EQ(got, reference(s)) << "input: '" << s << "'";
  }
}

TEST(TokenizeTest, Shingles) {
  auto w = Words("a b c d");
  EXPECT_THAT(WordShingles(w, 3), ElementsAre("a b c", "b c d"));
  EXPECT_THAT(WordShingles(w, 5), ElementsAre("a b c d"));
  EXPECT_THAT(WordShingles(w, 1), ElementsAre("a", "b", "c", "d"));
  EXPECT_TRUE(WordShingles({}, 3).empty());
}

TEST(TokenizeTest, JaccardAndContainment) {
  EXPECT_DOUBLE_EQ(ShingleJaccard("a b c d", "a b c d", 3), 1.0);
  // {abc, bcd} vs {abc, bce}: 1 shared of 3.
  EXPECT_DOUBLE_EQ(ShingleJaccard("a b c d", "a b c e", 3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(ShingleContainment("a b c", "x a b c y", 3), 1.0);
  EXPECT_DOUBLE_EQ(ShingleContainment("x a b c y", "a b c", 3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(ShingleJaccard("", "", 3), 1.0);
  EXPECT_DOUBLE_EQ(ShingleJaccard("a", "", 3), 0.0);
}

TEST(TokenizeTest, NormalizedVariantsHaveTheSameWords) {
  std::string a = NormalizeForMatch("\xE2\x80\x9CIt\xE2\x80\x99s  FINE\xE2\x80\x9D");
  std::string b = NormalizeForMatch("\"it's fine\"");
  EXPECT_EQ(Words(a), Words(b));
}

}  // namespace
}  // namespace custody::text
