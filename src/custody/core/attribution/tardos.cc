// Symmetric Tardos scores and their Chernoff tail bounds; see tardos.h.
#include "custody/core/attribution/tardos.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "custody/core/attribution/tails.h"

namespace custody::core::attribution {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Grid bounds above this (log10) are returned as they are; smaller ones, the
// only ones that can matter for an accusation, are refined to the optimum.
constexpr double kRefineBelowLog10 = -2.0;

}  // namespace

double TardosTerm(int y, int x, double p) {
  const double up = std::sqrt((1 - p) / p);  // reward for a rare 1
  const double down = std::sqrt(p / (1 - p));
  if (y == 1) return x == 1 ? up : -down;
  return x == 0 ? down : -up;
}

uint64_t EraseUniformKinds(std::span<SlotObservation> observations, int min_count) {
  std::array<int, mark::kNumSlotKinds> count{}, ones{};
  for (const SlotObservation& o : observations) {
    if (o.rendering < 0) continue;
    ++count[static_cast<int>(o.kind)];
    ones[static_cast<int>(o.kind)] += o.rendering;
  }
  uint64_t erased = 0;
  for (SlotObservation& o : observations) {
    const int k = static_cast<int>(o.kind);
    if (o.rendering < 0 || count[k] < min_count || (ones[k] != 0 && ones[k] != count[k])) {
      continue;
    }
    o.rendering = -1;
    o.symbol = -1;
    ++erased;
  }
  return erased;
}

Result<TardosNullModel> TardosNullModel::Create(std::span<const SlotObservation> slots) {
  CUSTODY_ASSIGN_OR_RETURN(TardosNullModel m, CreateTerms(slots));
  m.BuildGrid();
  return m;
}

Result<TardosNullModel> TardosNullModel::CreateTerms(std::span<const SlotObservation> slots) {
  TardosNullModel m;
  m.n_symbols_ = slots.size();
  m.min_gap_ = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < slots.size(); ++i) {
    const SlotObservation& s = slots[i];
    if (!s.readable()) continue;
    if (s.symbol > 1) {
      return InvalidArgumentError("slot " + std::to_string(i) +
                                  ": symbol: expected -1, 0 or 1, found " +
                                  std::to_string(s.symbol));
    }
    if (!(s.bias > 0.0 && s.bias < 1.0)) {
      return InvalidArgumentError("slot " + std::to_string(i) +
                                  ": bias: expected a value in (0, 1), found " +
                                  std::to_string(s.bias));
    }
    // y = 1 with bias p is the mirror image of y = 0 with bias 1 - p.
    const double q = s.symbol == 1 ? s.bias : 1.0 - s.bias;
    const double hi = std::sqrt((1 - q) / q);
    const double gap = 1.0 / std::sqrt(q * (1 - q));
    m.index_.push_back(static_cast<uint32_t>(i));
    m.observed_.push_back(static_cast<uint8_t>(s.symbol));
    m.q_.push_back(q);
    m.hi_.push_back(hi);
    m.gap_.push_back(gap);
    m.max_score_ += hi;
    m.log_p_max_ += std::log(q);
    m.min_gap_ = std::min(m.min_gap_, gap);
  }
  return m;
}

double TardosNullModel::LambdaMax() const {
  double lambda_max = 1.0;
  for (int i = 0; i < 80; ++i) {
    double k0, k1, k2;
    Cumulants(lambda_max, &k0, &k1, &k2);
    if (k1 >= max_score_ - min_gap_ / 2) break;
    lambda_max *= 2;
  }
  return lambda_max;
}

TardosNullModel::GridPoint TardosNullModel::Point(size_t j, double lambda_max) const {
  if (!grid_lambda_.empty()) return {grid_lambda_[j], grid_k0_[j], grid_k1_[j]};
  const double f = static_cast<double>(j) / kGrid;
  GridPoint g;
  g.lambda = lambda_max * f * f;
  double k2;
  Cumulants(g.lambda, &g.k0, &g.k1, &k2);
  return g;
}

void TardosNullModel::BuildGrid() {
  if (hi_.empty() || !grid_lambda_.empty()) return;
  const double lambda_max = LambdaMax();
  std::vector<double> lambda, k0, k1;
  for (int j = 0; j <= kGrid; ++j) {
    const GridPoint g = Point(static_cast<size_t>(j), lambda_max);
    lambda.push_back(g.lambda);
    k0.push_back(g.k0);
    k1.push_back(g.k1);
  }
  grid_lambda_ = std::move(lambda);
  grid_k0_ = std::move(k0);
  grid_k1_ = std::move(k1);
}

void TardosNullModel::Cumulants(double lambda, double* k0, double* k1,
                                double* k2) const {
  double s0 = 0, s1 = 0, s2 = 0;
  for (size_t i = 0; i < hi_.size(); ++i) {
    const double q = q_[i];
    const double e = (1 - q) * std::exp(-lambda * gap_[i]);
    const double w = e / (q + e);  // tilted probability of the low value
    s0 += lambda * hi_[i] + std::log(q + e);
    s1 += hi_[i] - gap_[i] * w;
    s2 += gap_[i] * gap_[i] * w * (1 - w);
  }
  *k0 = s0;
  *k1 = s1;
  *k2 = s2;
}

double TardosNullModel::OptimizeLogBound(double score, double lo,
                                         double hi) const {
  double k0, k1, k2;
  // Unbounded bracket: double until the derivative turns positive.
  if (hi < 0) {
    hi = std::max(1.0, 2 * lo);
    for (int i = 0; i < 200; ++i) {
      Cumulants(hi, &k0, &k1, &k2);
      if (k1 >= score) break;
      lo = hi;
      hi *= 2;
    }
  }
  double best = 0.0;  // lambda = 0 gives the trivial bound 1
  double lambda = 0.5 * (lo + hi);
  for (int iter = 0; iter < 100; ++iter) {
    Cumulants(lambda, &k0, &k1, &k2);
    best = std::min(best, k0 - lambda * score);  // every lambda is a valid bound
    const double d = k1 - score;
    if (d > 0) hi = lambda; else lo = lambda;
    if (hi - lo <= 1e-12 * std::max(1.0, hi)) break;
    double next = (k2 > 0) ? lambda - d / k2 : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - lambda) <= 1e-13 * std::max(1.0, lambda)) break;
    lambda = next;
  }
  return best;
}

double TardosNullModel::Log10TailBound(double score) const {
  if (score <= 0 || hi_.empty()) return 0.0;
  const double tol = 1e-9 * (1.0 + max_score_);
  if (score > max_score_ + tol) return kNegInf;
  // Above max - min_gap only the all-high outcome reaches: exact.
  if (score > max_score_ - min_gap_ + tol) return LnToLog10(log_p_max_);
  // Bracket the minimizer on the grid: k1 is increasing in lambda. The
  // search is std::upper_bound's, step for step, so a grid computed on
  // demand gives the bracket a precomputed one gives.
  const double lambda_max = grid_lambda_.empty() ? LambdaMax() : 0.0;
  const size_t n = kGrid + 1;
  size_t j = 0;  // the first point with k1 > score: k1[j-1] <= score
  for (size_t count = n; count > 0;) {
    const size_t step = count / 2;
    if (!(score < Point(j + step, lambda_max).k1)) {
      j += step + 1;
      count -= step + 1;
    } else {
      count = step;
    }
  }
  if (j == 0) return 0.0;  // below the slope at lambda = 0: no bound below 1
  const GridPoint below = Point(j - 1, lambda_max);
  double ln_bound = std::min(0.0, below.k0 - below.lambda * score);
  double hi = -1.0;  // no point above: unbounded
  if (j < n) {
    const GridPoint above = Point(j, lambda_max);
    ln_bound = std::min(ln_bound, above.k0 - above.lambda * score);
    hi = above.lambda;
  }
  if (LnToLog10(ln_bound) < kRefineBelowLog10 || j == n) {
    ln_bound = std::min(ln_bound, OptimizeLogBound(score, below.lambda, hi));
  }
  // The exact all-high probability is a floor no tail can go below.
  return LnToLog10(std::max(std::min(ln_bound, 0.0), log_p_max_));
}

Result<double> TardosNullModel::RawScore(std::span<const uint8_t> member_symbols) const {
  if (member_symbols.size() != n_symbols_) {
    return InvalidArgumentError(
        "member symbols: expected " + std::to_string(n_symbols_) +
        " symbols, found " + std::to_string(member_symbols.size()));
  }
  double score = 0;
  for (size_t i = 0; i < hi_.size(); ++i) {
    const uint8_t x = member_symbols[index_[i]];
    if (x > 1) {
      return InvalidArgumentError("member symbols: slot " +
                                  std::to_string(index_[i]) +
                                  ": expected 0 or 1, found " + std::to_string(x));
    }
    score += (x == observed_[i]) ? hi_[i] : hi_[i] - gap_[i];
  }
  return score;
}

Result<TardosResult> TardosNullModel::Score(
    std::span<const uint8_t> member_symbols) const {
  TardosResult r;
  r.n_slots = hi_.size();
  CUSTODY_ASSIGN_OR_RETURN(r.score, RawScore(member_symbols));
  r.log10_p = Log10TailBound(r.score);
  return r;
}

Result<TardosResult> TardosScore(std::span<const SlotObservation> slots,
                                 std::span<const uint8_t> member_symbols) {
  CUSTODY_ASSIGN_OR_RETURN(TardosNullModel model, TardosNullModel::CreateTerms(slots));
  return model.Score(member_symbols);
}

Result<std::optional<TardosResult>> ScoreMemberMarks(std::span<const SlotObservation> slots,
                                                     std::span<const uint8_t> received,
                                                     std::span<const uint8_t> symbols) {
  if (received.size() != slots.size() || symbols.size() != slots.size()) {
    return InvalidArgumentError("member marks: expected " + std::to_string(slots.size()) +
                                " received flags and symbols, found " +
                                std::to_string(received.size()) + " and " +
                                std::to_string(symbols.size()));
  }
  std::vector<SlotObservation> mine;
  std::vector<uint8_t> x;
  for (size_t k = 0; k < slots.size(); ++k) {
    if (!received[k] || !slots[k].readable()) continue;
    mine.push_back(slots[k]);
    x.push_back(symbols[k]);
  }
  if (mine.empty()) return std::optional<TardosResult>();
  CUSTODY_ASSIGN_OR_RETURN(TardosResult r, TardosScore(mine, x));
  return std::optional<TardosResult>(r);
}

}  // namespace custody::core::attribution
