// Calibration (the false-accusation bound holds empirically over 10^5
// simulated innocents) and power (leakers and coalitions are accused) of the
// combined attribution statistics.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "custody/core/attribution/attribution.h"
#include "custody/core/attribution/exposure.h"
#include "custody/core/attribution/simulation.h"
#include "custody/core/attribution/tardos.h"

namespace custody::core::attribution {
namespace {

// A uniform random subset of {0..n-1} of size round(fraction n) (Floyd).
std::vector<uint64_t> RandomSubset(uint64_t n, double fraction, std::mt19937_64& rng) {
  const auto k = static_cast<uint64_t>(std::llround(fraction * static_cast<double>(n)));
  std::vector<uint64_t> v;
  std::vector<bool> taken(n, false);
  for (uint64_t j = n - k; j < n; ++j) {
    const uint64_t t = rng() % (j + 1);
    const uint64_t pick = taken[t] ? j : t;
    taken[pick] = true;
  }
  for (uint64_t r = 0; r < n; ++r) {
    if (taken[r]) v.push_back(r);
  }
  return v;
}

// 20 dumps, each from a leaker or a coalition (interleaved or majority-voted
// copies, some slots erased) among 12 members with overlapping random grants,
// each judged against 5,000 innocent members with their own random grants and
// independent codewords: 10^5 innocents. The share of innocents whose combined
// p-value is at most t must be at most t, up to binomial noise: we allow
// count <= t N + 3 sqrt(t N) + 1.
TEST(CalibrationTest, FalseAccusationBoundHoldsForInnocents) {
  constexpr int kDumps = 20;
  constexpr int kInnocentsPerDump = 5000;
  constexpr uint64_t kRecords = 1000;
  constexpr std::array<double, 4> kThresholds = {1e-1, 1e-2, 1e-3, 1e-4};
  std::array<uint64_t, 4> below = {};
  uint64_t total = 0;
  uint64_t informative_exposure = 0;
  uint64_t marks_scored = 0;
  std::mt19937_64 rng(20240601);
  for (int d = 0; d < kDumps; ++d) {
    std::vector<std::vector<uint64_t>> held(12);
    for (auto& h : held) h = RandomSubset(kRecords, 0.1 + 0.3 * Uniform01(rng), rng);
    const uint32_t colluders = 1 + d % 3;
    const bool majority = d % 2 == 0;
    const double cutoff = (d / 2) % 2 == 0 ? 0.01 : 1e-3;  // mark default, Tardos'
    std::vector<uint64_t> pool;
    for (uint32_t c = 0; c < colluders; ++c) pool.insert(pool.end(), held[c].begin(), held[c].end());
    std::sort(pool.begin(), pool.end());
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    std::shuffle(pool.begin(), pool.end(), rng);
    pool.resize(std::min<size_t>(pool.size(), 50 + 30 * d));
    std::sort(pool.begin(), pool.end());
    const std::vector<uint64_t>& leaked = pool;
    // Slots: 3 per record, arcsine biases, colluder copies merged, 20%
    // unreadable; renderings are symbols under a random keyed flip.
    std::vector<SlotObservation> slots;
    std::vector<uint64_t> slot_record;
    for (size_t r = 0; r < leaked.size(); ++r) {
      std::vector<uint32_t> holders;
      for (uint32_t c = 0; c < colluders; ++c) {
        if (std::binary_search(held[c].begin(), held[c].end(), leaked[r])) holders.push_back(c);
      }
      for (int s = 0; s < 3; ++s) {
        SlotObservation o;
        o.slot_id = slots.size();
        o.bias = ArcsineBias(rng, cutoff);
        o.kind = static_cast<mark::SlotKind>(1 + s);
        uint32_t ones = 0;
        for (size_t h = 0; h < holders.size(); ++h) ones += Uniform01(rng) < o.bias;
        const int y = majority ? (2 * ones > holders.size() ? 1 : 0)
                               : (Uniform01(rng) * holders.size() < ones ? 1 : 0);
        const int flip = static_cast<int>(rng() & 1);
        const bool erased = Uniform01(rng) < 0.2;
        o.symbol = static_cast<int8_t>(erased ? -1 : y);
        o.rendering = static_cast<int8_t>(erased ? -1 : y ^ flip);
        slots.push_back(o);
        slot_record.push_back(leaked[r]);
      }
    }
    EraseUniformKinds(slots);
    auto exposure = ExposureAnalysis::Create(held, leaked);
    ASSERT_TRUE(exposure.ok());
    std::vector<uint8_t> codeword(slots.size()), received(slots.size());
    for (int i = 0; i < kInnocentsPerDump; ++i) {
      // An innocent: its own random holdings, a codeword independent of the
      // dump, scored as trace scores a holder (the slots of records it holds).
      MemberEvidence e;
      const std::vector<uint64_t> holds =
          RandomSubset(kRecords, 0.05 + 0.35 * Uniform01(rng), rng);
      e.exposure = exposure->ForCandidate(holds);
      informative_exposure += e.exposure->informative;
      for (size_t s = 0; s < slots.size(); ++s) {
        codeword[s] = Uniform01(rng) < slots[s].bias;
        received[s] = std::binary_search(holds.begin(), holds.end(), slot_record[s]);
      }
      auto marks = ScoreMemberMarks(slots, received, codeword);
      ASSERT_TRUE(marks.ok());
      e.marks = *marks;
      marks_scored += e.marks.has_value();
      int used = 0;
      const double log10_p = Log10Combined(e, {}, &used);
      ASSERT_EQ(used, (e.exposure->informative ? 1 : 0) + (e.marks ? 1 : 0));
      for (size_t t = 0; t < kThresholds.size(); ++t) {
        below[t] += log10_p <= std::log10(kThresholds[t]);
      }
      ++total;
    }
  }
  ASSERT_GE(total, 100000u);
  EXPECT_GT(informative_exposure, total / 2);
  EXPECT_GT(marks_scored, total * 9 / 10);
  for (size_t t = 0; t < kThresholds.size(); ++t) {
    const double expected = kThresholds[t] * static_cast<double>(total);
    EXPECT_LE(static_cast<double>(below[t]), expected + 3 * std::sqrt(expected) + 1)
        << "t = " << kThresholds[t];
    std::printf("t = %g: %llu of %llu innocents at or below (bound %.0f)\n",
                kThresholds[t], static_cast<unsigned long long>(below[t]),
                static_cast<unsigned long long>(total), expected);
  }
}

// 100 members (50 partners of 2 sharing each partner's grant), 200 leaked
// records with about 3 readable slots each, Bonferroni over 100, alpha 1e-6.
TEST(PowerTest, SingleLeakerOf200RecordsIsAccused) {
  SimWorld world;
  SimTrial trial;
  trial.leaked_records = 200;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto r = RunTrial(world, trial, seed);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->detected) << "seed " << seed;
    EXPECT_EQ(r->innocents_accused, 0u) << "seed " << seed;
    EXPECT_EQ(r->accused.size(), 1u);
    EXPECT_TRUE(r->report.decided);
  }
}

TEST(PowerTest, CoalitionOfThreeWithMajorityVoteIsCaught) {
  SimWorld world;
  world.partner_grant_fraction = 0.5;  // colluders share many records
  SimTrial trial;
  trial.colluders = 3;
  trial.merge = Merge::kMajority;
  trial.leaked_records = 1000;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto r = RunTrial(world, trial, seed);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->detected) << "seed " << seed;
    EXPECT_EQ(r->innocents_accused, 0u) << "seed " << seed;
  }
}

TEST(PowerTest, CoalitionOfTwoHasOneAccusedAndNoInnocent) {
  SimWorld world;
  SimTrial trial;
  trial.colluders = 2;
  trial.merge = Merge::kRandom;
  trial.leaked_records = 400;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto r = RunTrial(world, trial, seed);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->detected) << "seed " << seed;
    EXPECT_EQ(r->innocents_accused, 0u) << "seed " << seed;
  }
}

// Records that were never released carry no marks and no member holds them.
TEST(PowerTest, NeverReleasedRecordsAccuseNobody) {
  std::mt19937_64 rng(5);
  std::vector<std::vector<uint64_t>> held(20);
  for (auto& h : held) h = RandomSubset(1000, 0.2, rng);
  std::vector<uint64_t> leaked(200);
  std::iota(leaked.begin(), leaked.end(), 5000);  // outside every grant
  auto exposure = ExposureAnalysis::Create(held, leaked);
  ASSERT_TRUE(exposure.ok());
  std::vector<MemberEvidence> members(held.size());
  for (size_t m = 0; m < held.size(); ++m) {
    members[m].member_id = MemberId(m);
    members[m].exposure = exposure->ForMember(m);
    members[m].marks = TardosResult{};  // no slot could be read
  }
  auto r = Attribute(members);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->decided);
  EXPECT_FALSE(r->has_information);
  EXPECT_FALSE(r->undecidable_reason.empty());
}

TEST(PowerTest, FixedSeedGivesFixedOutcome) {
  SimWorld world;
  SimTrial trial;
  auto a = RunTrial(world, trial, 42);
  auto b = RunTrial(world, trial, 42);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->colluders, b->colluders);
  EXPECT_EQ(a->readable_slots, b->readable_slots);
  EXPECT_EQ(a->report.members[a->colluders[0]].log10_combined,
            b->report.members[b->colluders[0]].log10_combined);
}

}  // namespace
}  // namespace custody::core::attribution
