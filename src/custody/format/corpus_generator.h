// CorpusGenerator: deterministic synthetic instruction-style records
// ({"id","prompt","response","topic"}) for demos, benchmarks and tests that
// need realistic but unrelated text. The same seed always gives the same
// records on every platform (own PRNG, no std distributions); different
// seeds give different records.
// Thread-safety: one instance per thread.
#pragma once

#include <cstdint>
#include <string>

#include "custody/base/env.h"
#include "custody/base/status.h"

namespace custody::format {

class CorpusGenerator {
 public:
  explicit CorpusGenerator(uint64_t seed);

  // Replaces `*out` with the next record, as canonical JSON (no newline).
  void Next(std::string* out);
  // Records generated so far.
  uint64_t count() const { return count_; }

 private:
  uint64_t NextRandom();
  uint64_t Below(uint64_t n);  // uniform in [0, n)
  bool Chance(uint32_t per_mille);

  void AppendWord(std::string* s);
  void AppendSentence(std::string* s, size_t min_words, size_t spread);
  void AppendParagraphs(std::string* s, size_t sentences);
  void AppendList3(std::string* s);
  void MakeMath(std::string* prompt, std::string* response);
  void MakeExplain(std::string* prompt, std::string* response);
  void MakeListing(std::string* prompt, std::string* response);
  void MakeTranslate(std::string* prompt, std::string* response);
  void MakeGeneral(std::string* prompt, std::string* response);
  size_t ResponseSentences();

  uint64_t state_[4];
  uint64_t seed_;
  uint64_t count_ = 0;
  std::string prompt_;
  std::string response_;
};

// Writes `records` generated records for `seed` to `path` as JSONL
// (gzip/zstd by extension) and returns the uncompressed byte count.
Result<uint64_t> GenerateCorpusFile(Env* env, const std::string& path, uint64_t records,
                                    uint64_t seed);

}  // namespace custody::format
