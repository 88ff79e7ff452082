#include "custody/text/normalize.h"

#include <gtest/gtest.h>

#include <random>

#include "custody/text/utf8.h"

namespace custody::text {
namespace {

TEST(NormalizeTest, AsciiFastPath) {
  EXPECT_EQ(NormalizeForMatch("  Hello,\tWORLD!\r\n  Bye  "), "hello, world! bye");
  EXPECT_EQ(NormalizeForMatch(""), "");
  EXPECT_EQ(NormalizeForMatch(" \n\t "), "");
  EXPECT_EQ(NormalizeForMatch("a\x01" "b\x7F" "c"), "abc");
  EXPECT_EQ(NormalizeForMatch("<<48/2=24>>24 clips"), "<<48/2=24>>24 clips");
}

TEST(NormalizeTest, NfkcAndCaseFold) {
  EXPECT_EQ(NormalizeForMatch("\xEF\xBC\xA1\xEF\xBD\x82\xEF\xBC\x83"), "ab#");    // fullwidth
  EXPECT_EQ(NormalizeForMatch("\xEF\xAC\x81" "ne"), "fine");                     // fi ligature
  EXPECT_EQ(NormalizeForMatch("Cafe\xCC\x81"), "caf\xC3\xA9");                    // composed
  EXPECT_EQ(NormalizeForMatch("CAF\xC3\x89"), "caf\xC3\xA9");
  EXPECT_EQ(NormalizeForMatch("Stra\xC3\x9F" "e"), "strasse");                    // sharp s folds
  EXPECT_EQ(NormalizeForMatch("x\xC2\xB2"), "x2");                                // superscript
}

TEST(NormalizeTest, RemovesFormatAndZeroWidth) {
  EXPECT_EQ(NormalizeForMatch("ze\xE2\x80\x8Bro wi\xE2\x80\x8D" "dth\xEF\xBB\xBF"), "zero width");
  EXPECT_EQ(NormalizeForMatch("soft\xC2\xAD" "hyphen"), "softhyphen");
  EXPECT_EQ(NormalizeForMatch("a\xE2\x81\xA0" "b\xE2\x80\x8E" "c"), "abc");      // word joiner, LRM
}

TEST(NormalizeTest, MapsLookAlikes) {
  // Cyrillic "а", "е", "о", "р", "с" inside Latin words, and uppercase Cyrillic.
  EXPECT_EQ(NormalizeForMatch("\xD0\xB0pple \xD1\x81" "at \xD0\x9E" "K"), "apple cat ok");
  EXPECT_EQ(NormalizeForMatch("\xCE\xBF\xCE\xBD" "e"), "ove");                   // Greek
  EXPECT_EQ(NormalizeForMatch("\xC4\xB1" "t"), "it");                           // dotless i
}

TEST(NormalizeTest, UncurlsQuotesAndDashes) {
  EXPECT_EQ(NormalizeForMatch("\xE2\x80\x9CHi\xE2\x80\x9D, it\xE2\x80\x99s \xE2\x80\x98ok\xE2\x80\x99"),
            "\"hi\", it's 'ok'");
  EXPECT_EQ(NormalizeForMatch("a\xE2\x80\x94" "b\xE2\x80\x93" "c\xE2\x88\x92" "1"), "a-b-c-1");
}

TEST(NormalizeTest, CollapsesUnicodeSpaces) {
  EXPECT_EQ(NormalizeForMatch("a\xC2\xA0\xE2\x80\x83" "b\xE3\x80\x80" "c\xE2\x80\xA8"), "a b c");
}

TEST(NormalizeTest, DropsInvalidBytes) {
  EXPECT_EQ(NormalizeForMatch("Ab\xFF" "c \xC3\xA9"), "abc \xC3\xA9");
}

TEST(NormalizeTest, BlockFastPathEqualsTheByteRules) {
  // The byte rules written plainly: drop controls, collapse and trim white
  // space, lower-case A-Z. Random ASCII stresses the eight-byte path at
  // every alignment (single and double spaces, block-final spaces, tabs).
  auto reference = [](std::string_view s) {
    std::string out;
    bool pending = false;
    for (unsigned char c : s) {
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        pending = !out.empty();
      } else if (c < 0x20 || c == 0x7F) {
        continue;
      } else {
        if (pending) out.push_back(' '), pending = false;
        out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c));
      }
    }
    return out;
  };
  std::mt19937_64 rng(7);
  const char pool[] = "aZqM09 .,'\"@[`{~ \t\n\x01\x7F  xyz";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) s.push_back(pool[rng() % (sizeof(pool) - 1)]);
    ASSERT_EQ(NormalizeForMatch(s), reference(s)) << "input: '" << s << "'";
  }
  // A non-ASCII word right after a block: the run bookkeeping must hold.
  EXPECT_EQ(NormalizeForMatch("Hello wo \xC3\x89t\xC3\xA9 x"), "hello wo \xC3\xA9t\xC3\xA9 x");
  EXPECT_EQ(NormalizeForMatch("abcdefg \xC3\x89"), "abcdefg \xC3\xA9");
  EXPECT_EQ(NormalizeForMatch("abcdefgh\xC3\x89 Z"), "abcdefgh\xC3\xA9 z");
}

TEST(NormalizeTest, FastPathsEqualTheWholeTextRules) {
  // Random text mixing ASCII, typographic quotes and dashes (mapped in
  // place), accents and combining marks next to them, look-alikes, format
  // characters, compatibility forms and invalid bytes: the one-pass
  // normalizer must equal utf8proc applied to the whole text.
  std::mt19937_64 rng(99);
  const int32_t cps[] = {'a', 'E', 's', ' ', ' ', '\n', '.', '\'', '"', 0x2018, 0x2019, 0x201C,
                         0x201D, 0x2013, 0x2014, 0x2026, 0x0301, 0x0308, 0xE9, 0xC9, 0x0430,
                         0x200B, 0x00AD, 0xFB01, 0x00A0, 0x3000, 0x03A3, 0x00DF, 0x1E9E, 0x2212};
  const char* raw[] = {"\xE2", "\xE2\x80", "\x80", "\xC3", "\xF0\x9F", "\xE2\x80\x9F"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int len = static_cast<int>(rng() % 24);
    for (int i = 0; i < len; ++i) {
      if (rng() % 12 == 0) {
        s += raw[rng() % std::size(raw)];
      } else {
        AppendUtf8(cps[rng() % std::size(cps)], &s);
      }
    }
    ASSERT_EQ(NormalizeForMatch(s), internal::NormalizeReference(s)) << "input: '" << s << "'";
  }
  EXPECT_EQ(NormalizeForMatch("\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x80\x94 it\xE2\x80\x99s"),
            "\"quoted\" - it's");
}

TEST(NormalizeTest, AppendKeepsWhatCameBefore) {
  // Growth past the first estimate (a short run that normalizes long: the
  // ligature and the full-width letters expand) with text already there.
  const char* inputs[] = {"", "Plain ASCII", "\xEF\xAC\x81 \xEF\xAC\x81\xEF\xAC\x81 Caf\xC3\xA9",
                          "\xE2\x80\x9Cq\xE2\x80\x9D \xE3\x80\x80 x"};
  for (const char* prefix : {"", "already here "}) {
    for (const char* in : inputs) {
      std::string out = prefix;
      NormalizeForMatchAppend(in, &out);
      EXPECT_EQ(out, std::string(prefix) + NormalizeForMatch(in)) << in;
    }
  }
}

TEST(NormalizeTest, AsciiPathAgreesWithUnicodePath) {
  // Appending a non-ASCII letter forces the Unicode path; the ASCII prefix
  // must normalize identically either way.
  const char* samples[] = {"Hello  World", " Tabs\tand\nNewlines ", "MiXeD 123 <<1+1=2>>",
                           "punct: !?;'\"-", "ctrl\x01\x02" "chars"};
  for (const char* s : samples) {
    std::string ascii = NormalizeForMatch(s);
    std::string uni = NormalizeForMatch(std::string(s) + " \xC3\xA9");
    EXPECT_EQ(uni, ascii + (ascii.empty() ? "" : " ") + "\xC3\xA9") << s;
  }
}

TEST(NormalizeTest, IsIdempotentOnRandomInput) {
  std::mt19937_64 rng(42);
  const int32_t pool[] = {'a', 'Z', ' ', '\n', '7', '-', 0xE9, 0x0430, 0x2019, 0x201C, 0x2014,
                          0x200B, 0xFB01, 0xFF21, 0x3000, 0x00A0, 0x0301, 0x1F600, 0x00DF};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s;
    int len = static_cast<int>(rng() % 30);
    for (int i = 0; i < len; ++i) {
      int32_t cp = pool[rng() % std::size(pool)];
      AppendUtf8(cp, &s);
    }
    std::string once = NormalizeForMatch(s);
    EXPECT_EQ(NormalizeForMatch(once), once);
  }
}

}  // namespace
}  // namespace custody::text
