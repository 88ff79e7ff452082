#include "custody/core/attribution/exposure.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "custody/core/attribution/tails.h"

namespace custody::core::attribution {
namespace {

std::vector<uint64_t> Range(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> v(hi - lo);
  std::iota(v.begin(), v.end(), lo);
  return v;
}

TEST(ExposureTest, LeakerOfADistinctSetHasTinyPValue) {
  // Members hold disjoint blocks of 100 plus a shared block; the leak is 50
  // records of member 1's own block.
  std::vector<std::vector<uint64_t>> held;
  for (uint64_t m = 0; m < 5; ++m) {
    auto v = Range(m * 100, m * 100 + 100);
    auto shared = Range(1000, 1050);
    v.insert(v.end(), shared.begin(), shared.end());
    held.push_back(v);
  }
  const auto leaked = Range(100, 150);
  auto x = ExposureAnalysis::Create(held, leaked);
  ASSERT_TRUE(x.ok());
  // Member 1 alone held these: nobody else could be the source.
  const ExposureResult guilty = x->ForMember(1);
  EXPECT_EQ(guilty.leaked_held, 50u);
  EXPECT_EQ(guilty.leaked_exclusive, 50u);
  EXPECT_EQ(guilty.silence, ExposureSilence::kNothingInScope);
  const ExposureResult other = x->ForMember(0);
  EXPECT_EQ(other.leaked_held, 0u);
  EXPECT_TRUE(other.informative);
  EXPECT_EQ(other.log10_p, 0.0);
}

TEST(ExposureTest, IdenticalSetsCannotBeSeparated) {
  std::vector<std::vector<uint64_t>> held = {Range(0, 100), Range(0, 100),
                                             Range(50, 150), Range(200, 300)};
  const auto leaked = Range(10, 40);
  auto x = ExposureAnalysis::Create(held, leaked);
  ASSERT_TRUE(x.ok());
  for (size_t m : {0u, 1u}) {
    const ExposureResult r = x->ForMember(m);
    EXPECT_FALSE(r.informative);
    EXPECT_EQ(r.silence, ExposureSilence::kIdenticalSet);
    EXPECT_EQ(r.log10_p, 0.0);
  }
}

TEST(ExposureTest, UnionAlternativeIsTheHypergeometric) {
  // Independent-looking sets: member 0 holds the even records, member 1 the
  // multiples of 3, member 2 everything below 600. Leak: 60 evens below 600.
  std::vector<std::vector<uint64_t>> held(3);
  for (uint64_t r = 0; r < 1200; ++r) {
    if (r % 2 == 0) held[0].push_back(r);
    if (r % 3 == 0) held[1].push_back(r);
    if (r < 600) held[2].push_back(r);
  }
  std::vector<uint64_t> leaked;
  for (uint64_t r = 0; r < 120; r += 2) leaked.push_back(r);
  ExposureOptions options;
  options.auto_link_log10 = -1000;  // no automatic links here
  auto x = ExposureAnalysis::Create(held, leaked, options);
  ASSERT_TRUE(x.ok());
  const ExposureResult r = x->ForMember(1);
  // Others' union: evens of 0..1199 and all of 0..599: 600 + 300 = 900.
  // Member 1's records in it: multiples of 3 that are even or < 600: 200 + 100.
  // Leaked in it: 60; of them multiples of 3: 20. Member 2 (< 600) holds all
  // leaked records and is tried as a sole source too.
  const double union_p =
      LnToLog10(LogHypergeometricUpperTail(900, 300, 60, 20));
  const double sole_p = LnToLog10(LogHypergeometricUpperTail(600, 200, 60, 20));
  EXPECT_NEAR(r.log10_p, std::max(union_p, sole_p), 1e-12);
  EXPECT_TRUE(r.informative);
}

TEST(ExposureTest, SharedByEveryoneIsSilent) {
  std::vector<std::vector<uint64_t>> held(4, Range(0, 500));
  held[3] = Range(0, 501);  // not identical, but the union test is forced
  auto x = ExposureAnalysis::Create(held, Range(0, 100));
  ASSERT_TRUE(x.ok());
  for (size_t m = 0; m < 4; ++m) EXPECT_FALSE(x->ForMember(m).informative) << m;
}

TEST(ExposureTest, LinkedMemberIsTriedAsTheSource) {
  // Member 1 shares most of member 0's records (same partner); a leak from
  // member 0's shared part must not make member 1 look guilty.
  std::mt19937_64 rng(3);
  std::vector<std::vector<uint64_t>> held(10);
  const auto shared = Range(0, 300);
  held[0] = shared;
  held[1] = shared;
  for (uint64_t r = 300; r < 310; ++r) held[0].push_back(r);
  for (uint64_t r = 310; r < 320; ++r) held[1].push_back(r);
  for (size_t m = 2; m < 10; ++m) {
    for (uint64_t r = 0; r < 3000; ++r) {
      if (rng() % 10 == 0) held[m].push_back(r);
    }
  }
  std::vector<uint64_t> leaked = Range(0, 100);
  leaked.push_back(305);  // only member 0 had this one
  // And one from an outside member, so that no one member is a sole source.
  for (uint64_t r : held[2]) {
    if (r >= 320) {
      leaked.push_back(r);
      break;
    }
  }
  auto x = ExposureAnalysis::Create(held, leaked);
  ASSERT_TRUE(x.ok());
  const ExposureResult innocent_mate = x->ForMember(1);
  EXPECT_GT(innocent_mate.log10_p, -2.0);
  EXPECT_EQ(innocent_mate.alternative, 0);
  // Without the link the union test alone would condemn member 1.
  ExposureOptions no_links;
  no_links.auto_link_log10 = -1e9;
  auto y = ExposureAnalysis::Create(held, leaked, no_links);
  ASSERT_TRUE(y.ok());
  EXPECT_LT(y->ForMember(1).log10_p, -20.0);
}

TEST(ExposureTest, LargeIdsAreRanked) {
  const uint64_t base = uint64_t{1} << 40;
  std::vector<std::vector<uint64_t>> held = {{base, base + 7, base + 9}, {base + 7}};
  auto x = ExposureAnalysis::Create(held, std::vector<uint64_t>{base + 7, base + 9});
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->ForMember(0).leaked_held, 2u);
  EXPECT_EQ(x->ForMember(0).leaked_exclusive, 1u);
  EXPECT_EQ(x->ForCandidate(std::vector<uint64_t>{base + 9, 5}).leaked_held, 1u);
}

TEST(ExposureTest, RejectsLinkOutOfRange) {
  std::vector<std::vector<uint64_t>> held = {{1}, {2}};
  ExposureOptions o;
  o.links = {{0, 2}};
  EXPECT_FALSE(ExposureAnalysis::Create(held, std::vector<uint64_t>{1}, o).ok());
}

}  // namespace
}  // namespace custody::core::attribution
