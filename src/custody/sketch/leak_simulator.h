// LeakSimulator: makes synthetic leaked dumps from records, for tests,
// benchmarks and demos. It applies the edits a leaker's pipeline typically
// applies (format change, Unicode noise or normalization, lower-casing,
// whitespace collapse, quote uncurling, shuffling, subsetting, dropped or
// merged fields, truncation, word edits), mixes in unrelated records, and
// writes the ground truth beside the dump (DUMP.truth.jsonl, see
// docs/matching.md "Dump generator").
// Randomness comes only from `LeakOptions::seed`. Thread-safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"

namespace custody::sketch {

struct SimRecord {
  std::vector<std::pair<std::string, std::string>> fields;  // name, value
};

enum class DumpFormat { kJsonl, kCsv, kText };

struct LeakOptions {
  DumpFormat format = DumpFormat::kJsonl;
  bool unicode_noise = false;        // curly quotes, fullwidth digits, zero-width, homoglyphs
  bool nfkc = false;                 // apply NFKC (a leaker's normalizer)
  bool lowercase = false;
  bool collapse_whitespace = false;
  bool uncurl_quotes = false;
  bool shuffle = false;
  double subset = 1.0;               // share of the records kept
  bool drop_field = false;           // drop one field (records with 2+ fields)
  bool merge_fields = false;         // join all fields into one "text" field
  double truncate_min_keep = 1.0;    // < 1: keep a uniform share in [this, 1) of the text
  uint32_t word_edits = 0;           // word substitutions/deletions/insertions per record
  double unrelated_ratio = 0.0;      // unrelated records mixed in per leaked record
  uint64_t seed = 1;
  size_t shingle_words = 3;          // for the measured Jaccard in the truth file
};

// One dump line's ground truth.
struct TruthEntry {
  uint64_t line = 0;              // 1-based line of the record in the dump (CSV: row + 1)
  int64_t source = -1;            // index into `records`, or -1 for an unrelated record
  std::string edits;              // e.g. "lowercase,truncate"
  double jaccard = 0;             // word-shingle Jaccard of normalized source vs dump record
  double kept = 0;                // share of the source's text (bytes) kept by drop/truncate
};

struct LeakResult {
  std::string dump;                 // file contents
  std::vector<TruthEntry> truth;
};

// Builds a dump of `records` (plus records drawn from `unrelated`).
LeakResult SimulateLeak(const std::vector<SimRecord>& records,
                        const std::vector<SimRecord>& unrelated, const LeakOptions& options);

// Writes `result.dump` to `path` and its truth to `path + ".truth.jsonl"`.
Status WriteLeak(Env* env, const std::string& path, const LeakResult& result);

// Reads a JSONL file of flat objects; string values become fields, in file
// order. kInvalidArgument with "path:line: ..." on malformed lines.
Result<std::vector<SimRecord>> LoadJsonlRecords(Env* env, const std::string& path);

}  // namespace custody::sketch
