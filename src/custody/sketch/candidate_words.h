// CandidateWords: where the matcher reads the words (record_words.h) of an
// indexed record when the index alone cannot decide a candidate (ambiguous
// similarity, or template siblings competing). The vault serves them from
// its encrypted word files (core::VaultRecordWords); a CandidateTexts (real
// texts held in memory, for tests and benchmarks) is served through
// Matcher::WordsFromTexts.
// Thread-safety: implementations say; the matcher calls an object only from
// the thread that called Match/Candidates/MatchBatch with it.
#pragma once

#include <cstdint>
#include <span>

#include "custody/base/status.h"
#include "custody/sketch/record_words.h"

namespace custody::sketch {

class CandidateWords {
 public:
  virtual ~CandidateWords() = default;
  // Sets `*out` to the words of `record_id` as indexed at ingest. An error
  // (kNotFound, kFailedPrecondition for a shredded dataset, kDataLoss, ...)
  // makes the matcher fall back to the index estimate for that candidate.
  virtual Status Words(uint64_t record_id, RecordWords* out) = 0;
  // Announces the records a batch may ask for (each at most once, in any
  // order), so that an implementation can read them grouped by where they
  // are stored; Words must work whether or not an id was announced.
  virtual void Prefetch(std::span<const uint64_t> record_ids) { (void)record_ids; }
};

}  // namespace custody::sketch
