// Trace: accounts for every compromised record in a dump and names who leaked
// it. The dump is matched against the vault (dump_scan.h); every member who
// ever received data is scored on three independent kinds of evidence —
// exposure (which records leaked vs which they held), canaries found, and the
// symmetric Tardos score of the variant marks read from the matched records —
// and the evidence is combined and corrected (core/attribution). A member is
// accused only when the corrected bound is below alpha. docs/trace.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/attribution/attribution.h"
#include "custody/core/match/dump_scan.h"
#include "custody/core/trace/trace_report.h"
#include "custody/core/vault/custody.h"
#include "custody/mark/canary.h"
#include "custody/mark/mark.h"

namespace custody::core {

// What one member holds, as trace needs it.
struct HolderRelease {
  ReleaseId release_id;
  GrantId grant_id;
  Time created_at;
  std::string dataset;
  uint64_t records = 0;
  bool sampled = false;        // the grant was a keyed random sample
  std::vector<uint64_t> ids;   // sorted record ids of this release
};

struct Holder {
  MemberId member_id;
  std::string member;
  PartnerId partner_id;
  std::string partner;
  std::vector<uint64_t> held;  // sorted, unique record ids ever released to the member
  std::vector<HolderRelease> releases;
};

struct CanaryRecord {
  CanaryId canary_id;
  MemberId member_id;
  ReleaseId release_id;
  RecordId source_record_id;
  std::vector<mark::Substitution> substitutions;
  double false_match_probability = 1.0;
};

struct TraceInputs {
  std::vector<Holder> holders;
  std::vector<CanaryRecord> canaries;
};

// Loads every member who ever received a release, with their holdings and
// canaries (canaries unsealed with the vault's canary key).
Result<TraceInputs> LoadTraceInputs(Custody& custody);

struct TraceOptions {
  std::vector<std::string> dumps;
  double alpha = 1e-6;
  // Worker threads for the scan (0: one per core); the result does not
  // depend on it.
  size_t threads = 0;
  // A dump record nested deeper is unreadable (skipped and reported).
  size_t max_json_depth = format::kMaxJsonDepth;
  // The dumps' format (kAuto: detected from each one's content).
  format::InputFormat format = format::InputFormat::kAuto;
  std::function<void(const ScanProgress&)> progress;
};

// Runs the trace. Appends a `trace` event to the custody log committing to
// the dump's hash and to the list of compromised record ids; the report's
// log_index names that entry.
Result<TraceReport> Trace(Custody& custody, const TraceOptions& options);

// The marks read from one matched dump record.
struct SlotRead {
  RecordId record_id;
  mark::SlotObservation obs;
};

struct MemberScore {
  const Holder* holder = nullptr;
  attribution::MemberVerdict verdict;
  uint64_t canaries_found = 0;
  uint64_t canaries_deployed = 0;
  uint64_t slots_scored = 0;
};

struct Scoring {
  std::vector<MemberScore> members;  // one per holder, in input order
  attribution::AttributionReport report;
  uint64_t readable_slots = 0;       // after erasing uniform kinds
  uint64_t erased_slots = 0;
};

// Scores every holder on exposure (`leaked`: compromised record ids), marks
// (`slots`) and canaries (`canary_found`: canary ids found in the dump), and
// decides at `alpha`. Members are scored on up to `threads` threads; the
// result does not depend on it.
Result<Scoring> ScoreMembers(const TraceInputs& inputs, const std::vector<uint64_t>& leaked,
                             std::vector<SlotRead> slots, const std::set<CanaryId>& canary_found,
                             const mark::Marker& marker, double alpha, size_t threads = 1);

}  // namespace custody::core
