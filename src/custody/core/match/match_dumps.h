// MatchDumps: `custody match` as a library call. Scans the dumps in batches
// over worker threads (dump_scan.h), matches every readable dump record
// against every indexed dataset version, verifies candidates against their
// words (record_words.h), and returns the totals; each dump record's result
// is handed to a callback in dump order, so nothing per record is held and
// memory stays bounded whatever the dump size (docs/matching.md).
// Thread-safety: a function; `custody` is used from the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/match/dump_scan.h"
#include "custody/core/vault/custody.h"
#include "custody/sketch/matcher.h"

namespace custody::core {

// One dump record's outcome.
struct DumpRecordMatch {
  std::string source;  // dump file
  uint64_t line = 0;
  std::optional<sketch::MatchResult> match;
  // The matched record's dataset version (when matched).
  const IndexedVersion* version = nullptr;
  // The match rests on the index alone: its dataset was shredded, so its
  // words could not be read (the similarity is the sketch's estimate).
  bool unverified = false;
};

struct MatchOptions {
  std::vector<std::string> dumps;
  ScanOptions scan;
  // How many of the best matches the summary keeps (by kind, then
  // similarity, then dump order), and how many unmatched places.
  size_t top = 20;
  size_t unmatched_sample = 20;
  // Called for every readable dump record, in dump order (optional).
  std::function<Status(const DumpRecordMatch&)> on_record;
  // Optional, for results written out as text: `render` appends one
  // record's outcome to the text of its batch on the worker thread that
  // matched it (so rendering a large dump's results is not bound to the
  // reading thread; it is called from several threads at once), and each
  // batch's text then reaches `on_rendered`, in dump order.
  std::function<void(const DumpRecordMatch&, std::string*)> render;
  std::function<Status(std::string_view)> on_rendered;
  // Resuming a scan: the records whose ordinal (DumpBatch::ordinal) is below
  // this are read and accounted (dump_records, skipped, problems) but
  // neither matched nor reported to on_record, render or the totals.
  uint64_t resume_after = 0;
  // Called after each batch is folded (after on_rendered), in dump order,
  // with DumpBatch::end_ordinal (a place to checkpoint; optional).
  std::function<Status(uint64_t)> on_batch_end;

  // A scan split over processes (custody-mpi scan; docs/scale.md): this
  // process is `part` of `parts`. It scores against the index files at
  // positions p with p % parts == part (VaultMatcher::Open), and in each
  // round of `parts` batches (ScanOptions::part) it matches batch `part` of
  // the round: it parses and sketches it, the sketches go to every process
  // (`allgather`), each scores them against its files and sends its
  // candidates back (`alltoall`), and this process verifies them with words.
  // The outcomes reach part 0 (`gather`), which reports and writes what one
  // process over every file would; the other parts report nothing (their
  // summaries count nothing). The exchanges are collective: every part
  // calls each of them once per round, in step. A split scan resumes as one
  // process does: every part must be given the same resume_after (the
  // batches, and so the rounds, do not depend on it).
  size_t part = 0;
  size_t parts = 1;
  struct Exchange {
    // Every part's bytes, by part (`mine` at `part`).
    std::function<Result<std::vector<std::string>>(std::string mine)> allgather;
    // `out[p]` goes to part p; returns what each part sent this one, by part.
    std::function<Result<std::vector<std::string>>(std::vector<std::string> out)> alltoall;
    // On part 0, every part's bytes by part; elsewhere an empty list.
    std::function<Result<std::vector<std::string>>(std::string mine)> gather;
  };
  Exchange exchange;
};

struct VerificationCounts {
  uint64_t lookups = 0;       // candidate words asked for
  uint64_t prefetched = 0;    // read ahead, grouped by storage
  uint64_t block_reads = 0;   // word-file blocks opened
  uint64_t segment_reads = 0; // segments decoded (versions without word files)
};

struct MatchSummary {
  DumpScanStats scan;
  uint64_t matched = 0;
  uint64_t unverified = 0;         // matches of shredded datasets (sketch only)
  uint64_t distinct_records = 0;   // vault records matched at least once
  std::map<std::string, uint64_t> by_dataset;
  std::map<std::string, uint64_t> by_kind;
  struct TopEntry {
    std::string where;  // FILE:LINE
    uint64_t record_id = 0;
    std::string dataset;
    int version = 0;
    sketch::MatchKind kind = sketch::MatchKind::kNear;
    double similarity = 0;
    bool unverified = false;
  };
  std::vector<TopEntry> best;        // up to MatchOptions::top, best first
  std::vector<std::string> unmatched_sample;  // FILE:LINE, dump order
  size_t threads = 1;
  VerificationCounts verification;
  // The first error met while reading candidate words (OK if none): such
  // candidates were decided on their sketch.
  Status verification_error;
  uint64_t unmatched() const { return scan.dump_records - matched; }
};

// kFailedPrecondition if the vault has no indexed dataset; errors of
// reading a dump or of `on_record` end the scan.
Result<MatchSummary> MatchDumps(Custody& custody, const MatchOptions& options);
// As above, from a plan (a process that cannot open the vault's catalog and
// keys); `env` reads the dumps and the plan's files.
Result<MatchSummary> MatchDumps(Env* env, const MatchPlan& plan, const MatchOptions& options);

}  // namespace custody::core
