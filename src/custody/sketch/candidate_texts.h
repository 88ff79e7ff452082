// CandidateTexts: where the matcher reads the real text of an indexed record
// when the index alone cannot decide a candidate (ambiguous similarity, or
// template siblings competing). The vault implements it by decrypting the
// record (core::VaultRecordTexts); tests and benchmarks serve it from memory.
// Thread-safety: implementations say; the matcher calls it from the thread
// that called Match/Candidates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "custody/base/status.h"

namespace custody::sketch {

class CandidateTexts {
 public:
  virtual ~CandidateTexts() = default;
  // Sets `*fields` to the raw (not normalized) text field values of
  // `record_id`, in the order they were indexed (the matcher passes the same
  // vector each time, so implementations can reuse its strings' memory). An
  // error (kNotFound, kDataLoss, ...) makes the matcher fall back to the
  // index estimate for that candidate.
  virtual Status TextFields(uint64_t record_id, std::vector<std::string>* fields) = 0;
};

}  // namespace custody::sketch
