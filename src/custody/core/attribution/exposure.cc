// Exposure tests over compressed bitmaps; see exposure.h and docs/trace.md.
#include "custody/core/attribution/exposure.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <utility>

#include "custody/core/attribution/tails.h"

namespace custody::core::attribution {
namespace {

// Record ids become 32-bit bitmap positions: themselves when they all fit
// (`rank` empty), else their rank in the sorted `rank`. Returns that vector.
std::vector<uint64_t> RankMap(std::span<const std::vector<uint64_t>> held,
                              std::span<const uint64_t> leaked) {
  uint64_t max_id = 0;
  for (const auto& h : held) {
    for (uint64_t id : h) max_id = std::max(max_id, id);
  }
  for (uint64_t id : leaked) max_id = std::max(max_id, id);
  std::vector<uint64_t> ids;
  if (max_id < std::numeric_limits<uint32_t>::max()) return ids;
  for (const auto& h : held) ids.insert(ids.end(), h.begin(), h.end());
  ids.insert(ids.end(), leaked.begin(), leaked.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Builds the bitmap of `ids` under `rank` (see RankMap). Ids the map does not
// know (possible only for a later candidate) are dropped: nobody else holds
// them and none leaked.
roaring_bitmap_t* BuildBitmap(std::span<const uint64_t> rank,
                              std::span<const uint64_t> ids) {
  std::vector<uint32_t> pos;
  pos.reserve(ids.size());
  for (uint64_t id : ids) {
    if (rank.empty()) {
      if (id < std::numeric_limits<uint32_t>::max()) {
        pos.push_back(static_cast<uint32_t>(id));
      }
      continue;
    }
    const auto it = std::lower_bound(rank.begin(), rank.end(), id);
    if (it != rank.end() && *it == id) {
      pos.push_back(static_cast<uint32_t>(it - rank.begin()));
    }
  }
  roaring_bitmap_t* b = roaring_bitmap_create();
  roaring_bitmap_add_many(b, pos.size(), pos.data());
  roaring_bitmap_run_optimize(b);
  return b;
}

// |sets[a] ∩ sets[b]| for a < b, at [a * n + b]. Uses dense bit rows when
// they fit in kDenseBudget bytes (sparse roaring containers intersect by
// merging, which dominates for many small sets), else roaring.
template <typename Bitmaps>
std::vector<uint64_t> PairwiseOverlaps(const Bitmaps& sets,
                                       const roaring_bitmap_t* all,
                                       std::vector<uint64_t>* dense_rows,
                                       uint64_t* dense_words) {
  constexpr uint64_t kDenseBudget = 64u << 20;
  const size_t n = sets.size();
  std::vector<uint64_t> out(n * n, 0);
  const uint64_t universe =
      roaring_bitmap_get_cardinality(all) == 0 ? 0 : roaring_bitmap_maximum(all) + 1;
  const uint64_t words = (universe + 63) / 64;
  *dense_words = 0;
  if (words * 8 * n > kDenseBudget) {
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = a + 1; b < n; ++b) {
        out[a * n + b] = roaring_bitmap_and_cardinality(sets[a].get(), sets[b].get());
      }
    }
    return out;
  }
  std::vector<uint64_t> rows(words * n, 0);
  for (size_t a = 0; a < n; ++a) {
    roaring_uint32_iterator_t* it = roaring_create_iterator(sets[a].get());
    for (; it->has_value; roaring_advance_uint32_iterator(it)) {
      rows[a * words + it->current_value / 64] |= uint64_t{1} << (it->current_value % 64);
    }
    roaring_free_uint32_iterator(it);
  }
  for (size_t a = 0; a < n; ++a) {
    const uint64_t* ra = &rows[a * words];
    for (size_t b = a + 1; b < n; ++b) {
      const uint64_t* rb = &rows[b * words];
      uint64_t c = 0;
      for (uint64_t w = 0; w < words; ++w) c += std::popcount(ra[w] & rb[w]);
      out[a * n + b] = c;
    }
  }
  *dense_rows = std::move(rows);
  *dense_words = words;
  return out;
}

}  // namespace

void ExposureAnalysis::BitmapDeleter::operator()(roaring_bitmap_s* b) const {
  roaring_bitmap_free(b);
}

ExposureAnalysis::ExposureAnalysis(ExposureAnalysis&&) noexcept = default;
ExposureAnalysis& ExposureAnalysis::operator=(ExposureAnalysis&&) noexcept = default;
ExposureAnalysis::~ExposureAnalysis() = default;

Result<ExposureAnalysis> ExposureAnalysis::Create(
    std::span<const std::vector<uint64_t>> held,
    std::span<const uint64_t> leaked, const ExposureOptions& options) {
  const size_t n = held.size();
  for (const auto& [a, b] : options.links) {
    if (a >= n || b >= n) {
      return InvalidArgumentError(
          "exposure links: member index: expected below " + std::to_string(n) +
          ", found " + std::to_string(std::max(a, b)));
    }
  }
  ExposureAnalysis x;
  x.auto_link_log10_ = options.auto_link_log10;
  x.id_map_ = RankMap(held, leaked);
  x.leaked_.reset(BuildBitmap(x.id_map_, leaked));
  x.held_once_.reset(roaring_bitmap_create());
  x.held_twice_.reset(roaring_bitmap_create());
  for (const auto& h : held) {
    x.sets_.emplace_back(BuildBitmap(x.id_map_, h));
    roaring_bitmap_t* r = x.sets_.back().get();
    x.size_.push_back(roaring_bitmap_get_cardinality(r));
    roaring_bitmap_t* again = roaring_bitmap_and(x.held_once_.get(), r);
    roaring_bitmap_or_inplace(x.held_twice_.get(), again);
    roaring_bitmap_free(again);
    roaring_bitmap_or_inplace(x.held_once_.get(), r);
  }
  x.linked_.resize(n);
  x.twin_.assign(n, -1);
  for (const auto& [a, b] : options.links) {
    if (a == b) continue;
    x.linked_[a].push_back(b);
    x.linked_[b].push_back(a);
  }
  const uint64_t population = roaring_bitmap_get_cardinality(x.held_once_.get());
  x.population_ = population;
  const std::vector<uint64_t> overlaps = PairwiseOverlaps(x.sets_, x.held_once_.get(), &x.rows_, &x.words_);
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      const uint64_t overlap = overlaps[a * n + b];
      if (overlap == x.size_[a] && overlap == x.size_[b]) {
        if (x.twin_[a] < 0) x.twin_[a] = static_cast<int64_t>(b);
        if (x.twin_[b] < 0) x.twin_[b] = static_cast<int64_t>(a);
        continue;
      }
      if (overlap == 0) continue;
      const double log10_p = LnToLog10(
          LogHypergeometricUpperTail(population, x.size_[a], x.size_[b], overlap));
      if (log10_p < options.auto_link_log10) {
        x.linked_[a].push_back(static_cast<uint32_t>(b));
        x.linked_[b].push_back(static_cast<uint32_t>(a));
      }
    }
  }
  for (auto& l : x.linked_) {
    std::sort(l.begin(), l.end());
    l.erase(std::unique(l.begin(), l.end()), l.end());
  }
  if (roaring_bitmap_get_cardinality(x.leaked_.get()) > 0) {
    for (size_t j = 0; j < n; ++j) {
      if (roaring_bitmap_is_subset(x.leaked_.get(), x.sets_[j].get())) {
        x.sole_sources_.push_back(static_cast<uint32_t>(j));
      }
    }
  }
  return x;
}

double ExposureAnalysis::Log10PSource(const roaring_bitmap_t* rm,
                                      size_t j) const {
  const roaring_bitmap_t* rj = sets_[j].get();
  roaring_bitmap_t* lj = roaring_bitmap_and(leaked_.get(), rj);
  const uint64_t draws = roaring_bitmap_get_cardinality(lj);
  const uint64_t k = roaring_bitmap_and_cardinality(lj, rm);
  roaring_bitmap_free(lj);
  const uint64_t successes = roaring_bitmap_and_cardinality(rj, rm);
  return LnToLog10(LogHypergeometricUpperTail(size_[j], successes, draws, k));
}

ExposureResult ExposureAnalysis::Evaluate(const roaring_bitmap_t* rm,
                                          const roaring_bitmap_t* others,
                                          int64_t twin,
                                          std::span<const uint32_t> linked,
                                          int64_t self) const {
  ExposureResult r;
  r.leaked = roaring_bitmap_get_cardinality(leaked_.get());
  r.leaked_held = roaring_bitmap_and_cardinality(leaked_.get(), rm);
  if (twin >= 0) {
    r.silence = ExposureSilence::kIdenticalSet;
    r.alternative = twin;
    return r;
  }
  // Union alternative: the others' union U, m's records in it, the leaked
  // records in it, and the leaked records of m in it.
  const uint64_t population = roaring_bitmap_get_cardinality(others);
  const uint64_t successes = roaring_bitmap_and_cardinality(rm, others);
  roaring_bitmap_t* leaked_in = roaring_bitmap_and(leaked_.get(), others);
  const uint64_t draws = roaring_bitmap_get_cardinality(leaked_in);
  const uint64_t k = roaring_bitmap_and_cardinality(leaked_in, rm);
  roaring_bitmap_free(leaked_in);
  r.leaked_exclusive = r.leaked_held - k;
  if (draws == 0) {
    r.silence = ExposureSilence::kNothingInScope;
    return r;
  }
  const uint64_t lo =
      draws + successes > population ? draws + successes - population : 0;
  if (lo == std::min(draws, successes)) {
    r.silence = ExposureSilence::kDegenerate;
    return r;
  }
  r.informative = true;
  r.silence = ExposureSilence::kNone;
  r.log10_p =
      LnToLog10(LogHypergeometricUpperTail(population, successes, draws, k));
  auto consider = [&](size_t j) {
    if (static_cast<int64_t>(j) == self || r.log10_p >= 0) return;
    const double p = Log10PSource(rm, j);
    if (p > r.log10_p) {
      r.log10_p = std::min(p, 0.0);
      r.alternative = static_cast<int64_t>(j);
    }
  };
  for (uint32_t j : linked) consider(j);
  for (uint32_t j : sole_sources_) consider(j);
  return r;
}

ExposureResult ExposureAnalysis::ForMember(size_t m) const {
  CUSTODY_CHECK(m < sets_.size());
  // The others' union: everything held, minus what only m holds.
  roaring_bitmap_t* others = roaring_bitmap_andnot(sets_[m].get(), held_twice_.get());
  roaring_bitmap_t* u = roaring_bitmap_andnot(held_once_.get(), others);
  roaring_bitmap_free(others);
  ExposureResult r = Evaluate(sets_[m].get(), u, twin_[m], linked_[m],
                              static_cast<int64_t>(m));
  roaring_bitmap_free(u);
  return r;
}

ExposureResult ExposureAnalysis::ForCandidate(
    std::span<const uint64_t> held) const {
  Bitmap rm(BuildBitmap(id_map_, held));
  const uint64_t size = roaring_bitmap_get_cardinality(rm.get());
  int64_t twin = -1;
  std::vector<uint32_t> linked;
  // With dense rows, the candidate's overlaps are popcounts over its own row.
  std::vector<uint64_t> row(words_, 0);
  if (words_ > 0) {
    roaring_uint32_iterator_t* it = roaring_create_iterator(rm.get());
    for (; it->has_value; roaring_advance_uint32_iterator(it)) {
      if (it->current_value / 64 < words_) {
        row[it->current_value / 64] |= uint64_t{1} << (it->current_value % 64);
      }
    }
    roaring_free_uint32_iterator(it);
  }
  for (size_t j = 0; j < sets_.size(); ++j) {
    uint64_t overlap = 0;
    if (words_ > 0) {
      const uint64_t* rj = &rows_[j * words_];
      for (uint64_t w = 0; w < words_; ++w) overlap += std::popcount(row[w] & rj[w]);
    } else {
      overlap = roaring_bitmap_and_cardinality(rm.get(), sets_[j].get());
    }
    if (overlap == size && overlap == size_[j]) {
      if (twin < 0) twin = static_cast<int64_t>(j);
      continue;
    }
    if (overlap == 0) continue;
    const double log10_p = LnToLog10(
        LogHypergeometricUpperTail(population_, size, size_[j], overlap));
    if (log10_p < auto_link_log10_) linked.push_back(static_cast<uint32_t>(j));
  }
  return Evaluate(rm.get(), held_once_.get(), twin, linked, -1);
}

}  // namespace custody::core::attribution
