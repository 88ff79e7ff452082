// Exposure-weighted risk; see risk.h.
#include "custody/core/audit/risk.h"

#include <algorithm>
#include <cmath>

#include "custody/core/audit/submissions.h"
#include "custody/core/parties/parties.h"

namespace custody::core::audit {

PartnerRisk RiskOf(const PartnerObligations& o, std::optional<char> grade) {
  PartnerRisk r;
  r.partner = o.partner;
  r.grade = grade;
  r.likelihood = grade ? kGradeLikelihood[*grade - 'A'] : kNoAuditLikelihood;
  double plain = 0, plain_w = 0, enc = 0, enc_w = 0, overdue_extra = 0;
  int64_t max_overdue = 0;
  double restricted = 0;
  for (const Holding& h : o.holdings) {
    if (h.deleted) continue;
    const double tier = kTierWeight[static_cast<size_t>(h.sensitivity)];
    const double enc_weight =
        !h.encrypted ? 1.0 : (h.member_active ? kEncryptedLiveWeight : kEncryptedRevokedWeight);
    const double base = static_cast<double>(h.records) * tier * enc_weight;
    (h.encrypted ? enc : plain) += static_cast<double>(h.records);
    (h.encrypted ? enc_w : plain_w) += base;
    if (h.sensitivity == store::Sensitivity::kRestricted) restricted += static_cast<double>(h.records);
    if (h.overdue_days > 0) {
      const double f = std::min<int64_t>(h.overdue_days, kOverdueCapDays) / 30.0;
      overdue_extra += base * f;
      r.overdue_records += h.records;
      max_overdue = std::max(max_overdue, h.overdue_days);
    }
    r.records_held += h.records;
  }
  const double members_factor = std::sqrt(std::max<double>(1, static_cast<double>(o.members_holding)));
  const double stale_factor = 1 + kStaleGrantFactor * static_cast<double>(o.stale_grants.size());
  r.exposure = (plain_w + enc_w + overdue_extra) * members_factor * stale_factor;
  r.risk = r.likelihood * r.exposure;
  r.components.push_back({"likelihood", r.likelihood, r.likelihood,
                          grade ? (*grade == 'A' ? "keep auditing yearly"
                                                 : "remediate the gaps (custody audit score)")
                                : "audit the partner (custody audit template / submit)"});
  r.components.push_back({"plaintext_records", plain, plain_w,
                          "demand deletion and a certificate (custody partner attest-deletion)"});
  r.components.push_back({"encrypted_records_key_live", enc, enc_w,
                          "revoke the member when the task ends; demand deletion"});
  r.components.push_back({"overdue_records", static_cast<double>(r.overdue_records), overdue_extra,
                          max_overdue > 0 ? "deletion overdue by up to " + std::to_string(max_overdue) +
                                                " days: demand a deletion certificate now"
                                          : "none overdue"});
  r.components.push_back({"restricted_records", restricted, restricted * kTierWeight[3],
                          "restricted data held: demand deletion first; shred the dataset when "
                          "the lab no longer needs it"});
  r.components.push_back({"members_holding", static_cast<double>(o.members_holding), members_factor,
                          "revoke members who no longer need the data"});
  std::string stale = "revoke stale grants:";
  for (GrantId g : o.stale_grants) stale += " " + ToString(g);
  r.components.push_back({"stale_grants", static_cast<double>(o.stale_grants.size()), stale_factor,
                          o.stale_grants.empty() ? "none" : stale});
  return r;
}

Result<std::vector<PartnerRisk>> RankRisk(Custody& c, const std::string& partner, Time now) {
  std::vector<std::string> names;
  if (!partner.empty()) {
    names.push_back(partner);
  } else {
    CUSTODY_ASSIGN_OR_RETURN(auto partners, ListPartners(c));
    for (const auto& p : partners) names.push_back(p.name);
  }
  std::vector<PartnerRisk> out;
  for (const auto& name : names) {
    CUSTODY_ASSIGN_OR_RETURN(PartnerObligations o, ObligationsOf(c, name, now));
    CUSTODY_ASSIGN_OR_RETURN(auto history, AuditHistory(c, name));
    std::optional<char> grade;
    if (!history.empty()) grade = history.back().posture.grade;
    out.push_back(RiskOf(o, grade));
  }
  std::stable_sort(out.begin(), out.end(), [](const PartnerRisk& a, const PartnerRisk& b) {
    if (a.risk != b.risk) return a.risk > b.risk;
    return a.partner < b.partner;
  });
  return out;
}

nlohmann::json RiskToJson(const PartnerRisk& r) {
  nlohmann::json comps = nlohmann::json::array();
  for (const auto& c : r.components) {
    comps.push_back({{"name", c.name}, {"value", c.value}, {"weighted", c.weighted},
                     {"action", c.action}});
  }
  return {{"partner", r.partner},
          {"grade", r.grade ? nlohmann::json(std::string(1, *r.grade)) : nlohmann::json()},
          {"likelihood", r.likelihood},
          {"exposure", r.exposure},
          {"risk", r.risk},
          {"records_held", r.records_held},
          {"overdue_records", r.overdue_records},
          {"components", comps}};
}

}  // namespace custody::core::audit
