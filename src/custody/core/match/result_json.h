// One dump record's match as compact JSON, the element of the `results`
// array of `custody match --json` and the line of `custody scan --out`
// (docs/matching.md). Written by hand: it runs once per dump record, and a
// JSON tree per record cost more than matching an exact copy.
// Thread-safety: one writer per thread (it caches the escaped dump and
// dataset names).
#pragma once

#include <string>

#include "custody/core/match/match_dumps.h"

namespace custody::core {

class ResultJsonWriter {
 public:
  // Appends {"source":"FILE:LINE","match":null|{...}} to `*out`.
  void Append(const DumpRecordMatch& r, std::string* out);

 private:
  std::string source_, escaped_, dataset_, dataset_json_;
};

}  // namespace custody::core
