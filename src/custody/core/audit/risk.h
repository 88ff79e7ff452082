// Exposure-weighted risk: each partner's likelihood of a breach (from its
// latest audit grade; kNoAuditLikelihood if never audited) times its
// exposure (from custody's own records: what it still holds, how sensitive,
// how many people hold it, how overdue its deletion is, stale grants).
// Every component comes with the action that reduces it. The formula and
// its constants are in docs/audit.md ("Risk"). Thread-safety: as Custody.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/status.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/vault/custody.h"

namespace custody::core::audit {

// Likelihood per grade A..F, and for a partner never audited.
inline constexpr double kGradeLikelihood[] = {0.05, 0.10, 0.20, 0.35, 0.0, 0.60};  // A B C D - F
inline constexpr double kNoAuditLikelihood = 0.50;
// Weight of a record by its dataset's tier (public .. restricted).
inline constexpr double kTierWeight[] = {0.1, 0.5, 1.0, 2.0};
// Weight of an encrypted record while the member holding its key is active,
// and once that member is revoked; plaintext weighs 1.
inline constexpr double kEncryptedLiveWeight = 0.25;
inline constexpr double kEncryptedRevokedWeight = 0.1;
// An overdue holding weighs 1 + min(days overdue, kOverdueCapDays) / 30.
inline constexpr int kOverdueCapDays = 60;
// Each stale grant (active past its expiry) adds this share of exposure.
inline constexpr double kStaleGrantFactor = 0.1;

struct RiskComponent {
  std::string name;    // "plaintext", "encrypted_key_live", "overdue", ...
  double value = 0;    // its measure (records, members, grants, days)
  double weighted = 0; // its contribution (records weighted) or factor
  std::string action;  // what reduces it
};

struct PartnerRisk {
  std::string partner;
  std::optional<char> grade;  // nullopt: never audited
  double likelihood = 0;
  double exposure = 0;        // weighted records
  double risk = 0;            // likelihood x exposure
  uint64_t records_held = 0;  // undeleted records delivered (plaintext + encrypted)
  uint64_t overdue_records = 0;
  std::vector<RiskComponent> components;
};

// The risk of every partner (or only `partner` if not empty), highest first
// (ties by name).
Result<std::vector<PartnerRisk>> RankRisk(Custody& custody, const std::string& partner, Time now);

// The risk of one partner from its obligations and grade.
PartnerRisk RiskOf(const PartnerObligations& o, std::optional<char> grade);

nlohmann::json RiskToJson(const PartnerRisk& r);

}  // namespace custody::core::audit
