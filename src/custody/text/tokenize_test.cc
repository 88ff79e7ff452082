#include "custody/text/tokenize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
