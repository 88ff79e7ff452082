#include "custody/core/attribution/attribution.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "custody/core/attribution/tails.h"

namespace custody::core::attribution {
namespace {

TEST(AttributionTest, FisherMatchesClosedForms) {
  // One p-value combines to itself.
  const std::vector<double> one = {-3.0};
  EXPECT_NEAR(Log10Fisher(one), -3.0, 1e-12);
  // Two: P(chi2_4 >= x) = e^{-x/2}(1 + x/2) with x/2 = -ln(p1 p2).
  const std::vector<double> two = {-2.0, -1.0};
  const double h = 3 * std::log(10.0);
  EXPECT_NEAR(Log10Fisher(two), std::log10(std::exp(-h) * (1 + h)), 1e-12);
  EXPECT_EQ(Log10Fisher({}), 0.0);
  // Far below double range stays finite.
  const std::vector<double> tiny = {-400.0, -500.0};
  EXPECT_LT(Log10Fisher(tiny), -890);
  EXPECT_GT(Log10Fisher(tiny), -900);
}

TEST(AttributionTest, CanaryPValueIsBinomialTail) {
  auto r = EvaluateCanaries({.deployed = 10, .found = 1, .false_match_probability = 1e-9});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->informative);
  EXPECT_NEAR(r->log10_p, std::log10(1 - std::pow(1 - 1e-9, 10)), 1e-6);
  auto none = EvaluateCanaries({.deployed = 10, .found = 0});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->informative);
  EXPECT_FALSE(EvaluateCanaries({.deployed = 1, .found = 2}).ok());
  EXPECT_FALSE(EvaluateCanaries({.deployed = 1, .found = 1, .false_match_probability = 2}).ok());
}

MemberEvidence WithMarks(uint64_t id, double log10_p, uint64_t slots = 100) {
  MemberEvidence e;
  e.member_id = MemberId(id);
  e.partner_id = PartnerId(id / 2);
  e.marks = TardosResult{.score = 1, .n_slots = slots, .log10_p = log10_p};
  return e;
}

TEST(AttributionTest, BonferroniAndAlpha) {
  std::vector<MemberEvidence> members;
  for (uint64_t i = 0; i < 100; ++i) members.push_back(WithMarks(i, -0.5));
  members[7].marks->log10_p = -8.5;  // 100 * 10^-8.5 < 1e-6
  members[9].marks->log10_p = -7.5;  // 100 * 10^-7.5 > 1e-6
  auto r = Attribute(members);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->decided);
  EXPECT_TRUE(r->members[7].accused);
  EXPECT_NEAR(r->members[7].log10_corrected, -6.5, 1e-12);
  EXPECT_FALSE(r->members[9].accused);
  EXPECT_EQ(r->members[9].partner_id, PartnerId(4));
  for (size_t i = 0; i < 100; ++i) {
    if (i != 7) {
      EXPECT_FALSE(r->members[i].accused) << i;
    }
  }
  EXPECT_FALSE(Attribute(members, {.alpha = 0}).ok());
  EXPECT_FALSE(Attribute(members, {.alpha = 1e-6, .canary_weight = 1}).ok());
}

TEST(AttributionTest, SilentKindsAreOmittedNotCountedAsOne) {
  MemberEvidence e = WithMarks(1, -9.0);
  e.exposure = ExposureResult{};  // silent: nothing in scope
  int used = 0;
  EXPECT_NEAR(Log10Combined(e, {}, &used), -9.0, 1e-12);
  EXPECT_EQ(used, 1);
  // A silent canary kind costs only the factor 1 / (1 - w).
  e.canaries = CanaryResult{.informative = false, .deployed = 5, .found = 0, .log10_p = 0};
  EXPECT_NEAR(Log10Combined(e, {.alpha = 1e-6, .canary_weight = 0.5}, &used),
              -9.0 + std::log10(2.0), 1e-12);
  // A found canary can carry the verdict alone.
  MemberEvidence c;
  c.canaries = CanaryResult{.informative = true, .deployed = 5, .found = 2, .log10_p = -17};
  EXPECT_NEAR(Log10Combined(c, {.alpha = 1e-6, .canary_weight = 0.5}, &used),
              -17 + std::log10(2.0), 1e-9);
  EXPECT_EQ(used, 1);
}

TEST(AttributionTest, NoInformationIsUndecidable) {
  // A fully paraphrased dump: no readable slot, no canary, an exposure held
  // alike by everyone.
  std::vector<MemberEvidence> members(4);
  for (uint64_t i = 0; i < 4; ++i) {
    members[i].member_id = MemberId(i);
    members[i].marks = TardosResult{};
    members[i].exposure = ExposureResult{.silence = ExposureSilence::kDegenerate};
    members[i].canaries = CanaryResult{.deployed = 3};
  }
  auto r = Attribute(members);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->decided);
  EXPECT_FALSE(r->has_information);
  EXPECT_NE(r->undecidable_reason.find("no readable mark slot"), std::string::npos);
  EXPECT_NE(r->undecidable_reason.find("no canary found"), std::string::npos);
  for (const auto& v : r->members) EXPECT_EQ(v.log10_corrected, 0.0);
}

}  // namespace
}  // namespace custody::core::attribution
