// Symmetric Tardos scores and their Chernoff tail bounds; see tardos.h.
#include "custody/core/attribution/tardos.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

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

uint64_t EraseConstantKinds(std::span<SlotObservation> slots) {
  // Per kind: bit 0 = a readable 0 seen, bit 1 = a readable 1 seen, count.
  struct Seen {
    uint8_t symbols = 0;
    uint64_t readable = 0;
  };
  std::unordered_map<uint32_t, Seen> seen;
  for (const SlotObservation& s : slots) {
    if (s.observed == SlotSymbol::kErased) continue;
    Seen& k = seen[s.kind];
    k.symbols |= s.observed == SlotSymbol::k1 ? 2 : 1;
    ++k.readable;
  }
  uint64_t erased = 0;
  for (SlotObservation& s : slots) {
    if (s.observed == SlotSymbol::kErased) continue;
    const Seen& k = seen[s.kind];
    if (k.readable > 1 && k.symbols != 3) {
      s.observed = SlotSymbol::kErased;
      ++erased;
    }
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
    if (s.observed == SlotSymbol::kErased) continue;
    if (!(s.bias > 0.0 && s.bias < 1.0)) {
      return InvalidArgumentError("slot " + std::to_string(i) +
                                  ": bias: expected a value in (0, 1), found " +
                                  std::to_string(s.bias));
    }
    // y = 1 with bias p is the mirror image of y = 0 with bias 1 - p.
    const double q = s.observed == SlotSymbol::k1 ? s.bias : 1.0 - s.bias;
    const double hi = std::sqrt((1 - q) / q);
    const double gap = 1.0 / std::sqrt(q * (1 - q));
    m.index_.push_back(static_cast<uint32_t>(i));
    m.observed_.push_back(static_cast<uint8_t>(s.observed));
    m.q_.push_back(q);
    m.hi_.push_back(hi);
    m.gap_.push_back(gap);
    m.max_score_ += hi;
    m.log_p_max_ += std::log(q);
    m.min_gap_ = std::min(m.min_gap_, gap);
  }
  return m;
}

void TardosNullModel::BuildGrid() {
  if (hi_.empty() || !grid_lambda_.empty()) return;
  // Grid: lambda up to where the tilted mean nears the maximum score.
  double lambda_max = 1.0;
  for (int i = 0; i < 80; ++i) {
    double k0, k1, k2;
    Cumulants(lambda_max, &k0, &k1, &k2);
    if (k1 >= max_score_ - min_gap_ / 2) break;
    lambda_max *= 2;
  }
  for (int j = 0; j <= kGrid; ++j) {
    const double f = static_cast<double>(j) / kGrid;
    const double lambda = lambda_max * f * f;
    double k0, k1, k2;
    Cumulants(lambda, &k0, &k1, &k2);
    grid_lambda_.push_back(lambda);
    grid_k0_.push_back(k0);
    grid_k1_.push_back(k1);
  }
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
  // Bracket the minimizer on the grid: k1 is increasing in lambda.
  const auto it = std::upper_bound(grid_k1_.begin(), grid_k1_.end(), score);
  const size_t j = static_cast<size_t>(it - grid_k1_.begin());  // k1[j-1] <= s
  if (j == 0) return 0.0;  // below the slope at lambda = 0: no bound below 1
  double ln_bound = 0.0;
  for (size_t c : {j - 1, j}) {
    if (c < grid_lambda_.size()) {
      ln_bound = std::min(ln_bound, grid_k0_[c] - grid_lambda_[c] * score);
    }
  }
  if (LnToLog10(ln_bound) < kRefineBelowLog10 || j == grid_k1_.size()) {
    const double lo = grid_lambda_[j - 1];
    const double hi = j < grid_lambda_.size() ? grid_lambda_[j] : -1.0;
    ln_bound = std::min(ln_bound, OptimizeLogBound(score, lo, hi));
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
  CUSTODY_ASSIGN_OR_RETURN(double score, model.RawScore(member_symbols));
  if (score > 0) model.BuildGrid();  // a score <= 0 is bounded by 1 without it
  return model.Score(member_symbols);
}

}  // namespace custody::core::attribution
