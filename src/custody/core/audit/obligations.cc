// Deletion obligations, certificates and dataset sensitivity; see
// obligations.h.
#include "custody/core/audit/obligations.h"

#include <map>
#include <set>

#include "custody/base/env.h"
#include "custody/core/audit/audit_events.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/holdings.h"
#include "custody/core/vault/logged_change.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/store/catalog.h"
#include "custody/store/vault.h"

namespace custody::core::audit {
namespace {

std::string CertificateAd(PartnerId partner, ReleaseId release, GrantId grant) {
  return "custody deletion certificate v1\n" + ToString(partner) + "\n" + ToString(release) +
         "\n" + ToString(grant);
}

Attestation FromRow(const store::AttestationRow& r, const std::string& partner) {
  return {r.id,        partner,  r.release_id, r.grant_id, r.created_at,
          r.file_name, r.sha256, r.bytes,      r.log_index};
}

}  // namespace

Result<uint64_t> SetDatasetSensitivity(Custody& c, const std::string& dataset,
                                       store::Sensitivity tier) {
  CUSTODY_ASSIGN_OR_RETURN(auto d, c.catalog().FindDataset(dataset));
  if (!d) return NotFoundError("no dataset named '" + dataset + "'");
  CUSTODY_ASSIGN_OR_RETURN(store::Sensitivity old, c.catalog().audits().GetSensitivity(d->id));
  return LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_RETURN_IF_ERROR(c.catalog().audits().SetSensitivity(d->id, tier));
    ev->type = kSensitivityEvent;
    ev->subject = "dataset:" + ToString(d->id);
    ev->details = {{"dataset", dataset},
                   {"dataset_id", d->id},
                   {"from", std::string(store::SensitivityName(old))},
                   {"sensitivity", std::string(store::SensitivityName(tier))}};
    return OkStatus();
  });
}

Result<Attestation> AttestDeletion(Custody& c, const AttestOptions& o) {
  if (o.release_id.valid() == o.grant_id.valid()) {
    return InvalidArgumentError("expected exactly one of --release and --grant");
  }
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, o.partner));
  if (o.grant_id.valid()) {
    CUSTODY_ASSIGN_OR_RETURN(Grant g, GetGrant(c, o.grant_id));
    if (g.partner_id != p.id) {
      return NotFoundError("grant " + ToString(o.grant_id) + " is not partner '" + p.name + "''s");
    }
  } else {
    HoldingsQuery q;
    q.release_id = o.release_id;
    q.partner_id = p.id;
    CUSTODY_ASSIGN_OR_RETURN(auto rs, ListReleases(c, q));
    if (rs.empty()) {
      return NotFoundError("release " + ToString(o.release_id) + " is not partner '" + p.name +
                           "''s");
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(std::string bytes, c.env()->ReadFileToString(o.certificate));
  CUSTODY_ASSIGN_OR_RETURN(auto key, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Evidence()));
  store::AttestationRow row;
  row.partner_id = p.id;
  row.release_id = o.release_id;
  row.grant_id = o.grant_id;
  row.created_at = c.clock()->Now();
  row.file_name = BaseName(o.certificate);
  row.sha256 = crypto::DigestHex(crypto::Sha256(bytes));
  row.bytes = static_cast<int64_t>(bytes.size());
  CUSTODY_ASSIGN_OR_RETURN(row.sealed,
                           crypto::AeadSeal(key, bytes, CertificateAd(p.id, o.release_id, o.grant_id)));
  CUSTODY_ASSIGN_OR_RETURN(uint64_t index, LoggedChange(c, [&](ledger::Event* ev) -> Status {
    row.log_index = static_cast<int64_t>(c.log().size());
    CUSTODY_ASSIGN_OR_RETURN(row.id, c.catalog().audits().InsertAttestation(row));
    ev->type = kDeletionEvent;
    ev->subject = "partner:" + p.name;
    ev->details = {{"action", "attest"}, {"partner_id", p.id}, {"attestation_id", row.id},
                   {"certificate", row.file_name}, {"bytes", row.bytes}};
    if (o.release_id.valid()) ev->details["release_id"] = o.release_id;
    if (o.grant_id.valid()) ev->details["grant_id"] = o.grant_id;
    ev->hashes["certificate"] = row.sha256;
    return OkStatus();
  }));
  row.log_index = static_cast<int64_t>(index);
  return FromRow(row, p.name);
}

Result<std::vector<Attestation>> ListAttestations(Custody& c, const std::string& partner) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().audits().Attestations(p.id));
  std::vector<Attestation> out;
  for (const auto& r : rows) out.push_back(FromRow(r, p.name));
  return out;
}

Result<PartnerObligations> ObligationsOf(Custody& c, const std::string& partner, Time now,
                                         std::chrono::days retention) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
  PartnerObligations out;
  out.partner = p.name;
  CUSTODY_ASSIGN_OR_RETURN(auto grants, ListGrants(c, p.name));
  std::map<GrantId, Grant> by_grant;
  for (auto& g : grants) {
    if (g.status == store::GrantStatus::kActive && g.expires_at < now) {
      out.stale_grants.push_back(g.id);
    }
    by_grant.emplace(g.id, std::move(g));
  }
  CUSTODY_ASSIGN_OR_RETURN(auto attestations, c.catalog().audits().Attestations(p.id));
  std::set<ReleaseId> deleted_releases;
  std::set<GrantId> deleted_grants;
  for (const auto& a : attestations) {
    if (a.release_id.valid()) deleted_releases.insert(a.release_id);
    if (a.grant_id.valid()) deleted_grants.insert(a.grant_id);
  }
  CUSTODY_ASSIGN_OR_RETURN(auto members, ListMembers(c, p.name));
  std::map<MemberId, const Member*> member_by_id;
  for (const auto& m : members) member_by_id[m.id] = &m;
  HoldingsQuery q;
  q.partner_id = p.id;
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, q));
  std::map<std::string, store::Sensitivity> tiers;
  std::set<MemberId> holding;
  for (const auto& r : releases) {
    Holding h;
    h.release_id = r.release_id;
    h.grant_id = r.grant_id;
    auto m = member_by_id.find(r.member_id);
    if (m != member_by_id.end()) {
      h.member = m->second->name;
      h.member_active = m->second->status == store::MemberStatus::kActive;
    }
    h.dataset = r.dataset;
    h.version = r.version;
    h.records = r.records;
    h.encrypted = r.encrypted;
    h.released_at = r.created_at;
    auto t = tiers.find(r.dataset);
    if (t == tiers.end()) {
      CUSTODY_ASSIGN_OR_RETURN(auto d, c.catalog().FindDataset(r.dataset));
      store::Sensitivity s = store::Sensitivity::kConfidential;
      if (d) {
        CUSTODY_ASSIGN_OR_RETURN(s, c.catalog().audits().GetSensitivity(d->id));
      }
      t = tiers.emplace(r.dataset, s).first;
    }
    h.sensitivity = t->second;
    auto g = by_grant.find(r.grant_id);
    if (g != by_grant.end()) {
      h.grant_end = g->second.revoked_at ? std::min(*g->second.revoked_at, g->second.expires_at)
                                         : g->second.expires_at;
      h.due_at = *h.grant_end + retention;
    }
    h.deleted = deleted_releases.count(r.release_id) > 0 || deleted_grants.count(r.grant_id) > 0;
    if (!h.deleted && h.due_at && now > *h.due_at) {
      h.overdue_days = std::chrono::duration_cast<std::chrono::days>(now - *h.due_at).count();
    }
    if (!h.deleted) holding.insert(r.member_id);
    out.holdings.push_back(std::move(h));
  }
  out.members_holding = holding.size();
  return out;
}

}  // namespace custody::core::audit
