// Export of custody log entries for SIEMs: plain JSON lines, and OCSF
// (Open Cybersecurity Schema Framework 1.1) "Datastore Activity" events
// (class_uid 6005, category_uid 6 "Application Activity"). Field names are
// OCSF's; custody's own fields go under "unmapped". Thread-safety: pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"

namespace custody::ledger {

// {"origin", "index", "leaf_hash" (base64), plus the event's fields}.
Result<nlohmann::json> ExportJsonl(std::string_view origin, uint64_t index,
                                   std::string_view entry);
// One OCSF Datastore Activity event for the entry.
Result<nlohmann::json> ExportOcsf(std::string_view origin, uint64_t index,
                                  std::string_view entry);

}  // namespace custody::ledger
