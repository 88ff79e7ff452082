// Query parameters and paging of custody serve's lists (docs/api.md,
// "Lists, exposure and the log"). Private to the serve module.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <httplib.h>

#include "custody/base/status.h"
#include "custody/serve/internal/reply.h"

namespace custody::serve::internal {

// A non-negative integer query parameter; nullopt if absent.
// kInvalidArgument naming the parameter and what was found.
Result<std::optional<uint64_t>> UintParam(const httplib::Request& req, const char* name);

// Pagination: ?limit=N (1..1000, default 100) and ?after=TOKEN, the
// continuation token of the previous page ("next" in its body). `items`
// are sorted by their integer "id"; a token is base64url("after:<id>").
// Returns {"items": [...][, "next": TOKEN]}; kInvalidArgument for a bad
// limit or token.
Result<Json> Page(const httplib::Request& req, std::vector<Json> items);

}  // namespace custody::serve::internal
