// Partners: catalog rows (table partners) and their events.
#include <nlohmann/json.hpp>

#include "custody/core/vault/logged_change.h"
#include "custody/core/parties/parties.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

Result<Partner> ChangeStatus(Custody& c, const std::string& name, PartnerStatus from,
                             PartnerStatus to, const std::string& action,
                             const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  if (p.status != from) {
    return FailedPreconditionError("partner '" + name + "': expected status " +
                                   std::string(store::PartnerStatusName(from)) + " to " + action +
                                   ", found " + std::string(store::PartnerStatusName(p.status)));
  }
  const Time now = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_RETURN_IF_ERROR(c.catalog().partners().SetStatus(p.id, to, now));
    ev->type = ledger::event_type::kPartner;
    ev->subject = "partner:" + name;
    ev->details = {{"action", action}, {"partner_id", p.id}, {"name", name},
                   {"status", std::string(store::PartnerStatusName(to))}};
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
  Partner p;
  p.name = spec.name;
  p.contact = spec.contact;
  p.contract = spec.contract;
  p.notes = spec.notes;
  p.status = PartnerStatus::kActive;
  p.created_at = p.changed_at = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(p.id, c.catalog().partners().Insert(p));
    ev->type = ledger::event_type::kPartner;
    ev->subject = "partner:" + spec.name;
    ev->details = {{"action", "add"}, {"partner_id", p.id}, {"name", spec.name},
                   {"contract", spec.contract}};
    return OkStatus();
  }).status());
  return p;
}

Result<std::vector<Partner>> ListPartners(Custody& c) { return c.catalog().partners().List(); }

Result<Partner> FindPartner(Custody& c, const std::string& name) {
  CUSTODY_ASSIGN_OR_RETURN(auto p, c.catalog().partners().FindByName(name));
  if (!p) return NotFoundError("no partner named '" + name + "'");
  return std::move(*p);
}

Result<Partner> GetPartner(Custody& c, PartnerId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto p, c.catalog().partners().Get(id));
  if (!p) return NotFoundError("no partner with id " + ToString(id));
  return std::move(*p);
}

Result<Partner> SuspendPartner(Custody& c, const std::string& name, const std::string& reason) {
  return ChangeStatus(c, name, PartnerStatus::kActive, PartnerStatus::kSuspended, "suspend", reason);
}

Result<Partner> ResumePartner(Custody& c, const std::string& name) {
  return ChangeStatus(c, name, PartnerStatus::kSuspended, PartnerStatus::kActive, "resume", "");
}

Result<TerminateResult> TerminatePartner(Custody& c, const std::string& name,
                                         const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  if (p.status == PartnerStatus::kTerminated) {
    return FailedPreconditionError("partner '" + name + "' was already terminated on " +
                                   FormatRfc3339(p.changed_at));
  }
  const Time now = c.clock()->Now();
  store::Catalog& catalog = c.catalog();
  TerminateResult r;
  CUSTODY_ASSIGN_OR_RETURN(r.log_index, LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(r.revoked_members, catalog.members().RevokeAllOf(p.id, now));
    CUSTODY_ASSIGN_OR_RETURN(r.revoked_grants, catalog.grants().RevokeAllOf(p.id, now));
    CUSTODY_RETURN_IF_ERROR(catalog.partners().SetStatus(p.id, PartnerStatus::kTerminated, now));
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
  p.status = PartnerStatus::kTerminated;
  p.changed_at = now;
  r.partner = p;
  return r;
}

}  // namespace custody::core
