// Partners, members and grants as JSON: what `custody partner|member|grant
// ... --json` prints and `custody serve` answers to the admin writes
// (docs/releases.md, docs/api.md). Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"

namespace custody::core {

// {"id", "name", "contact", "contract", "notes", "status", "created_at", "changed_at"}.
nlohmann::json PartnerToJson(const Partner& p);
// {"id", "name", "partner", "email", "public_key" (base64), "status",
// "created_at", "revoked_at" (null while active)}.
nlohmann::json MemberToJson(const Member& m);
// {"id", "partner", "member" (null: any member), "dataset", "version",
// "fields", "selection", "expires_at", "purpose", "status", "created_at",
// "revoked_at"}.
nlohmann::json GrantToJson(const Grant& g);

}  // namespace custody::core
