// Tests of canary records.
#include "custody/mark/canary.h"

#include <gtest/gtest.h>

#include <set>

#include "custody/text/normalize.h"

namespace custody::mark {
namespace {

crypto::SecretBytes TestKey() { return crypto::SecretBytes::FromBytes(std::string(32, 5)); }

CanaryMaker Maker() {
  auto m = CanaryMaker::Create(TestKey());
  EXPECT_TRUE(m.ok());
  return std::move(m).value();
}

const char* kQ =
    "Natalia sold 48 apples to her friends in April, and then she sold half as many in May. "
    "How many apples did Natalia sell? James bought 3 tulips.";
const char* kA = "Natalia sold 48/2 = <<48/2=24>>24 apples in May.\n#### 72";

std::vector<TextField> Source() { return {{"question", kQ}, {"answer", kA}}; }

TEST(CanaryTest, SubstitutesNamesAndNounsKeepingNumbers) {
  CanaryMaker cm = Maker();
  auto c = cm.Make(Source(), MemberId(1), 0);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->substitutions.size(), 4u);  // natalia, apple, james, tulip
  EXPECT_NE(c->values[0], kQ);
  EXPECT_EQ(c->values[0].find("Natalia"), std::string::npos);
  EXPECT_EQ(c->values[0].find("apples"), std::string::npos);
  EXPECT_NE(c->values[0].find(" April,"), std::string::npos);  // months are not names
  EXPECT_NE(c->values[1].find("48/2 = <<48/2=24>>24 "), std::string::npos);
  EXPECT_NE(c->values[1].find("#### 72"), std::string::npos);
  EXPECT_LT(c->false_match_probability, 1e-5);
  // Pronouns still fit: Natalia became another female name.
  for (const Substitution& s : c->substitutions) {
    EXPECT_NE(s.from, s.to);
  }
}

TEST(CanaryTest, DistinctPerMemberAndIndexAndDeterministic) {
  CanaryMaker cm = Maker();
  std::set<std::vector<std::string>> seen;
  for (uint64_t m = 0; m < 200; ++m) {
    auto c = cm.Make(Source(), MemberId(m), 0);
    ASSERT_TRUE(c.has_value());
    EXPECT_TRUE(seen.insert(c->values).second) << "member " << m;
    EXPECT_EQ(c->values, cm.Make(Source(), MemberId(m), 0)->values);
  }
  EXPECT_NE(cm.Make(Source(), MemberId(1), 0)->values, cm.Make(Source(), MemberId(1), 1)->values);
}

TEST(CanaryTest, NulloptWithoutEntities) {
  CanaryMaker cm = Maker();
  std::vector<TextField> f = {{"q", "How much is 3 + 4? It is 7. In April he came."}};
  EXPECT_FALSE(cm.Make(f, MemberId(1), 0).has_value());
}

TEST(CanaryTest, EvidenceNamesOnlyTheHolder) {
  CanaryMaker cm = Maker();
  auto mine = cm.Make(Source(), MemberId(1), 0);
  auto theirs = cm.Make(Source(), MemberId(2), 0);
  ASSERT_TRUE(mine && theirs);
  auto views = [](const Canary& c) {
    return std::vector<std::string_view>(c.values.begin(), c.values.end());
  };
  EXPECT_TRUE(CanaryEvidence(mine->substitutions, views(*mine)).is_match);
  // After normalization too.
  std::vector<std::string> norm;
  for (auto& v : mine->values) norm.push_back(text::NormalizeForMatch(v));
  std::vector<std::string_view> nv(norm.begin(), norm.end());
  EXPECT_TRUE(CanaryEvidence(mine->substitutions, nv).is_match);
  EXPECT_FALSE(CanaryEvidence(mine->substitutions, views(*theirs)).is_match);
  std::vector<std::string_view> src = {kQ, kA};
  CanaryMatch m = CanaryEvidence(mine->substitutions, src);
  EXPECT_FALSE(m.is_match);
  EXPECT_FALSE(m.originals_absent);
}

TEST(CanaryTest, Count) {
  EXPECT_EQ(CanaryCount(0), 0u);
  EXPECT_EQ(CanaryCount(10), 1u);
  EXPECT_EQ(CanaryCount(1000), 10u);
  EXPECT_EQ(CanaryCount(1000, 0.05), 50u);
  EXPECT_EQ(CanaryCount(1000, 0), 0u);
}

}  // namespace
}  // namespace custody::mark
