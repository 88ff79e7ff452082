// `custody vault check`: an fsck of the vault against its custody log. It
// verifies the log itself (VerifyCustodyLog), then every file and catalog row
// whose content the log commits to: each segment decrypts and authenticates,
// each version's content ids hash to the logged records_root, each sketch
// index file opens under the index key, each release bitmap hashes to its
// release event, each member key to its member event, each grant's selection
// to its grant event, each canary opens and the canaries of a release hash to
// its event, each incident's records to its event. Someone with write access
// to the vault directory (catalog, segments, bitmaps) cannot change holdings
// or keys without a problem here (docs/security.md, "The catalog answers to
// the log"). Reads only: nothing in the catalog or the log is written.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// One finding. `kind` is what was checked ("log", "segment", "index",
// "dataset", "partner", "member", "grant", "release", "canary", "incident");
// `subject` names the row or file ("release 3", "records/1/v1/seg-000000.cseg");
// `message` says what was expected and what was found; `log_index` is the
// event the row was compared with, when there is one.
struct CheckProblem {
  std::string kind;
  std::string subject;
  std::string message;
  std::optional<uint64_t> log_index;
};

struct CheckReport {
  // What was checked, by kind: log_entries, datasets, versions, segments,
  // index_files, partners, members, grants, releases, canaries (of which
  // canaries_shredded could not be opened by design), incidents, tokens and
  // task_results (custody serve's; docs/api.md); every
  // kind is present, 0 when there was none.
  std::map<std::string, uint64_t> checked;
  // Mismatches: the vault does not answer to its log.
  std::vector<CheckProblem> problems;
  // Rows whose event predates the commitment checked ("not committed by the
  // log (older event)"): not failures.
  std::vector<CheckProblem> warnings;
  bool ok() const { return problems.empty(); }
};

// Checks the vault opened with its master key (segments, canaries and
// indexes need the keys). Returns the report; errors only when the vault
// cannot be read at all (the log's entries, the catalog). Without the master
// key, kFailedPrecondition.
Result<CheckReport> CheckVault(Custody& custody);

}  // namespace custody::core
