// ScanDumps: `custody scan` as a library call, for dumps too large to match
// in one sitting. It is MatchDumps (threads over batches, bounded memory)
// writing every matched dump record as one JSON line to an output file, with
// a checkpoint file rewritten atomically every so many records, so a scan
// stopped by a crash or a restart resumes where its last checkpoint was and
// writes the same output as one uninterrupted run (docs/matching.md,
// "custody scan"; the checkpoint format is docs/formats/scan-checkpoint.md).
// Thread-safety: a function; `custody` is used from the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "custody/base/status.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

struct ScanDumpsOptions {
  // dumps, scan.threads, scan.progress, scan.max_json_depth, part, parts
  // and exchange are used; the per-record callbacks are ScanDumps' own.
  MatchOptions match;
  // The results: one line per matched dump record, in dump order, each the
  // JSON of a `custody match --json` result.
  std::string out;
  // The checkpoint file; empty: none (the scan cannot resume).
  std::string checkpoint;
  // A checkpoint is written once at least this many records were read since
  // the last one (and the output synced first).
  uint64_t checkpoint_records = 100000;
  // Called after each checkpoint is written, with the records it covers;
  // an error stops the scan there (tests use it to stop a scan midway).
  std::function<Status(uint64_t)> after_checkpoint;
  // Called once the checkpoint (if any) is read and before any record is
  // matched, with the records the scan resumes past (0: from the start).
  // A split scan (custody-mpi) tells its other parts here: they resume
  // past the same records (MatchOptions::resume_after). An error stops the
  // scan before it starts.
  std::function<Status(uint64_t resume_after)> on_start;
};

struct ScanDumpsResult {
  // This run's summary: records resumed past are counted in dump_records
  // and skipped, but not in the match totals.
  MatchSummary summary;
  uint64_t matched = 0;       // matched dump records over the whole scan
  uint64_t resumed_from = 0;  // records the checkpoint covered (0: a fresh scan)
  uint64_t checkpoints = 0;   // written by this run
};

// Scans options.dumps. With an existing checkpoint of the same scan (same
// dumps with the same sizes, same output path, same indexed versions) it
// resumes: the output is cut back to what the checkpoint covers and the
// records before it are read without being matched. On success the
// checkpoint is removed. kFailedPrecondition for a checkpoint of another
// scan or an output shorter than its checkpoint says; kDataLoss for a
// corrupt checkpoint; errors of MatchDumps.
Result<ScanDumpsResult> ScanDumps(Custody& custody, const ScanDumpsOptions& options);

}  // namespace custody::core
