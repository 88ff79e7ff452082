// Verifying the custody log of an open vault, as `custody log verify` does:
// every entry hash, the tiles, the checkpoint signature under the vault's
// log key, and consistency with earlier signed checkpoints the caller holds
// and with the signer's own record of what it last signed.
// Thread-safety: as Custody.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/ledger/verify.h"

namespace custody::core {

// The key checkpoints of this vault's log are signed with (origin and
// Ed25519 public key, as the vault records them).
ledger::NoteVerifierKey LogVerifierKey(const Custody& custody);

// Verifies the log against `pinned_key` if given (a verifier key kept
// outside the vault), else against LogVerifierKey (keys/log.pub, which
// someone with write access to the vault could replace). `earlier_checkpoint_files` are signed checkpoint notes (files)
// the log must extend: each is checked under the same key and with a
// consistency proof; the signer's state in the vault's keys directory is
// added as a further witness when present. A writer may publish while this
// runs: if the checkpoint changed during a verification that found
// problems, it is run again (a consistent snapshot), up to a few times.
// Returns the report (report.ok() says whether the log verified); errors
// only when a file cannot be read.
Result<ledger::VerifyReport> VerifyCustodyLog(
    Custody& custody, const std::vector<std::string>& earlier_checkpoint_files,
    const std::optional<ledger::NoteVerifierKey>& pinned_key = std::nullopt);

}  // namespace custody::core
