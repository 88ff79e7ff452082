// Partners: catalog rows (table partners) and their events.
#include <nlohmann/json.hpp>

#include "custody/core/parties/logged_change.h"
#include "custody/core/parties/parties.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

constexpr char kPartnerColumns[] =
    "SELECT id, name, contact, contract, notes, status, created_at, changed_at FROM partners ";

Partner ReadPartner(const store::Stmt& st) {
  Partner p;
  p.id = st.Int(0);
  p.name = st.Text(1);
  p.contact = st.Text(2);
  p.contract = st.Text(3);
  p.notes = st.Text(4);
  p.status = st.Text(5);
  p.created_at = st.Int(6);
  p.changed_at = st.Int(7);
  return p;
}

Result<Partner> ChangeStatus(Custody& c, const std::string& name, const std::string& from,
                             const std::string& to, const std::string& action,
                             const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  if (p.status != from) {
    return FailedPreconditionError("partner '" + name + "': expected status " + from +
                                   " to " + action + ", found " + p.status);
  }
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st,
                             db.Prepare("UPDATE partners SET status = ?, changed_at = ? WHERE id = ?"));
    CUSTODY_RETURN_IF_ERROR(st.Bind(1, to).Bind(2, now).Bind(3, p.id).Run());
    ev->type = ledger::event_type::kPartner;
    ev->subject = "partner:" + name;
    ev->details = {{"action", action}, {"partner_id", p.id}, {"name", name}, {"status", to}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }).status());
  p.status = to;
  p.changed_at = now;
  return p;
}

}  // namespace

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return InvalidArgumentError(std::string(what) + ": expected a name of 1 to 128 characters, found " +
                                std::to_string(name.size()));
  }
  for (char ch : name) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.' ||
          ch == '@')) {
      return InvalidArgumentError(std::string(what) + " '" + std::string(name) +
                                  "': expected letters, digits, '.', '_', '-' or '@'");
    }
  }
  return OkStatus();
}

Result<Partner> AddPartner(Custody& c, const PartnerSpec& spec) {
  CUSTODY_RETURN_IF_ERROR(ValidateName("partner name", spec.name));
  auto existing = FindPartner(c, spec.name);
  if (existing.ok()) return AlreadyExistsError("partner '" + spec.name + "' already exists");
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  Partner p;
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "INSERT INTO partners(name, contact, contract, notes, status, created_at, changed_at) "
        "VALUES (?, ?, ?, ?, 'active', ?, ?)"));
    CUSTODY_RETURN_IF_ERROR(st.Bind(1, spec.name).Bind(2, spec.contact).Bind(3, spec.contract)
                                .Bind(4, spec.notes).Bind(5, now).Bind(6, now).Run());
    p.id = db.LastInsertId();
    ev->type = ledger::event_type::kPartner;
    ev->subject = "partner:" + spec.name;
    ev->details = {{"action", "add"}, {"partner_id", p.id}, {"name", spec.name},
                   {"contract", spec.contract}};
    return OkStatus();
  }).status());
  p.name = spec.name;
  p.contact = spec.contact;
  p.contract = spec.contract;
  p.notes = spec.notes;
  p.status = "active";
  p.created_at = p.changed_at = now;
  return p;
}

Result<std::vector<Partner>> ListPartners(Custody& c) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kPartnerColumns) + "ORDER BY name"));
  std::vector<Partner> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadPartner(st));
  }
  return out;
}

Result<Partner> FindPartner(Custody& c, const std::string& name) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kPartnerColumns) + "WHERE name = ?"));
  st.Bind(1, name);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no partner named '" + name + "'");
  return ReadPartner(st);
}

Result<Partner> GetPartner(Custody& c, int64_t id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kPartnerColumns) + "WHERE id = ?"));
  st.Bind(1, id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no partner with id " + std::to_string(id));
  return ReadPartner(st);
}

Result<Partner> SuspendPartner(Custody& c, const std::string& name, const std::string& reason) {
  return ChangeStatus(c, name, "active", "suspended", "suspend", reason);
}

Result<Partner> ResumePartner(Custody& c, const std::string& name) {
  return ChangeStatus(c, name, "suspended", "active", "resume", "");
}

Result<TerminateResult> TerminatePartner(Custody& c, const std::string& name,
                                         const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  if (p.status == "terminated") {
    return FailedPreconditionError("partner '" + name + "' was already terminated on " +
                                   FormatRfc3339(p.changed_at));
  }
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  TerminateResult r;
  auto ids = [&](const char* sql, std::vector<int64_t>* out) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
    st.Bind(1, p.id);
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out->push_back(st.Int(0));
    }
    return OkStatus();
  };
  CUSTODY_ASSIGN_OR_RETURN(r.log_index, LoggedChange(c, [&](ledger::Event* ev) -> Status {
    r.revoked_members.clear();
    r.revoked_grants.clear();
    CUSTODY_RETURN_IF_ERROR(ids("SELECT id FROM members WHERE partner_id = ? AND status = 'active' ORDER BY id",
                                &r.revoked_members));
    CUSTODY_RETURN_IF_ERROR(ids("SELECT id FROM grants WHERE partner_id = ? AND status = 'active' ORDER BY id",
                                &r.revoked_grants));
    for (const char* sql :
         {"UPDATE members SET status = 'revoked', revoked_at = ? WHERE partner_id = ? AND status = 'active'",
          "UPDATE grants SET status = 'revoked', revoked_at = ? WHERE partner_id = ? AND status = 'active'",
          "UPDATE partners SET status = 'terminated', changed_at = ? WHERE id = ?"}) {
      CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
      CUSTODY_RETURN_IF_ERROR(st.Bind(1, now).Bind(2, p.id).Run());
    }
    ev->type = ledger::event_type::kPartner;
    ev->subject = "partner:" + name;
    ev->details = {{"action", "terminate"},
                   {"partner_id", p.id},
                   {"name", name},
                   {"status", "terminated"},
                   {"revoked_members", r.revoked_members},
                   {"revoked_grants", r.revoked_grants}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }));
  p.status = "terminated";
  p.changed_at = now;
  r.partner = p;
  return r;
}

}  // namespace custody::core
