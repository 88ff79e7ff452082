// The exit codes of the custody binary: the one table that ExitCodeFor maps
// Status codes with, that `custody man` prints as EXIT STATUS, and that
// docs/cli.md ("Exit codes") repeats word for word (tests/integration/cli
// checks it does).
#pragma once

#include <cstddef>
#include <string_view>

#include "custody/base/status.h"

namespace custody::cli {

struct ExitCodeRow {
  int code;
  std::string_view meaning;  // markdown: `code` spans allowed
  StatusCode statuses[3];    // the Status codes mapped to `code`: the first `mapped`;
  size_t mapped;             // every other code maps to 1
};

inline constexpr int kUsageExitCode = 2;
inline constexpr int kInternalExitCode = 1;

inline constexpr ExitCodeRow kExitCodes[] = {
    {0, "success", {StatusCode::kOk}, 1},
    {1, "internal error", {}, 0},
    {2, "usage error (unknown option, missing argument, malformed option value such as `exposure --at`), "
        "or a bad config file",
     {}, 0},
    {3,
     "bad input (malformed file, bad value; `open` of a file that is not an encrypted release, such as plaintext "
     "JSONL)",
     {StatusCode::kInvalidArgument, StatusCode::kOutOfRange}, 2},
    {4, "not found (no such dataset, record, member)", {StatusCode::kNotFound}, 1},
    {5, "wrong state (expired grant, suspended partner, vault locked by another process, already exists)",
     {StatusCode::kFailedPrecondition, StatusCode::kAlreadyExists, StatusCode::kUnavailable}, 3},
    {6, "tampering or corruption detected (failed MAC, bad proof, log verification problems)", {StatusCode::kDataLoss},
     1},
    {7,
     "missing or wrong key or passphrase (also a file that is not a master key file, such as a member's secret "
     "key, given as `--key-file`)",
     {StatusCode::kUnauthenticated, StatusCode::kPermissionDenied}, 2},
    {8, "cancelled: a confirmation prompt was declined; nothing was changed", {StatusCode::kCancelled}, 1},
};

}  // namespace custody::cli
