#include "custody/core/attribution/tardos.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "custody/core/attribution/simulation.h"

namespace custody::core::attribution {
namespace {

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
  std::vector<SlotObservation> slots = {
      {0.2, SlotSymbol::k1, 0}, {0.5, SlotSymbol::kErased, 0}, {0.2, SlotSymbol::k0, 1}};
  const std::vector<uint8_t> x = {1, 1, 1};
  auto r = TardosScore(slots, x);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->n_slots, 2u);
  EXPECT_DOUBLE_EQ(r->score, 2.0 - 2.0);
  EXPECT_EQ(r->log10_p, 0.0);
}

TEST(TardosTest, RejectsBadInput) {
  std::vector<SlotObservation> slots = {{1.0, SlotSymbol::k1, 0}};
  EXPECT_FALSE(TardosNullModel::Create(slots).ok());
  slots[0].bias = 0.3;
  auto model = TardosNullModel::Create(slots);
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(model->Score(std::vector<uint8_t>{1, 0}).ok());
  EXPECT_FALSE(model->Score(std::vector<uint8_t>{2}).ok());
}

TEST(TardosTest, EraseConstantKindsErasesOnlyUniformKinds) {
  std::vector<SlotObservation> slots = {
      {0.3, SlotSymbol::k0, 7}, {0.3, SlotSymbol::k0, 7}, {0.3, SlotSymbol::k0, 7},
      {0.3, SlotSymbol::k0, 2}, {0.3, SlotSymbol::k1, 2}, {0.3, SlotSymbol::k1, 5}};
  EXPECT_EQ(EraseConstantKinds(slots), 3u);
  EXPECT_EQ(slots[0].observed, SlotSymbol::kErased);
  EXPECT_EQ(slots[3].observed, SlotSymbol::k0);
  EXPECT_EQ(slots[5].observed, SlotSymbol::k1);  // a lone slot stays
}

// Exact tail by enumeration for a few slots: the bound must never be below it.
TEST(TardosTest, BoundIsAboveExactTail) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<SlotObservation> slots(10);
    for (auto& s : slots) {
      s.bias = ArcsineBias(rng, 0.01);
      s.observed = (rng() & 1) ? SlotSymbol::k1 : SlotSymbol::k0;
    }
    auto model = TardosNullModel::Create(slots);
    ASSERT_TRUE(model.ok());
    std::vector<std::pair<double, double>> outcomes;  // score, probability
    for (uint32_t mask = 0; mask < (1u << slots.size()); ++mask) {
      double score = 0, prob = 1;
      for (size_t i = 0; i < slots.size(); ++i) {
        const int x = (mask >> i) & 1;
        const int y = slots[i].observed == SlotSymbol::k1 ? 1 : 0;
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
    slots[i].observed = static_cast<SlotSymbol>(leaker[i]);
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

// TardosScore skips the lambda grid for scores <= 0; its results are those of
// Create then Score, bit for bit, for leakers, innocents and everyone between.
TEST(TardosTest, ScoreOnceEqualsTheSharedModel) {
  std::mt19937_64 rng(5);
  std::vector<SlotObservation> slots(400);
  std::vector<uint8_t> leaker(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].bias = ArcsineBias(rng, 1e-3);
    leaker[i] = Uniform01(rng) < slots[i].bias;
    slots[i].observed = static_cast<SlotSymbol>(leaker[i]);
  }
  slots[3].observed = SlotSymbol::kErased;
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
