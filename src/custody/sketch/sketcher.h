// Sketcher: turns a record (its text fields) into the keyed hashes that the
// index stores and the matcher compares: exact fingerprints of the whole
// record and of each field, word-shingle hashes, and a one-permutation
// MinHash signature with rotation densification. All hashes are XXH3 keyed
// with a secret derived from the index key, so index files reveal nothing
// about the text to someone without the key (docs/formats/index.md).
// Thread-safety: a Sketcher is immutable after Create and safe to share;
// RecordSketch scratch objects are per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/sketch/sketch_params.h"

namespace custody::sketch {

// The sketch of one record. Reused across calls to avoid allocations.
struct RecordSketch {
  std::string joined;                 // normalized fields joined by one space
  uint64_t record_key = 0;            // exact fingerprint of `joined`
  std::vector<uint64_t> field_keys;   // exact fingerprints of long enough fields
  std::vector<uint64_t> shingles;     // shingle hashes, in text order
  std::vector<uint32_t> bins;         // OPH MinHash, params.bins() values
  std::vector<uint8_t> sig;           // packed b-bit signature, params.sig_bytes()
  std::vector<uint8_t> filled;        // bitmap: bins with a shingle of their own (not densified)
  std::vector<uint16_t> code_masks;   // per bin: the b-bit codes of all its shingles
                                      // (only after Sketcher::FillCodeMasks)
  std::vector<uint32_t> field_ends;  // per non-empty field, its end in word_hashes
  uint32_t words = 0;
  uint32_t shingle_count = 0;         // distinct shingles (approximate: hash-distinct)
  std::vector<uint64_t> word_hashes;  // keyed hash of each word, in text order
  // Where the first 16 non-empty fields lie in `joined` (NormalizeFields).
  struct Range {
    uint32_t begin, end;
  };
  Range ranges[16] = {};
  uint32_t nranges = 0;
  uint32_t nonempty_fields = 0;
};

class Sketcher {
 public:
  // `index_key` must be at least 16 bytes (kInvalidArgument otherwise).
  static Result<std::unique_ptr<Sketcher>> Create(const crypto::SecretBytes& index_key,
                                                  const SketchParams& params,
                                                  const VerifyParams& verify = {});
  ~Sketcher();

  const SketchParams& params() const { return params_; }
  const VerifyParams& verify() const { return verify_; }
  // A public value that identifies the key (for detecting a wrong key); it
  // does not reveal the key.
  uint64_t key_check() const { return key_check_; }

  // Sketches a record given its raw (not yet normalized) text fields.
  void Sketch(std::span<const std::string_view> fields, RecordSketch* out) const;
  // The first step of Sketch: normalizes and joins the fields and sets
  // `joined`, the field ranges and `record_key` (an exact copy is found by
  // these alone); SketchJoined then completes the sketch.
  void NormalizeFields(std::span<const std::string_view> fields, RecordSketch* out) const;
  void SketchJoined(RecordSketch* out) const;
  // As Sketch, up to the words and shingles only (joined, record_key,
  // field_keys, shingles, word_hashes, field_ends, words, shingle_count);
  // the MinHash members are left as they were. For exact comparison.
  void SketchWords(std::span<const std::string_view> fields, RecordSketch* out) const;

  // Fills `r->code_masks` from its shingles (after Sketch), for EstimateKept;
  // Sketch leaves it empty, as the index never needs it.
  void FillCodeMasks(RecordSketch* r) const;

  // The 64-bit fingerprint tagged for a field (distinct from record keys).
  static uint64_t FieldTag(uint64_t h) { return h ^ 0x6a09e667f3bcc908ull; }

 private:
  Sketcher() = default;
  uint64_t Hash(std::string_view s) const;
  // SketchWords after NormalizeFields.
  void WordsOfJoined(RecordSketch* out) const;
  // The MinHash members, after the words.
  void MinHash(RecordSketch* out) const;

  SketchParams params_;
  VerifyParams verify_;
  crypto::SecretBytes secret_;  // XXH3 secret (192 bytes)
  uint64_t key_check_ = 0;
};

// Number of equal b-bit values between two packed signatures.
uint32_t SignatureMatches(const uint8_t* a, const uint8_t* b, const SketchParams& p);

// Estimated share of a record's shingles present in a dump record: over the
// record's own (non-densified) bins, how often the dump record has a shingle
// with the same b-bit code in that bin, corrected for chance.
double EstimateKept(const uint8_t* record_sig, const uint8_t* record_filled,
                    const std::vector<uint16_t>& query_masks, const SketchParams& p);

// Estimated Jaccard similarity of a record and a dump record over the bins
// that hold a shingle of their own in at least one of them (the unbiased
// one-permutation estimator: densified bins are not compared), with the
// b-bit chance collisions removed.
double EstimateJaccardFilled(const uint8_t* record_sig, const uint8_t* record_filled,
                             const RecordSketch& query, const SketchParams& p);

// Estimated Jaccard similarity from `matches` equal b-bit values out of the
// params' bins (corrected for chance collisions, clamped to [0, 1]).
double EstimateJaccard(uint32_t matches, const SketchParams& p);

}  // namespace custody::sketch
