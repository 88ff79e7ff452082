#include "custody/core/attribution/tardos.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "custody/core/attribution/simulation.h"

namespace custody::core::attribution {
namespace {

// A slot showing symbol `y` (-1: erased) with bias `p`, of kind `kind`; its
// rendering is the symbol (no flip).
SlotObservation Slot(double p, int y, int kind = 1) {
  SlotObservation o;
  o.bias = p;
  o.symbol = static_cast<int8_t>(y);
  o.rendering = static_cast<int8_t>(y);
  o.kind = static_cast<mark::SlotKind>(kind);
  return o;
}

TEST(TardosTest, TermsMatchTheSymmetricScore) {
  const double p = 0.2;
  EXPECT_DOUBLE_EQ(TardosTerm(1, 1, p), 2.0);   // sqrt(0.8 / 0.2)
  EXPECT_DOUBLE_EQ(TardosTerm(1, 0, p), -0.5);  // -sqrt(0.2 / 0.8)
  EXPECT_DOUBLE_EQ(TardosTerm(0, 0, p), 0.5);
  EXPECT_DOUBLE_EQ(TardosTerm(0, 1, p), -2.0);
  // Innocent terms have mean 0 and variance 1.
  for (int y : {0, 1}) {
    const double mean = p * TardosTerm(y, 1, p) + (1 - p) * TardosTerm(y, 0, p);
    const double var = p * std::pow(TardosTerm(y, 1, p), 2) +
                       (1 - p) * std::pow(TardosTerm(y, 0, p), 2);
    EXPECT_NEAR(mean, 0, 1e-15);
    EXPECT_NEAR(var, 1, 1e-15);
  }
}

TEST(TardosTest, ScoreSkipsErasedSlots) {
  std::vector<SlotObservation> slots = {Slot(0.2, 1), Slot(0.5, -1), Slot(0.2, 0, 2)};
  const std::vector<uint8_t> x = {1, 1, 1};
  auto r = TardosScore(slots, x);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->n_slots, 2u);
  EXPECT_DOUBLE_EQ(r->score, 2.0 - 2.0);
  EXPECT_EQ(r->log10_p, 0.0);
}

TEST(TardosTest, RejectsBadInput) {
  std::vector<SlotObservation> slots = {Slot(1.0, 1)};
  EXPECT_FALSE(TardosNullModel::Create(slots).ok());
  slots[0].symbol = 2;
  slots[0].bias = 0.3;
  EXPECT_FALSE(TardosNullModel::Create(slots).ok());
  slots[0].symbol = 1;
  slots[0].bias = 0.3;
  auto model = TardosNullModel::Create(slots);
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(model->Score(std::vector<uint8_t>{1, 0}).ok());
  EXPECT_FALSE(model->Score(std::vector<uint8_t>{2}).ok());
}

// A kind forced to one rendering across the dump is erased once it has
// min_count readable slots; mixed kinds and small kinds stay.
TEST(TardosTest, EraseUniformKindsErasesOnlyKindsWithOneRendering) {
  std::vector<SlotObservation> obs;
  for (int i = 0; i < 10; ++i) {
    SlotObservation forced = Slot(0.5, i & 1, static_cast<int>(mark::SlotKind::kContraction));
    forced.rendering = 0;  // one rendering; the keyed flip makes symbols vary
    obs.push_back(forced);
    obs.push_back(Slot(0.5, i & 1, static_cast<int>(mark::SlotKind::kSpelling)));
  }
  for (int i = 0; i < 3; ++i) obs.push_back(Slot(0.5, 1, 3));  // uniform, but only 3
  obs.push_back(Slot(0.5, -1, 3));
  EXPECT_EQ(EraseUniformKinds(obs), 10u);
  for (const auto& o : obs) {
    if (o.kind == mark::SlotKind::kContraction) {
      EXPECT_EQ(o.rendering, -1);
      EXPECT_FALSE(o.readable());
    } else if (o.kind == mark::SlotKind::kSpelling) {
      EXPECT_TRUE(o.readable());
    }
  }
  EXPECT_TRUE(obs[20].readable());
  EXPECT_EQ(EraseUniformKinds(obs, 3), 3u);  // with a lower threshold it goes
}

// ScoreMemberMarks scores exactly the readable slots the member received.
TEST(TardosTest, MemberMarksAreTheReceivedReadableSlots) {
  std::vector<SlotObservation> slots = {Slot(0.2, 1), Slot(0.3, -1), Slot(0.4, 0), Slot(0.6, 1)};
  const std::vector<uint8_t> received = {1, 1, 0, 1};
  const std::vector<uint8_t> symbols = {1, 0, 9, 0};  // 9: never read
  auto r = ScoreMemberMarks(slots, received, symbols);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  std::vector<SlotObservation> mine = {slots[0], slots[3]};
  auto direct = TardosScore(mine, std::vector<uint8_t>{1, 0});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ((*r)->n_slots, 2u);
  EXPECT_EQ((*r)->score, direct->score);
  EXPECT_EQ((*r)->log10_p, direct->log10_p);
  auto none = ScoreMemberMarks(slots, std::vector<uint8_t>{0, 1, 0, 0}, symbols);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());  // only an erased slot received
  EXPECT_FALSE(ScoreMemberMarks(slots, received, std::vector<uint8_t>{1}).ok());
}

// Exact tail by enumeration for a few slots: the bound must never be below it.
TEST(TardosTest, BoundIsAboveExactTail) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<SlotObservation> slots(10);
    for (auto& s : slots) {
      s.bias = ArcsineBias(rng, 0.01);
      s.symbol = static_cast<int8_t>(rng() & 1);
    }
    auto model = TardosNullModel::Create(slots);
    ASSERT_TRUE(model.ok());
    std::vector<std::pair<double, double>> outcomes;  // score, probability
    for (uint32_t mask = 0; mask < (1u << slots.size()); ++mask) {
      double score = 0, prob = 1;
      for (size_t i = 0; i < slots.size(); ++i) {
        const int x = (mask >> i) & 1;
        const int y = slots[i].symbol;
        score += TardosTerm(y, x, slots[i].bias);
        prob *= x ? slots[i].bias : 1 - slots[i].bias;
      }
      outcomes.emplace_back(score, prob);
    }
    for (const auto& [s, unused] : outcomes) {
      double exact = 0;
      for (const auto& [s2, p2] : outcomes) exact += s2 >= s - 1e-12 ? p2 : 0;
      EXPECT_GE(model->Log10TailBound(s), std::log10(exact) - 1e-9) << s;
    }
  }
}

// The bound is rigorous yet useful: a faithful copy of 600 slots is far below
// 1e-20, while a member scoring at its expected value gets no evidence.
TEST(TardosTest, BoundSeparatesLeakerFromInnocent) {
  std::mt19937_64 rng(11);
  std::vector<SlotObservation> slots(600);
  std::vector<uint8_t> leaker(600), innocent(600);
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].bias = ArcsineBias(rng, 1e-3);
    leaker[i] = Uniform01(rng) < slots[i].bias;
    innocent[i] = Uniform01(rng) < slots[i].bias;
    slots[i].symbol = static_cast<int8_t>(leaker[i]);
  }
  auto model = TardosNullModel::Create(slots);
  ASSERT_TRUE(model.ok());
  auto guilty = model->Score(leaker);
  auto clean = model->Score(innocent);
  ASSERT_TRUE(guilty.ok() && clean.ok());
  EXPECT_LT(guilty->log10_p, -20);
  EXPECT_GT(clean->log10_p, -3);
  EXPECT_EQ(model->Log10TailBound(-5), 0.0);
  // The all-agreeing codeword has the exact probability prod q_i.
  double log10_all = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    log10_all += std::log10(leaker[i] ? slots[i].bias : 1 - slots[i].bias);
  }
  std::vector<uint8_t> copy(leaker);
  auto all = model->Score(copy);
  ASSERT_TRUE(all.ok());
  EXPECT_NEAR(all->log10_p, guilty->log10_p, 1e-9);
  EXPECT_GE(all->log10_p, log10_all - 1e-9);
}

// TardosScore computes only the lambda grid points its bracket needs; its
// results are those of Create then Score, bit for bit, for leakers, innocents
// and everyone between.
TEST(TardosTest, ScoreOnceEqualsTheSharedModel) {
  std::mt19937_64 rng(5);
  std::vector<SlotObservation> slots(400);
  std::vector<uint8_t> leaker(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].bias = ArcsineBias(rng, 1e-3);
    leaker[i] = Uniform01(rng) < slots[i].bias;
    slots[i].symbol = static_cast<int8_t>(leaker[i]);
  }
  slots[3].symbol = -1;
  auto model = TardosNullModel::Create(slots);
  ASSERT_TRUE(model.ok());
  int positive = 0, negative = 0;
  for (int agree = 0; agree <= 100; agree += 5) {  // % of the leaker's symbols kept
    std::vector<uint8_t> member(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      member[i] = static_cast<int>(rng() % 100) < agree ? leaker[i] : (Uniform01(rng) < slots[i].bias);
    }
    auto shared = model->Score(member);
    auto once = TardosScore(slots, member);
    ASSERT_TRUE(shared.ok() && once.ok());
    EXPECT_EQ(once->score, shared->score);
    EXPECT_EQ(once->log10_p, shared->log10_p) << agree;
    EXPECT_EQ(once->n_slots, shared->n_slots);
    (shared->score > 0 ? positive : negative)++;
  }
  EXPECT_GT(positive, 0);
  EXPECT_GT(negative, 0);
}

}  // namespace
}  // namespace custody::core::attribution
