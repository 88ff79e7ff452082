// The match report as JSON: what `custody match --json` prints and `custody
// serve` answers at POST /v1/match (docs/matching.md, "custody match").
// The summary is one object; each dump record's result is written as text
// by MatchResultWriter, since a dump of millions of records makes that many
// results and a JSON tree per result cost more than the matching.
// Thread-safety: pure functions; a MatchResultWriter per thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "custody/core/match/match_dumps.h"

namespace custody::core {

// {"dump_records", "matched", "unmatched", "unverified", "distinct_records",
// "by_dataset", "by_kind", "top", "skipped", "bad_records", "empty_dumps",
// "threads"}: the report without its "results" array.
nlohmann::json MatchSummaryToJson(const MatchSummary& s);

// Appends one dump record's result as compact JSON: {"source": "FILE:LINE",
// "match": null | {"containment", "dataset", "kind", "record_id",
// "similarity", "verified", "version"}}. Caches the escaped names of the
// last dump and dataset.
class MatchResultWriter {
 public:
  void Append(const DumpRecordMatch& r, std::string* out);

 private:
  std::string source_, escaped_, dataset_, dataset_json_;
};

}  // namespace custody::core
