// An incident as JSON: what `custody incident show --json` prints and
// `custody serve` answers at GET /v1/incidents (docs/cli.md, docs/api.md).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "custody/core/trace/incident.h"

namespace custody::core {

// {"action", "created_at", "actor", "text", "log_index"[, "step_log_index"]}.
nlohmann::json IncidentEntryToJson(const IncidentEntry& e);
// {"aware_at", "material_at", "contained_at"}: RFC 3339 or null; "notified": {name: time}.
nlohmann::json IncidentClocksToJson(const IncidentClocks& c);
// {"incident", "created_at", "title", "records_hash", "verdict", "log_index",
// "status" ("open"/"closed"), "entries", "clocks"[, "trace"]}.
nlohmann::json IncidentToJson(const Incident& i, bool with_trace);

}  // namespace custody::core
