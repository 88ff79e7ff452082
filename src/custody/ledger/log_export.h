// Export of custody log entries for SIEMs: plain JSON lines, and OCSF
// (Open Cybersecurity Schema Framework 1.1) events: traces as Detection
// Finding (2004) as are `custody serve` limit alerts (serve.alert), incidents as Incident Finding (2005), audit submissions as
// Compliance Finding (2003), every other event as Datastore Activity (6005);
// type_uid = class_uid * 100 + activity_id; metadata names the product
// (name, vendor_name, version) and the OCSF version. Field names are OCSF's;
// custody's own fields go under "unmapped". docs/formats/log.md.
// Thread-safety: pure.
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
// One OCSF event for the entry, of the class its type maps to.
Result<nlohmann::json> ExportOcsf(std::string_view origin, uint64_t index,
                                  std::string_view entry);

}  // namespace custody::ledger
