#include "custody/sketch/exact_compare.h"

#include <algorithm>
#include <bit>

namespace custody::sketch {
namespace {

// Distinct counts of two shingle hash lists and of their intersection, in
// one open-addressing table (bit 0: seen in `a`, bit 1: seen in `b`);
// linear in the lists, where sorting both was not.
struct SetCounts {
  size_t a = 0, b = 0, both = 0;
};
SetCounts CountSets(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                    CompareScratch* s) {
  size_t cap = 64;
  while (cap < 2 * (a.size() + b.size())) cap <<= 1;
  s->set_keys.assign(cap, 0);
  s->set_sides.assign(cap, 0);  // 0 = empty, else the side bits
  SetCounts c;
  auto add = [&](uint64_t h, uint8_t side) {
    size_t i = (h * 0x9E3779B97F4A7C15ull) >> 40 & (cap - 1);
    while (s->set_sides[i] != 0 && s->set_keys[i] != h) i = (i + 1) & (cap - 1);
    const uint8_t had = s->set_sides[i];
    if (had & side) return;  // a repeat on this side
    s->set_keys[i] = h;
    s->set_sides[i] = had | side;
    (side == 1 ? c.a : c.b) += 1;
    c.both += had != 0;  // seen on the other side first
  };
  for (uint64_t h : a) add(h, 1);
  for (uint64_t h : b) add(h, 2);
  return c;
}

}  // namespace

double ExactSimilarity::aligned() const {
  uint32_t m = std::max(dump_words, record_words);
  return m == 0 ? 0 : static_cast<double>(lcs) / m;
}

double ExactSimilarity::aligned_dump() const {
  return dump_words == 0 ? 0 : static_cast<double>(lcs) / dump_words;
}

namespace {

// Bit-parallel LCS (Hyyro) in two steps, so that one pattern serves several
// texts: BuildPattern gives each distinct word of `b` its position mask
// (one bit per position of b) in `s`; RunText feeds the words of `a`
// through V = (V + (V & M[w])) | (V & ~M[w]); the LCS is the number of zero
// bits among the first |b| bits of V.
void BuildPattern(std::span<const uint64_t> b, CompareScratch* s) {
  const size_t m = b.size();
  const size_t words = (m + 63) / 64;
  size_t cap = 16;
  while (cap < 2 * m) cap <<= 1;
  s->keys.assign(cap, 0);
  s->slots.assign(cap, UINT32_MAX);
  s->masks.clear();
  for (size_t j = 0; j < m; ++j) {
    const uint64_t h = b[j];
    size_t i = (h * 0x9E3779B97F4A7C15ull) >> 40 & (cap - 1);
    while (s->slots[i] != UINT32_MAX && s->keys[i] != h) i = (i + 1) & (cap - 1);
    if (s->slots[i] == UINT32_MAX) {
      s->keys[i] = h;
      s->slots[i] = static_cast<uint32_t>(s->masks.size() / words);
      s->masks.resize(s->masks.size() + words, 0);
    }
    s->masks[s->slots[i] * words + j / 64] |= 1ull << (j % 64);
  }
}

uint32_t RunText(std::span<const uint64_t> a, size_t m, CompareScratch* s) {
  const size_t words = (m + 63) / 64;
  const size_t cap = s->keys.size();
  s->v.assign(words, ~0ull);
  uint64_t* v = s->v.data();
  for (uint64_t w : a) {
    size_t i = (w * 0x9E3779B97F4A7C15ull) >> 40 & (cap - 1);
    while (s->slots[i] != UINT32_MAX && s->keys[i] != w) i = (i + 1) & (cap - 1);
    if (s->slots[i] == UINT32_MAX) continue;  // not in the pattern
    const uint64_t* pm = s->masks.data() + static_cast<size_t>(s->slots[i]) * words;
    uint64_t carry = 0;
    for (size_t k = 0; k < words; ++k) {
      uint64_t u = v[k] & pm[k];
      uint64_t sum = v[k] + u;
      uint64_t c1 = sum < v[k];
      uint64_t sum2 = sum + carry;
      uint64_t c2 = sum2 < sum;
      v[k] = sum2 | (v[k] & ~pm[k]);
      carry = c1 | c2;
    }
  }
  uint32_t ones = 0;
  for (size_t k = 0; k < words; ++k) {
    uint64_t x = v[k];
    if (k == words - 1 && m % 64 != 0) x &= (1ull << (m % 64)) - 1;
    ones += static_cast<uint32_t>(std::popcount(x));
  }
  return static_cast<uint32_t>(m) - ones;
}

}  // namespace

uint32_t WordLcs(std::span<const uint64_t> a, std::span<const uint64_t> b,
                 CompareScratch* s) {
  if (a.empty() || b.empty()) return 0;
  BuildPattern(b, s);
  return RunText(a, b.size(), s);
}

void TokenShingles(const std::vector<uint32_t>& tokens, size_t k, std::vector<uint64_t>* out) {
  out->clear();
  const size_t n = tokens.size();
  k = std::min(k, n);
  if (n == 0 || k == 0) return;
  out->reserve(n - k + 1);
  for (size_t i = 0; i + k <= n; ++i) {
    uint64_t h = tokens[i];
    for (size_t j = 1; j < k; ++j) h = std::rotl(h, 23) ^ tokens[i + j];
    // The murmur3 finalizer, as the sketcher's shingles.
    h += k;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb3f99e3779b9ull;
    h ^= h >> 33;
    out->push_back(h);
  }
}

ExactSimilarity CompareWords(const RecordWords& dump, const RecordWords& record,
                             size_t shingle_words, CompareScratch* s) {
  ExactSimilarity r;
  TokenShingles(dump.tokens, shingle_words, &s->dump_shingles);
  TokenShingles(record.tokens, shingle_words, &s->record_shingles);
  const SetCounts sets = CountSets(s->dump_shingles, s->record_shingles, s);
  const size_t inter = sets.both;
  const size_t uni = sets.a + sets.b - inter;
  r.jaccard = uni == 0 ? 0 : static_cast<double>(inter) / static_cast<double>(uni);
  r.containment = sets.a == 0 ? 0 : static_cast<double>(inter) / static_cast<double>(sets.a);
  r.kept = sets.b == 0 ? 0 : static_cast<double>(inter) / static_cast<double>(sets.b);
  r.dump_words = static_cast<uint32_t>(dump.tokens.size());
  r.record_words = static_cast<uint32_t>(record.tokens.size());
  s->dump_words.assign(dump.tokens.begin(), dump.tokens.end());
  s->record_words.assign(record.tokens.begin(), record.tokens.end());
  // Fields may come in another order (a dump's JSON keys sorted, CSV
  // columns moved, fields merged): align the record's words with the dump's
  // fields in each order (up to 3 fields; more keep their order), or, for a
  // one-field dump, the dump's words with the record's fields in each order.
  const bool permute_dump = dump.field_ends.size() > 1;
  const std::vector<uint32_t>& part_ends = permute_dump ? dump.field_ends : record.field_ends;
  const std::vector<uint64_t>& parts = permute_dump ? s->dump_words : s->record_words;
  const std::vector<uint64_t>& whole = permute_dump ? s->record_words : s->dump_words;
  const size_t k = part_ends.size();
  uint32_t order[3] = {0, 1, 2};
  uint32_t best = 0;
  // LCS is symmetric: the fixed side is the pattern, built once for every
  // order of the other side's fields.
  if (!whole.empty()) BuildPattern(whole, s);
  do {
    s->seq.clear();
    for (size_t i = 0; i < k; ++i) {
      uint32_t f = k <= 3 ? order[i] : static_cast<uint32_t>(i);
      uint32_t begin = f == 0 ? 0 : part_ends[f - 1];
      s->seq.insert(s->seq.end(), parts.begin() + begin, parts.begin() + part_ends[f]);
    }
    if (!whole.empty() && !s->seq.empty()) {
      best = std::max(best, RunText(s->seq, whole.size(), s));
    }
  } while (k > 1 && k <= 3 && std::next_permutation(order, order + k));
  r.lcs = best;
  return r;
}

ExactSimilarity CompareExact(const RecordSketch& dump, const RecordSketch& record,
                             CompareScratch* s, size_t shingle_words) {
  RecordWords a, b;
  WordsFromSketch(dump, &a);
  WordsFromSketch(record, &b);
  return CompareWords(a, b, shingle_words, s);
}

}  // namespace custody::sketch
