// Symmetric Tardos accusation scores (Skoric et al.) over the readable mark
// slots of a dump, with a rigorous upper bound on an innocent member's chance
// of scoring at least as high: the exact Chernoff bound
//   P(S >= s) <= min_{lambda >= 0} exp(-lambda s) prod_i E[exp(lambda g_i)],
// each factor an exact two-point expectation. Never a normal approximation.
// Thread-safety: TardosNullModel is immutable after Create(); share freely.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "custody/base/status.h"
#include "custody/mark/tardos.h"

namespace custody::core::attribution {

using mark::SlotObservation;

// The accusation of one member.
struct TardosResult {
  double score = 0;        // sum of g(y_i, x_i, p_i) over readable slots
  uint64_t n_slots = 0;    // readable slots scored
  double log10_p = 0;      // log10 of the Chernoff bound on P(S >= score | innocent)
};

// Score term of one slot: y = observed symbol, x = member's symbol, p = bias.
// y == x == 1: +sqrt((1-p)/p); y == 1, x == 0: -sqrt(p/(1-p));
// y == x == 0: +sqrt(p/(1-p)); y == 0, x == 1: -sqrt((1-p)/p).
// For an innocent member (x ~ Bernoulli(p), independent of y) the term has
// mean 0 and variance 1.
double TardosTerm(int y, int x, double p);

// The one erasure rule: marks as erased (rendering and symbol -1) every
// observation of a slot kind whose rendering is the same in all of the
// kind's readable observations, when the kind has at least `min_count` of
// them. A normalizer that forces one rendering of a kind leaves no member
// information in it. The test is on renderings, not symbols: the keyed
// rendering flip makes a forced rendering look like balanced random symbols.
// Returns the number of observations newly erased.
uint64_t EraseUniformKinds(std::span<SlotObservation> observations, int min_count = 8);

// The null distribution of an innocent member's score against one dump. The
// innocent's symbols are independent Bernoulli(p_i) draws, independent of the
// dump, so each slot's term is a two-point variable of mean 0 and variance 1.
class TardosNullModel {
 public:
  // Builds the model from the dump's slots; erased slots (symbol < 0) are
  // left out.
  // Errors: kInvalidArgument when a readable slot's bias is not in (0, 1).
  static Result<TardosNullModel> Create(std::span<const SlotObservation> slots);

  // Scores a member whose codeword symbols (0 or 1) are aligned with the slots
  // given to Create (one per slot, erased ones included and ignored).
  // Errors: kInvalidArgument on a length mismatch or a symbol other than 0/1.
  Result<TardosResult> Score(std::span<const uint8_t> member_symbols) const;

  // log10 of the Chernoff bound on P(S >= score) for an innocent member, with
  // lambda optimized (safeguarded Newton on the convex exponent). Scores <= 0
  // give 0 (p = 1); a score above the largest achievable gives -infinity.
  double Log10TailBound(double score) const;

  uint64_t readable_slots() const { return hi_.size(); }

 private:
  TardosNullModel() = default;
  friend Result<TardosResult> TardosScore(std::span<const SlotObservation> slots,
                                          std::span<const uint8_t> member_symbols);

  // The per-slot terms of Create, without the lambda grid.
  static Result<TardosNullModel> CreateTerms(std::span<const SlotObservation> slots);
  // One point of the lambda grid: lambda_j = lambda_max (j / kGrid)^2 with
  // ln E[exp(lambda_j S)] and its derivative (increasing in j).
  struct GridPoint {
    double lambda = 0, k0 = 0, k1 = 0;
  };
  // The grid's upper end: where the tilted mean nears the maximum score.
  double LambdaMax() const;
  // Point j of the grid: the precomputed one if BuildGrid ran, else computed.
  GridPoint Point(size_t j, double lambda_max) const;
  // Precomputes the lambda grid Log10TailBound brackets with.
  void BuildGrid();
  // The score alone (Score without the bound).
  Result<double> RawScore(std::span<const uint8_t> member_symbols) const;

  // ln E[exp(lambda S)] and its first two derivatives in lambda.
  void Cumulants(double lambda, double* k0, double* k1, double* k2) const;

  // Exact bound: minimizes ln E[exp(lambda S)] - lambda s over lambda in
  // [lo, hi] (hi < 0: unbounded), where the minimizer lies. Returns ln p.
  double OptimizeLogBound(double score, double lo, double hi) const;

  static constexpr int kGrid = 256;

  std::vector<uint32_t> index_;  // slot index of each readable slot
  std::vector<uint8_t> observed_;
  std::vector<double> q_;   // probability of the high value
  std::vector<double> hi_;  // high value u_i > 0
  std::vector<double> gap_; // u_i - v_i (> 0), v_i the low value
  double max_score_ = 0;    // sum of u_i
  double log_p_max_ = 0;    // ln prod q_i: P(S = max_score)
  double min_gap_ = 0;      // smallest gap: below max_score - min_gap only max
  size_t n_symbols_ = 0;    // slots given to Create, erased included
  // Precomputed lambda grid with ln E[exp(lambda S)] and its derivative.
  std::vector<double> grid_lambda_, grid_k0_, grid_k1_;
};

// TardosNullModel::Create(slots) then Score(member_symbols), the same result
// bit for bit, without the lambda grid: a score <= 0 is bounded by 1, and a
// positive one brackets its minimizer by bisecting the grid's points on
// demand (about 9 evaluations instead of 257).
Result<TardosResult> TardosScore(std::span<const SlotObservation> slots,
                                 std::span<const uint8_t> member_symbols);

// The marks evidence of one member against a dump, as `trace` scores it and
// the calibration simulation checks it: TardosScore over the readable slots
// of the records the member received (`received[k]` != 0 for slot k), with
// `symbols[k]` the member's code symbol at slot k (read only where received).
// Returns nullopt when no readable slot was received: no marks evidence.
// Errors: kInvalidArgument when the spans' lengths differ or as TardosScore.
Result<std::optional<TardosResult>> ScoreMemberMarks(std::span<const SlotObservation> slots,
                                                     std::span<const uint8_t> received,
                                                     std::span<const uint8_t> symbols);

}  // namespace custody::core::attribution
