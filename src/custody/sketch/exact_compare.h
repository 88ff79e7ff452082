// Exact comparison of a dump record and a candidate record from their words
// (record_words.h: one keyed token per word, from the same Sketcher):
// word-shingle Jaccard and containment over the shingle sets, and the
// longest common word subsequence, which separates an edited copy (few words changed, in
// place) from a template sibling (the same problem with other names and
// numbers throughout). Used by the matcher's verification stage.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "custody/sketch/record_words.h"
#include "custody/sketch/sketcher.h"

namespace custody::sketch {

struct ExactSimilarity {
  double jaccard = 0;       // word-shingle Jaccard of the two texts
  double containment = 0;   // share of the dump record's shingles in the record
  double kept = 0;          // share of the record's shingles in the dump record
  uint32_t lcs = 0;         // words of the longest common word subsequence
  uint32_t dump_words = 0;
  uint32_t record_words = 0;
  // lcs / max(dump_words, record_words): the share of words kept in place.
  double aligned() const;
  // lcs / dump_words: the share of the dump record's words found, in order,
  // in the record (a fragment or a truncated copy scores high).
  double aligned_dump() const;
};

// Scratch memory reused across comparisons (one per thread).
struct CompareScratch {
  std::vector<uint64_t> dump_words, record_words;  // tokens widened for the LCS
  std::vector<uint64_t> dump_shingles, record_shingles;
  std::vector<uint64_t> seq;
  std::vector<uint64_t> masks;
  std::vector<uint64_t> v;
  std::vector<uint64_t> keys;  // LCS pattern: word hash -> mask slot
  std::vector<uint32_t> slots;
  std::vector<uint64_t> set_keys;  // shingle set counts: hash -> sides seen
  std::vector<uint8_t> set_sides;
};
// Compares `dump` and `record`; shingles of `shingle_words` tokens (the
// index's SketchParams::shingle_words). The matcher's only exact comparison.
ExactSimilarity CompareWords(const RecordWords& dump, const RecordWords& record,
                             size_t shingle_words, CompareScratch* scratch);
// CompareWords of two sketched texts (tests and tools).
ExactSimilarity CompareExact(const RecordSketch& dump, const RecordSketch& record,
                             CompareScratch* scratch, size_t shingle_words = 3);

// The shingle hashes of `tokens` (k consecutive tokens each, text order) into
// `*out`, as CompareWords counts them.
void TokenShingles(const std::vector<uint32_t>& tokens, size_t k, std::vector<uint64_t>* out);

// Length of the longest common subsequence of two word-hash sequences
// (bit-parallel, O(|a| * |b| / 64)).
uint32_t WordLcs(std::span<const uint64_t> a, std::span<const uint64_t> b,
                 CompareScratch* scratch);

}  // namespace custody::sketch
