// Grants: catalog rows (table grants) and their events.
#include <nlohmann/json.hpp>

#include "custody/core/parties/grants.h"
#include "custody/core/parties/logged_change.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/records.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

constexpr char kGrantColumns[] =
    "SELECT g.id, g.partner_id, p.name, g.member_id, COALESCE(m.name, ''), g.dataset_id, d.name, "
    "g.version_id, v.version, g.fields, g.selection, g.expires_at, g.purpose, g.status, "
    "g.created_at, g.revoked_at FROM grants g JOIN partners p ON p.id = g.partner_id "
    "LEFT JOIN members m ON m.id = g.member_id JOIN datasets d ON d.id = g.dataset_id "
    "JOIN dataset_versions v ON v.id = g.version_id ";

Result<Grant> ReadGrant(const store::Stmt& st) {
  Grant g;
  g.id = st.Int(0);
  g.partner_id = st.Int(1);
  g.partner = st.Text(2);
  if (!st.IsNull(3)) g.member_id = st.Int(3);
  g.member = st.Text(4);
  g.dataset_id = st.Int(5);
  g.dataset = st.Text(6);
  g.version_id = st.Int(7);
  g.version = static_cast<int>(st.Int(8));
  auto fields = nlohmann::json::parse(st.Text(9), nullptr, false);
  auto sel = nlohmann::json::parse(st.Text(10), nullptr, false);
  if (!fields.is_array()) return DataLossError("grant " + std::to_string(g.id) + ": fields: expected a JSON array");
  for (const auto& f : fields) g.fields.push_back(f.get<std::string>());
  auto selection = SelectionFromJson(sel);
  if (!selection.ok()) return selection.status().WithPrefix("grant " + std::to_string(g.id));
  g.selection = std::move(*selection);
  g.expires_at = st.Int(11);
  g.purpose = st.Text(12);
  g.status = st.Text(13);
  g.created_at = st.Int(14);
  if (!st.IsNull(15)) g.revoked_at = st.Int(15);
  return g;
}

Result<std::vector<Grant>> QueryGrants(Custody& c, const std::string& where, int64_t arg) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kGrantColumns) + where));
  if (where.find('?') != std::string::npos) st.Bind(1, arg);
  std::vector<Grant> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CUSTODY_ASSIGN_OR_RETURN(Grant g, ReadGrant(st));
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<Grant> AddGrant(Custody& c, const GrantSpec& spec) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, spec.partner));
  if (p.status != "active") {
    return FailedPreconditionError("partner '" + p.name + "' is " + p.status + "; it cannot receive grants");
  }
  std::optional<Member> member;
  if (!spec.member.empty()) {
    CUSTODY_ASSIGN_OR_RETURN(member, FindMember(c, spec.member));
    if (member->partner_id != p.id) {
      return InvalidArgumentError("--member '" + spec.member + "': expected a member of partner '" +
                                  p.name + "', found one of '" + member->partner + "'");
    }
    if (member->status != "active") {
      return FailedPreconditionError("member '" + spec.member + "' is revoked");
    }
  }
  const int64_t now = c.clock()->NowSeconds();
  if (spec.expires_at <= now) {
    return InvalidArgumentError("--expires: expected a time in the future, found " +
                                FormatRfc3339(spec.expires_at));
  }
  if (spec.purpose.empty()) return InvalidArgumentError("--purpose: expected a text, found none");
  CUSTODY_ASSIGN_OR_RETURN(auto version, FindVersion(c, spec.dataset, 0));
  if (version.shredded_at) return FailedPreconditionError("dataset '" + spec.dataset + "' was shredded");
  if (spec.selection.kind == Selection::Kind::kIds) {
    auto ids = spec.selection.ids.ToVector();
    for (uint64_t id : ids) {
      if (id < version.first_record_id ||
          id >= version.first_record_id + static_cast<uint64_t>(version.records)) {
        return InvalidArgumentError("--ids: record " + std::to_string(id) + " is not in " +
                                    spec.dataset + " v" + std::to_string(version.version));
      }
    }
  }
  for (const auto& f : spec.fields) {
    if (f.empty()) return InvalidArgumentError("--fields: expected field names, found an empty one");
  }
  const nlohmann::json fields = spec.fields;
  const nlohmann::json stored = SelectionToJson(spec.selection, true);
  auto& db = c.catalog().db();
  Grant g;
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "INSERT INTO grants(partner_id, member_id, dataset_id, version_id, fields, selection, "
        "expires_at, purpose, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)"));
    st.Bind(1, p.id);
    if (member) st.Bind(2, member->id); else st.BindNull(2);
    CUSTODY_RETURN_IF_ERROR(st.Bind(3, version.dataset_id).Bind(4, version.id).Bind(5, fields.dump())
                                .Bind(6, stored.dump()).Bind(7, spec.expires_at).Bind(8, spec.purpose)
                                .Bind(9, now).Run());
    g.id = db.LastInsertId();
    ev->type = ledger::event_type::kGrant;
    ev->subject = "grant:" + std::to_string(g.id);
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
    return OkStatus();
  }).status());
  return GetGrant(c, g.id);
}

Result<Grant> GetGrant(Custody& c, int64_t id) {
  CUSTODY_ASSIGN_OR_RETURN(auto v, QueryGrants(c, "WHERE g.id = ?", id));
  if (v.empty()) return NotFoundError("no grant with id " + std::to_string(id));
  return std::move(v.front());
}

Result<std::vector<Grant>> ListGrants(Custody& c, const std::string& partner) {
  if (partner.empty()) return QueryGrants(c, "ORDER BY g.id", 0);
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
  return QueryGrants(c, "WHERE g.partner_id = ? ORDER BY g.id", p.id);
}

Result<Grant> RevokeGrant(Custody& c, int64_t id, const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Grant g, GetGrant(c, id));
  if (g.status != "active") {
    return FailedPreconditionError("grant " + std::to_string(id) + " was already revoked on " +
                                   FormatRfc3339(g.revoked_at ? *g.revoked_at : 0));
  }
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "UPDATE grants SET status = 'revoked', revoked_at = ? WHERE id = ?"));
    CUSTODY_RETURN_IF_ERROR(st.Bind(1, now).Bind(2, id).Run());
    ev->type = ledger::event_type::kRevoke;
    ev->subject = "grant:" + std::to_string(id);
    ev->details = {{"what", "grant"}, {"grant_id", id}, {"partner", g.partner}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }).status());
  g.status = "revoked";
  g.revoked_at = now;
  return g;
}

}  // namespace custody::core
