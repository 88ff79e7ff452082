#include "custody/sketch/sketcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace custody::sketch {
namespace {

crypto::SecretBytes Key(char c) { return crypto::SecretBytes::FromBytes(std::string(32, c)); }

RecordSketch SketchOf(const Sketcher& s, std::vector<std::string_view> fields) {
  RecordSketch r;
  s.Sketch(fields, &r);
  return r;
}

TEST(SketcherTest, RejectsShortKey) {
  EXPECT_FALSE(Sketcher::Create(crypto::SecretBytes::FromBytes("short"), {}).ok());
}

TEST(SketcherTest, NormalizationMakesVariantsIdentical) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  auto a = SketchOf(*s, {"\xE2\x80\x9CHello\xE2\x80\x9D   World, it\xE2\x80\x99s me", "Second field here ok"});
  auto b = SketchOf(*s, {"\"hello\" world, it's ME", "second  FIELD here ok"});
  EXPECT_EQ(a.joined, b.joined);
  EXPECT_EQ(a.record_key, b.record_key);
  EXPECT_EQ(a.sig, b.sig);
  EXPECT_EQ(a.field_keys, b.field_keys);
  EXPECT_EQ(a.field_keys.size(), 2u);
}

TEST(SketcherTest, HashesDependOnTheKey) {
  auto s1 = std::move(Sketcher::Create(Key('a'), {})).value();
  auto s2 = std::move(Sketcher::Create(Key('b'), {})).value();
  auto a = SketchOf(*s1, {"the same text in both sketches"});
  auto b = SketchOf(*s2, {"the same text in both sketches"});
  EXPECT_NE(a.record_key, b.record_key);
  EXPECT_NE(a.shingles, b.shingles);
  EXPECT_NE(s1->key_check(), s2->key_check());
}

TEST(SketcherTest, EstimatesJaccard) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  std::string base, other;
  for (int i = 0; i < 200; ++i) base += "w" + std::to_string(i) + " ";
  for (int i = 0; i < 200; ++i) other += "v" + std::to_string(i) + " ";
  auto a = SketchOf(*s, {base});
  EXPECT_EQ(SignatureMatches(a.sig.data(), a.sig.data(), s->params()), s->params().bins());
  EXPECT_DOUBLE_EQ(EstimateJaccard(s->params().bins(), s->params()), 1.0);
  auto b = SketchOf(*s, {other});
  double j_unrelated =
      EstimateJaccard(SignatureMatches(a.sig.data(), b.sig.data(), s->params()), s->params());
  EXPECT_LT(j_unrelated, 0.2);
  // Replace the second half: true Jaccard = 99/299 ~ 0.33 (3-word shingles).
  std::string half;
  for (int i = 0; i < 100; ++i) half += "w" + std::to_string(i) + " ";
  for (int i = 100; i < 200; ++i) half += "v" + std::to_string(i) + " ";
  auto c = SketchOf(*s, {half});
  double j_half =
      EstimateJaccard(SignatureMatches(a.sig.data(), c.sig.data(), s->params()), s->params());
  EXPECT_GT(j_half, 0.1);
  EXPECT_LT(j_half, 0.6);
}

TEST(SketcherTest, EmptyRecordHasNoShingles) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  auto a = SketchOf(*s, {"", "  \t"});
  EXPECT_TRUE(a.joined.empty());
  EXPECT_EQ(a.shingle_count, 0u);
}

}  // namespace
}  // namespace custody::sketch
