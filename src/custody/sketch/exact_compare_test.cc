#include "custody/sketch/exact_compare.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/sketch/record_words.h"
#include "custody/text/tokenize.h"

namespace custody::sketch {
namespace {

RecordSketch SketchOf(const Sketcher& s, std::vector<std::string_view> fields) {
  RecordSketch r;
  s.Sketch(fields, &r);
  return r;
}

std::unique_ptr<Sketcher> MakeSketcher() {
  return std::move(Sketcher::Create(crypto::SecretBytes::FromBytes(std::string(32, 'e')), {}))
      .value();
}

TEST(WordLcsTest, KnownValues) {
  CompareScratch s;
  std::vector<uint64_t> a = {1, 2, 3, 4, 5}, b = {1, 3, 5, 7};
  EXPECT_EQ(WordLcs(a, b, &s), 3u);
  EXPECT_EQ(WordLcs(b, a, &s), 3u);
  EXPECT_EQ(WordLcs(a, {}, &s), 0u);
  std::vector<uint64_t> c = {9, 9, 9};
  EXPECT_EQ(WordLcs(a, c, &s), 0u);
}

TEST(WordLcsTest, MatchesDynamicProgrammingAcrossWordBoundaries) {
  // Sequences longer than 64 words exercise the carry between words.
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % 7;
  };
  CompareScratch s;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint64_t> a(50 + trial * 7), b(60 + trial * 9);
    for (auto& x : a) x = next();
    for (auto& x : b) x = next();
    std::vector<std::vector<uint32_t>> dp(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        dp[i][j] = a[i - 1] == b[j - 1] ? dp[i - 1][j - 1] + 1
                                         : std::max(dp[i - 1][j], dp[i][j - 1]);
      }
    }
    EXPECT_EQ(WordLcs(a, b, &s), dp[a.size()][b.size()]) << trial;
  }
}

TEST(CompareExactTest, ReorderedFieldsAlignFully) {
  auto sk = MakeSketcher();
  auto rec = SketchOf(*sk, {"natalia sold clips to 48 of her friends in april",
                            "natalia sold 48/2 = 24 clips in may"});
  auto dump = SketchOf(*sk, {"natalia sold 48/2 = 24 clips in may",
                             "natalia sold clips to 48 of her friends in april"});
  CompareScratch s;
  ExactSimilarity e = CompareExact(dump, rec, &s);
  EXPECT_EQ(e.lcs, e.record_words);
  EXPECT_DOUBLE_EQ(e.aligned(), 1.0);
}

TEST(CompareExactTest, EditedCopyAlignsBetterThanSibling) {
  auto sk = MakeSketcher();
  auto rec = SketchOf(*sk, {"tom has 12 apples and gives 5 of them to his sister mary. how many "
                            "apples does tom have left at the end of the day?"});
  auto edited = SketchOf(*sk, {"tom has 12 apples and quickly gives 5 of them to his sister. how "
                               "many apples does tom have left at the end of day?"});
  auto sibling = SketchOf(*sk, {"ann has 30 pears and gives 7 of them to her brother joe. how many "
                                "pears does ann have left at the end of the week?"});
  CompareScratch s;
  ExactSimilarity a = CompareExact(edited, rec, &s);
  ExactSimilarity b = CompareExact(sibling, rec, &s);
  EXPECT_GT(a.aligned(), 0.85);
  EXPECT_LT(b.aligned(), 0.75);
  EXPECT_GT(a.jaccard, b.jaccard);
  EXPECT_GE(a.containment, 0.0);
  EXPECT_LE(a.containment, 1.0);
}


TEST(CompareExactTest, SetFiguresEqualShingleSetsOfTheText) {
  // Jaccard, containment and kept against string shingle sets of the same
  // texts, with repeated words and phrases (a small vocabulary).
  auto sk = MakeSketcher();
  std::mt19937_64 rng(17);
  const char* vocab[] = {"a", "b", "c", "d", "e", "f", "g"};
  CompareScratch s;
  for (int iter = 0; iter < 300; ++iter) {
    std::string x, y;
    const int nx = static_cast<int>(rng() % 40), ny = static_cast<int>(rng() % 40);
    for (int i = 0; i < nx; ++i) x += std::string(vocab[rng() % 7]) + " ";
    for (int i = 0; i < ny; ++i) y += std::string(vocab[rng() % 7]) + " ";
    if (iter % 2 == 0) y += x;  // overlapping pairs too
    auto dump = SketchOf(*sk, {y});
    auto rec = SketchOf(*sk, {x});
    ExactSimilarity e = CompareExact(dump, rec, &s);
    if (!x.empty() && !y.empty()) {
      EXPECT_DOUBLE_EQ(e.jaccard, text::ShingleJaccard(y, x, 3)) << y << " | " << x;
    }
    EXPECT_DOUBLE_EQ(e.containment, text::ShingleContainment(y, x, 3)) << y << " | " << x;
    EXPECT_DOUBLE_EQ(e.kept, text::ShingleContainment(x, y, 3)) << y << " | " << x;
  }
}

}  // namespace
}  // namespace custody::sketch

namespace custody::sketch {
namespace {

TEST(RecordWordsTest, RoundTripsAndRejectsEveryTruncation) {
  RecordWords w;
  w.tokens = {7, 0xFFFFFFFFu, 3, 3, 42};
  w.field_ends = {2, 5};
  w.field_keys = {0x0123456789ABCDEFull};
  std::string enc;
  AppendRecordWords(w, &enc);
  RecordWords back;
  ASSERT_TRUE(ParseRecordWords(enc, &back));
  EXPECT_EQ(back.tokens, w.tokens);
  EXPECT_EQ(back.field_ends, w.field_ends);
  EXPECT_EQ(back.field_keys, w.field_keys);
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(ParseRecordWords(std::string_view(enc).substr(0, n), &back)) << n;
  }
  EXPECT_FALSE(ParseRecordWords(enc + "x", &back));
  // Field ends out of order or past the tokens are refused.
  std::string bad;
  PutVarint64(&bad, 2);
  PutVarint64(&bad, 2);
  PutVarint64(&bad, 0);
  PutVarint64(&bad, 2);
  PutVarint64(&bad, 1);
  PutFixed32(&bad, 1);
  PutFixed32(&bad, 2);
  EXPECT_FALSE(ParseRecordWords(bad, &back));
  RecordWords empty;
  enc.clear();
  AppendRecordWords(empty, &enc);
  EXPECT_TRUE(ParseRecordWords(enc, &back));
  EXPECT_TRUE(back.tokens.empty());
}

TEST(RecordWordsTest, WordsOfASketchCompareAsTheSketch) {
  auto sk = std::move(Sketcher::Create(crypto::SecretBytes::FromBytes(std::string(32, 'k')),
                                       SketchParams{})).value();
  RecordSketch a, b;
  std::string_view fa[] = {"Tom has twelve apples and gives five to Mary", "How many are left"};
  std::string_view fb[] = {"How many are left today", "Tom has twelve apples and gives five to Mary"};
  sk->SketchWords(fa, &a);
  sk->SketchWords(fb, &b);
  RecordWords wa, wb;
  WordsFromSketch(a, &wa);
  WordsFromSketch(b, &wb);
  EXPECT_EQ(wa.tokens.size(), a.word_hashes.size());
  EXPECT_EQ(wa.field_ends, a.field_ends);
  CompareScratch s;
  ExactSimilarity e = CompareWords(wb, wa, 3, &s);
  EXPECT_EQ(e.lcs, 13u);  // every record word, in order, once the fields are swapped
  EXPECT_EQ(e.record_words, 13u);
  EXPECT_EQ(e.dump_words, 14u);
}

}  // namespace
}  // namespace custody::sketch
