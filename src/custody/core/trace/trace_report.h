// TraceReport: what `custody trace` found, as a value. ToJson writes it as the
// report of docs/trace.md ("The report"): compact JSON, keys in byte order,
// written field by field without building a JSON tree (a report of every
// compromised record of a large leak runs to many MB). TraceReportFromJson
// reads such a report back for `incident open`; it never throws, and a missing
// or wrong-typed field is kInvalidArgument naming the field's path.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/match/dump_scan.h"

namespace custody::core {

// One vault record found in the dump.
struct CompromisedRecord {
  RecordId record_id;
  std::string dataset;
  int version = 0;
  std::string kind;         // exact, near, fragment
  double similarity = 0;
  std::string source;       // first dump place, FILE:LINE
  uint64_t occurrences = 0; // dump records that matched it
  bool unverified = false;  // its dataset was shredded: a sketch match only
  std::vector<ReleaseId> releases;    // releases that carried it
  std::vector<std::string> held_by;   // members who received it
  std::vector<std::string> partners;  // their partners, each once (not in the JSON)
};

// A canary record of some member's release, found in the dump.
struct CanaryHit {
  CanaryId canary_id;
  std::string member;
  std::string partner;
  ReleaseId release_id;
  std::string source;  // FILE:LINE in the dump
};

// A release that carried compromised records.
struct LeakedRelease {
  ReleaseId release_id;
  uint64_t records = 0;           // of its records, how many leaked
  std::string member;
  std::string partner;
  std::string dataset;
  uint64_t released_records = 0;  // records it carried
  Time created_at;                // RFC 3339 in the JSON
};

// One member's evidence, as reported.
struct ExposureFinding {
  bool informative = false;
  uint64_t leaked_held = 0;
  uint64_t leaked_exclusive = 0;
  uint64_t held = 0;
  double log10_p = 0;
  std::string silent_because;  // set when not informative
};

struct MarksFinding {
  uint64_t slots = 0;  // informative iff slots > 0
  double score = 0;
  double log10_p = 0;
};

struct CanaryFinding {
  uint64_t deployed = 0;
  uint64_t found = 0;
  std::optional<double> log10_p;  // set when informative
};

struct MemberFinding {
  std::string member;
  MemberId member_id;
  std::string partner;
  uint64_t records_held = 0;
  uint64_t leaked_held = 0;
  int kinds_used = 0;
  double log10_p_combined = 0;
  double log10_p_value = 0;  // corrected over the members tested
  bool accused = false;
  // Why this member is (not) accused, from the data: "held 2,113 of 6,000
  // leaked records; no fingerprint evidence above the threshold". A member
  // not accused is never "cleared": the evidence may simply not decide.
  std::string reason;
  std::optional<ExposureFinding> exposure;
  std::optional<MarksFinding> marks;  // unset: no readable slot in what the member held
  CanaryFinding canaries;
};

struct TraceReport {
  // What the report is: when, of which vault, by which custody (empty or
  // unset in reports written before these fields existed).
  std::optional<Time> created_at;
  std::string vault_id;
  std::string custody_version;
  std::vector<std::string> dumps;
  std::string dump_sha256;
  uint64_t dump_records = 0;
  uint64_t matched = 0;
  uint64_t unmatched = 0;
  std::vector<std::string> unmatched_sources;  // the first 1,000, FILE:LINE
  uint64_t skipped = 0;
  std::vector<DumpProblem> problems;
  std::vector<std::string> empty_dumps;
  std::vector<CompromisedRecord> compromised;  // by record id
  std::string compromised_sha256;              // CompromisedHash of their ids
  std::map<std::string, uint64_t> by_dataset;
  std::map<std::string, uint64_t> by_partner;
  std::map<std::string, uint64_t> by_member;
  std::vector<LeakedRelease> releases;  // by release id
  std::vector<CanaryHit> canaries_found;
  uint64_t readable_slots = 0;
  uint64_t erased_slots = 0;
  uint64_t members_tested = 0;
  std::vector<MemberFinding> members;
  std::vector<std::string> accused;  // members accused, in member order
  double alpha = 0;
  bool decided = false;
  std::string statement;
  std::string undecidable_reason;  // set when not decided
  // Records leaked, yet no released copy's fingerprint fits the dump and no
  // canary was found: a leak from the lab's own copy, or from a path custody
  // did not record.
  bool fits_no_copy = false;
  std::optional<uint64_t> log_index;
};

// The report as one line of compact JSON (no trailing newline).
std::string ToJson(const TraceReport& report);

// Reads a report written by ToJson. Fields ToJson derives (counts, p-values,
// accused_detail) are not read back. kInvalidArgument: not JSON, or a field
// missing or of the wrong type ("trace report: members[2].accused: expected
// true or false").
Result<TraceReport> TraceReportFromJson(std::string_view json);

// p = 10^log10_p, or 0 below the smallest double.
double PValue(double log10_p);

}  // namespace custody::core
