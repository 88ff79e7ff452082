// Parameters of custody's record sketches (docs/matching.md explains the
// choice). They are written into every index file; a Matcher requires all
// its files to agree, and sketches dump records with the same values.
#pragma once

#include <cstdint>

namespace custody::sketch {

struct SketchParams {
  // Words per shingle.
  uint8_t shingle_words = 3;
  // log2 of the number of one-permutation MinHash bins.
  uint8_t bins_log2 = 6;
  // Bits kept per bin in the stored (b-bit) signature: 1, 2 or 4.
  uint8_t sig_bits = 2;
  // Anchor shingles indexed per record (one minimum per equal segment of
  // the record, skipping corpus-frequent shingles).
  uint8_t anchors = 5;

  uint32_t bins() const { return 1u << bins_log2; }
  uint32_t sig_bytes() const { return (bins() * sig_bits + 7) / 8; }
  uint32_t filled_bytes() const { return (bins() + 7) / 8; }
  bool operator==(const SketchParams&) const = default;
};

// Decision thresholds of the verifier (see docs/matching.md).
struct VerifyParams {
  // Minimum estimated Jaccard for a near match.
  double min_jaccard = 0.5;
  // Minimum estimated share of the record's shingles present in the dump
  // record for a near match (whatever the Jaccard).
  double min_kept = 0.75;
  // A candidate at least 1.25 times larger than the dump record, whose
  // estimated containment of the dump record is at least this and whose
  // estimated Jaccard is at least fragment_min_jaccard, is a fragment match.
  double fragment_containment = 0.85;
  double fragment_min_jaccard = 0.2;
  // Fields shorter than this many words get no per-field exact fingerprint,
  // and dump records shorter than this are only matched exactly.
  uint32_t min_words = 4;

  // With candidate texts (CandidateTexts): a candidate whose estimated
  // Jaccard is at least confident_jaccard, with every other candidate at
  // least confident_margin below, is accepted on its signature; otherwise
  // plausible candidates (estimate near or fragment, or estimated Jaccard
  // >= text_min_jaccard, or estimated containment >= text_min_containment)
  // are compared with their text.
  double confident_jaccard = 0.8;
  double confident_margin = 0.3;
  double text_min_jaccard = 0.2;
  double text_min_containment = 0.5;
  // Exact decisions: near if the shingle Jaccard is at least min_jaccard or
  // the longest common word subsequence keeps at least min_aligned of the
  // longer text's words; fragment if the dump record has at least
  // fragment_min_words words and at most fragment_max_share of the record's,
  // at least fragment_aligned of them appear in order in the record and at
  // least fragment_text_containment of its shingles do.
  double min_aligned = 0.8;
  uint32_t fragment_min_words = 8;
  double fragment_max_share = 0.8;
  double fragment_aligned = 0.85;
  double fragment_text_containment = 0.5;
};

}  // namespace custody::sketch
