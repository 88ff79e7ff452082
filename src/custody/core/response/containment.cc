// Incident containment; see containment.h.
#include "custody/core/response/containment.h"

#include <set>

#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/trace/incident.h"
#include "custody/core/vault/records.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

// The reason each revoke and suspension records, naming the incident.
std::string Reason(IncidentId id) { return "containment of incident " + ToString(id); }

// The log entry the step just appended: the log's last, checked to be the
// step's own event (type and subject), so a step is never credited with
// another event's index.
Result<int64_t> StepIndex(Custody& c, const char* type, const std::string& subject) {
  const uint64_t size = c.log().size();
  if (size == 0) return InternalError("containment: the custody log is empty after a step");
  CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(c.log(), size - 1));
  if (ev.type != type || ev.subject != subject) {
    return InternalError("containment: log entry " + std::to_string(size - 1) + " is a '" + ev.type +
                         "' event about " + ev.subject + ", expected '" + type + "' about " + subject);
  }
  return static_cast<int64_t>(size - 1);
}

}  // namespace

nlohmann::json ContainStepToJson(const ContainStep& s) {
  nlohmann::json j = {{"action", s.action}, {"target", s.target}, {"text", s.text}};
  j["step_log_index"] = s.step_log_index >= 0 ? nlohmann::json(s.step_log_index) : nlohmann::json();
  j["log_index"] = s.entry_log_index >= 0 ? nlohmann::json(s.entry_log_index) : nlohmann::json();
  return j;
}

Result<std::vector<ContainStep>> PlanContainment(Custody& c, IncidentId id, const ContainOptions& o) {
  CUSTODY_ASSIGN_OR_RETURN(Incident inc, GetIncident(c, id));
  if (inc.closed) {
    const IncidentEntry& last = inc.entries.back();
    return FailedPreconditionError("incident " + ToString(id) + " was closed at " + FormatRfc3339(last.created_at) +
                                   " (log entry " + std::to_string(last.log_index) + ": " + last.text +
                                   "); a closed incident takes no containment");
  }
  std::vector<std::string> names = o.members.empty() ? inc.verdict.accused : o.members;
  if (names.empty()) {
    return InvalidArgumentError("incident " + ToString(id) +
                                " accuses nobody: name the members to contain");
  }
  std::vector<ContainStep> steps;
  std::set<std::string> partners;
  CUSTODY_ASSIGN_OR_RETURN(std::vector<Grant> grants, ListGrants(c));
  for (const std::string& name : names) {
    CUSTODY_ASSIGN_OR_RETURN(Member m, FindMember(c, name));
    partners.insert(m.partner);
    for (const Grant& g : grants) {
      if (g.member_id != std::optional<MemberId>(m.id) || g.status != store::GrantStatus::kActive) continue;
      steps.push_back({"revoke-grant", "grant " + ToString(g.id),
                       "revoked grant " + ToString(g.id) + " (" + g.dataset + " v" + std::to_string(g.version) +
                           " to " + g.partner + "/" + name + ")"});
    }
    if (m.status == MemberStatus::kActive) {
      steps.push_back({"revoke-member", "member " + name, "revoked member " + name + " (" + m.partner + ")"});
    }
  }
  if (o.suspend_partner) {
    for (const std::string& p : partners) {
      CUSTODY_ASSIGN_OR_RETURN(Partner partner, FindPartner(c, p));
      if (partner.status == PartnerStatus::kActive) {
        steps.push_back({"suspend-partner", "partner " + p, "suspended partner " + p + " (releases refused)"});
      }
    }
  }
  if (!o.shred_dataset.empty()) {
    CUSTODY_RETURN_IF_ERROR(ReleasedCopies(c, o.shred_dataset).status());
    steps.push_back({"shred-dataset", "dataset " + o.shred_dataset,
                     "shredded dataset " + o.shred_dataset + " (its key destroyed)"});
  }
  if (steps.empty()) {
    return FailedPreconditionError("incident " + ToString(id) +
                                   ": nothing left to contain (grants and members already revoked, "
                                   "partners already suspended)");
  }
  return steps;
}

Result<std::vector<ContainStep>> ContainIncident(Custody& c, IncidentId id, const ContainOptions& o) {
  CUSTODY_ASSIGN_OR_RETURN(std::vector<ContainStep> steps, PlanContainment(c, id, o));
  namespace t = ledger::event_type;
  for (size_t i = 0; i < steps.size(); ++i) {
    ContainStep& s = steps[i];
    const std::string name = s.target.substr(s.target.find(' ') + 1);
    Result<int64_t> idx = InternalError("unknown containment step " + s.action);
    if (s.action == "revoke-grant") {
      const GrantId g(std::stoll(name));
      Status st = RevokeGrant(c, g, Reason(id)).status();
      idx = st.ok() ? StepIndex(c, t::kRevoke, "grant:" + name) : Result<int64_t>(st);
    } else if (s.action == "revoke-member") {
      Status st = RevokeMember(c, name, Reason(id)).status();
      idx = st.ok() ? StepIndex(c, t::kRevoke, "member:" + name) : Result<int64_t>(st);
    } else if (s.action == "suspend-partner") {
      Status st = SuspendPartner(c, name, Reason(id)).status();
      idx = st.ok() ? StepIndex(c, t::kPartner, "partner:" + name) : Result<int64_t>(st);
    } else if (s.action == "shred-dataset") {
      auto r = ShredDataset(c, name);
      idx = r.ok() ? Result<int64_t>(static_cast<int64_t>(r->log_index)) : Result<int64_t>(r.status());
    }
    if (!idx.ok()) {
      return idx.status().WithPrefix("incident " + ToString(id) + " containment step " + std::to_string(i + 1) +
                                     " of " + std::to_string(steps.size()) + " (" + s.target + ") failed after " +
                                     std::to_string(i) + " done");
    }
    s.step_log_index = *idx;
    CUSTODY_ASSIGN_OR_RETURN(IncidentEntry e, AddContainmentEntry(c, id, s.text, s.step_log_index));
    s.entry_log_index = e.log_index;
  }
  return steps;
}

}  // namespace custody::core
