// Independent verification of a custody log directory, as an auditor would do
// it: recompute every leaf and node hash from the published entry bundles,
// compare them with the hash tiles, the write-ahead file and the signed
// checkpoint, and check consistency with earlier checkpoints.
// Thread-safety: a free function; safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/ledger/checkpoint.h"

namespace custody::ledger {

struct VerifyOptions {
  // Earlier signed checkpoints (note text) the log must extend consistently,
  // each with a label naming where it came from (e.g. the --since file).
  std::vector<std::pair<std::string, std::string>> earlier_checkpoints;  // (label, note)
  // Also check that every entry is a canonical custody event.
  bool check_events = true;
};

struct VerifyProblem {
  std::string where;  // a file relative to the log directory, or a label
  std::string what;
};

struct VerifyReport {
  bool ok() const { return problems.empty(); }
  Checkpoint checkpoint;          // the checkpoint read (if it parsed)
  bool checkpoint_verified = false;
  uint64_t entries_checked = 0;
  uint64_t wal_entries = 0;
  std::vector<VerifyProblem> problems;
  std::vector<std::string> notes;  // facts that are not problems
};

// Verifies the log in `log_dir` against `key`. Returns a report (possibly
// listing problems); an error only if `log_dir` cannot be read at all.
Result<VerifyReport> VerifyLog(Env* env, const std::string& log_dir, const NoteVerifierKey& key,
                               const VerifyOptions& options = {});

}  // namespace custody::ledger
