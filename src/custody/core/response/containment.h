// Containment of an incident: one command that revokes the accused members'
// grants and the members themselves, optionally suspends their partner and
// shreds a dataset. Each step goes through the command that does it alone
// (RevokeGrant, RevokeMember, SuspendPartner, ShredDataset), so each is its
// own custody log event, and each is then recorded on the incident as a
// "contain" entry (its own `incident` event) naming the step's log entry.
// docs/audit.md, "Incident response". Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

struct ContainOptions {
  // Members to contain; empty: the incident's accused members.
  std::vector<std::string> members;
  bool suspend_partner = false;  // suspend each contained member's partner
  std::string shred_dataset;     // "" : none
};

// One step as planned and, once done, with its log entries.
struct ContainStep {
  std::string action;  // "revoke-grant", "revoke-member", "suspend-partner", "shred-dataset"
  std::string target;  // "grant 3", "member alice", "partner acme", "dataset math"
  std::string text;    // the sentence recorded on the incident
  int64_t step_log_index = -1;   // the step's own event (-1 until done)
  int64_t entry_log_index = -1;  // the incident's "contain" entry
};

// A step as `custody incident contain --json` prints it and custody serve
// answers it: {"action", "target", "text", "step_log_index", "log_index"
// (the incident entry)}; the indexes are null until the step is done.
nlohmann::json ContainStepToJson(const ContainStep& step);

// What ContainIncident would do, without changing anything: the plan shown
// before the confirmation. Steps already in effect (a revoked grant or
// member, a suspended partner) are left out. kNotFound: no such incident, or
// a named member or dataset unknown; kFailedPrecondition: the incident is
// closed, or nothing is left to do; kInvalidArgument: no member named and
// nobody accused.
Result<std::vector<ContainStep>> PlanContainment(Custody& custody, IncidentId id,
                                                 const ContainOptions& options);

// Carries out PlanContainment's steps in order and returns them with their
// log entries. A step that fails stops the run: the steps before it stay
// done and recorded (each is complete on its own), the error names the
// failed step and how many were done.
Result<std::vector<ContainStep>> ContainIncident(Custody& custody, IncidentId id,
                                                 const ContainOptions& options);

}  // namespace custody::core
