// Grants: catalog rows (table grants) and their events.
#include <set>

#include <nlohmann/json.hpp>

#include "custody/core/parties/grants.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/records.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

// A grant from its catalog row: the stored field list and selection parsed.
Result<Grant> FromRow(store::GrantRow row) {
  Grant g;
  const std::string where = "catalog grants row " + ToString(row.id);
  auto fields = nlohmann::json::parse(row.fields_json, nullptr, false);
  if (!fields.is_array()) return DataLossError(where + ": fields: expected a JSON array");
  for (const auto& f : fields) {
    if (!f.is_string()) return DataLossError(where + ": fields: expected field names (strings)");
    g.fields.push_back(f.get<std::string>());
  }
  auto selection = SelectionFromJson(nlohmann::json::parse(row.selection_json, nullptr, false));
  if (!selection.ok()) return selection.status().WithPrefix(where);
  g.selection = std::move(*selection);
  g.id = row.id;
  g.partner_id = row.partner_id;
  g.partner = std::move(row.partner);
  g.member_id = row.member_id;
  g.member = std::move(row.member);
  g.dataset_id = row.dataset_id;
  g.dataset = std::move(row.dataset);
  g.version_id = row.version_id;
  g.version = row.version;
  g.expires_at = row.expires_at;
  g.purpose = std::move(row.purpose);
  g.status = row.status;
  g.created_at = row.created_at;
  g.revoked_at = row.revoked_at;
  return g;
}

// kInvalidArgument unless every name in `fields` is a top-level field of
// some record of the version; the message lists the version's fields. Stops
// reading records once every name is found.
Status CheckFields(Custody& c, const store::DatasetVersionInfo& version, const std::string& dataset,
                   const std::vector<std::string>& fields) {
  if (fields.empty()) return OkStatus();
  std::set<std::string> missing(fields.begin(), fields.end());
  std::set<std::string> seen;
  const Status kDone = AbortedError("all fields found");
  Status s = ForEachRecord(c, dataset, version.version, [&](RecordId, std::string_view rec) -> Status {
    const nlohmann::json j = nlohmann::json::parse(rec, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return OkStatus();
    for (const auto& [k, v] : j.items()) {
      seen.insert(k);
      missing.erase(k);
    }
    return missing.empty() ? kDone : OkStatus();
  });
  if (missing.empty()) return OkStatus();
  CUSTODY_RETURN_IF_ERROR(s);
  std::string have, bad;
  for (const auto& f : seen) have += (have.empty() ? "" : ", ") + f;
  for (const auto& f : missing) bad += (bad.empty() ? "'" : ", '") + f + "'";
  return InvalidArgumentError("fields: expected fields of " + dataset + " v" + std::to_string(version.version) +
                              " (" + (have.empty() ? std::string("none") : have) + "), found " + bad +
                              (missing.size() == 1 ? ", not a field of it" : ", not fields of it"));
}

// How many of the version's records `selection` takes.
Result<uint64_t> CountSelected(Custody& c, const store::DatasetVersionInfo& version,
                               const Selection& selection) {
  const uint64_t n = static_cast<uint64_t>(version.records);
  switch (selection.kind) {
    case Selection::Kind::kAll:
      return n;
    case Selection::Kind::kIds:
      return selection.ids.Cardinality();
    default:
      break;
  }
  CUSTODY_ASSIGN_OR_RETURN(auto key, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Selection()));
  CUSTODY_ASSIGN_OR_RETURN(auto selector, Selector::Create(key, selection));
  uint64_t count = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (selector.Contains(RecordId(version.first_record_id + i))) ++count;
  }
  return count;
}

}  // namespace

Result<Grant> AddGrant(Custody& c, const GrantSpec& spec) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, spec.partner));
  if (p.status != PartnerStatus::kActive) {
    return FailedPreconditionError("partner '" + p.name + "' is " +
                                   std::string(store::PartnerStatusName(p.status)) +
                                   "; it cannot receive grants");
  }
  std::optional<Member> member;
  if (!spec.member.empty()) {
    CUSTODY_ASSIGN_OR_RETURN(member, FindMember(c, spec.member));
    if (member->partner_id != p.id) {
      return InvalidArgumentError("member: expected a member of partner '" + p.name + "', found '" +
                                  spec.member + "' of '" + member->partner + "'");
    }
    if (member->status != MemberStatus::kActive) {
      return FailedPreconditionError("member '" + spec.member + "' is revoked");
    }
  }
  const Time now = c.clock()->Now();
  if (spec.expires_at <= now) {
    return InvalidArgumentError("expires_at: expected a time in the future, found " +
                                FormatRfc3339(spec.expires_at));
  }
  if (spec.purpose.empty()) return InvalidArgumentError("purpose: expected a text, found none");
  CUSTODY_ASSIGN_OR_RETURN(auto version, FindVersion(c, spec.dataset, spec.version));
  if (version.shredded_at) return FailedPreconditionError("dataset '" + spec.dataset + "' was shredded");
  if (spec.selection.kind == Selection::Kind::kIds) {
    auto ids = spec.selection.ids.ToVector();
    for (uint64_t id : ids) {  // record ids
      if (id < version.first_record_id ||
          id >= version.first_record_id + static_cast<uint64_t>(version.records)) {
        return InvalidArgumentError("ids: record " + ToString(id) + " is not in " +
                                    spec.dataset + " v" + std::to_string(version.version));
      }
    }
  }
  for (const auto& f : spec.fields) {
    if (f.empty()) return InvalidArgumentError("fields: expected field names, found an empty one");
  }
  CUSTODY_RETURN_IF_ERROR(CheckFields(c, version, spec.dataset, spec.fields));
  CUSTODY_ASSIGN_OR_RETURN(const uint64_t selected, CountSelected(c, version, spec.selection));
  const nlohmann::json fields = spec.fields;
  const nlohmann::json stored = SelectionToJson(spec.selection, true);
  store::GrantRow row;
  row.partner_id = p.id;
  if (member) row.member_id = member->id;
  row.dataset_id = version.dataset_id;
  row.version_id = version.id;
  row.fields_json = fields.dump();
  row.selection_json = stored.dump();
  row.expires_at = spec.expires_at;
  row.purpose = spec.purpose;
  row.status = store::GrantStatus::kActive;
  row.created_at = now;
  Grant g;
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(g.id, c.catalog().grants().Insert(row));
    ev->type = ledger::event_type::kGrant;
    ev->subject = "grant:" + ToString(g.id);
    ev->details = {{"action", "add"},
                   {"grant_id", g.id},
                   {"partner", p.name},
                   {"dataset", spec.dataset},
                   {"version", version.version},
                   {"fields", fields},
                   {"selection", SelectionToJson(spec.selection, false)},
                   {"expires_at", FormatRfc3339(spec.expires_at)},
                   {"purpose", spec.purpose}};
    if (member) ev->details["member"] = member->name;
    // The stored selection (with an ids selection's bitmap), as the catalog
    // row holds it: `vault check` compares the row with this.
    ev->hashes["selection"] = Sha256Hex(row.selection_json);
    return OkStatus();
  }).status());
  CUSTODY_ASSIGN_OR_RETURN(Grant out, GetGrant(c, g.id));
  out.version_records = static_cast<uint64_t>(version.records);
  out.selected_records = selected;
  return out;
}

Result<Grant> GetGrant(Custody& c, GrantId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto row, c.catalog().grants().Get(id));
  if (!row) return NotFoundError("no grant with id " + ToString(id));
  return FromRow(std::move(*row));
}

Result<std::vector<Grant>> ListGrants(Custody& c, const std::string& partner) {
  PartnerId partner_id;
  if (!partner.empty()) {
    CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
    partner_id = p.id;
  }
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().grants().List(partner_id));
  std::vector<Grant> out;
  for (auto& row : rows) {
    CUSTODY_ASSIGN_OR_RETURN(Grant g, FromRow(std::move(row)));
    out.push_back(std::move(g));
  }
  return out;
}

Result<Grant> RevokeGrant(Custody& c, GrantId id, const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Grant g, GetGrant(c, id));
  if (g.status != store::GrantStatus::kActive) {
    return FailedPreconditionError("grant " + ToString(id) + " was already revoked on " +
                                   FormatRfc3339(g.revoked_at.value_or(Time())));
  }
  const Time now = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_RETURN_IF_ERROR(c.catalog().grants().Revoke(id, now));
    ev->type = ledger::event_type::kRevoke;
    ev->subject = "grant:" + ToString(id);
    ev->details = {{"what", "grant"}, {"grant_id", id}, {"partner", g.partner}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }).status());
  g.status = store::GrantStatus::kRevoked;
  g.revoked_at = now;
  return g;
}

}  // namespace custody::core
