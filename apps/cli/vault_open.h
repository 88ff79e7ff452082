// Opening the vault from the command line: global flags and environment
// variables to core::OpenOptions, passphrase from $CUSTODY_PASSPHRASE or a
// terminal prompt (never echoed, never logged).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "custody/core/custody_core.h"
#include "custody/core/vault/custody.h"

namespace custody::cli {

// The passphrase for --passphrase: $CUSTODY_PASSPHRASE, else a prompt on the
// terminal (twice when `confirm`). kUnauthenticated if neither is possible.
Result<std::string> ReadPassphrase(bool confirm);

// Key options from --key-file/--passphrase (and their environment variables).
Result<store::KeyOptions> KeyOptionsFromFlags(bool confirm_passphrase);

// Opens the vault chosen by --vault/$CUSTODY_VAULT. `need_key` false opens it
// read-only without the master key.
Result<std::unique_ptr<core::Custody>> OpenVault(bool need_key);

}  // namespace custody::cli
