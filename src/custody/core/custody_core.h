// The whole library as commands use it: opening a vault with every module's
// crash recovery. The modules themselves (vault, ingest, parties, release,
// exposure, attribution, match, trace) depend only downwards
// (docs/architecture.md); this target sits above all of them and is the one
// place that knows them all.
// Thread-safety: as Custody.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// Every module's recovery step, in the order they run after the vault's own:
// ingest (staging, pending versions, empty datasets), then incidents.
std::vector<RecoveryStep> AllRecoverySteps();

// Custody::Open with OpenOptions::recovery set to AllRecoverySteps(): how
// every command opens a vault. Errors: those of Custody::Open.
Result<std::unique_ptr<Custody>> OpenVault(const std::string& dir, OpenOptions options);

}  // namespace custody::core
