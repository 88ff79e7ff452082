// `custody incident contain` and `custody incident report`: containment of
// an incident in one command, and its breach-impact report. Registered under
// `incident` by trace_commands.cc. docs/cli.md, docs/audit.md.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/core/response/containment.h"
#include "custody/core/response/incident_report.h"

namespace custody::cli {

namespace {

void RegisterContain(CLI::App* inc) {
  auto* sub = inc->add_subcommand(
      "contain", "revoke the accused members' grants and the members, optionally suspend their partner and "
                 "shred a dataset; each step logged and recorded on the incident");
  auto id = std::make_shared<int64_t>(0);
  auto o = std::make_shared<core::ContainOptions>();
  auto yes = std::make_shared<bool>(false);
  sub->add_option("ID", *id, "incident id")->required();
  sub->add_flag("--suspend-partner", o->suspend_partner, "also suspend each contained member's partner");
  sub->add_option("--revoke-member", o->members, "contain this member instead of the accused ones; repeatable");
  sub->add_option("--shred-dataset", o->shred_dataset, "also shred this dataset (its key destroyed; irreversible)");
  sub->add_flag("--yes", *yes, "confirm without prompting");
  SetAction(sub, [id, o, yes]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    const IncidentId iid(*id);
    auto planned = core::PlanContainment(*c, iid, *o);
    if (!planned.ok() && planned.status().code() == StatusCode::kInvalidArgument && o->members.empty()) {
      // Nobody accused and nobody named: say how to name them here.
      return Status(StatusCode::kInvalidArgument, planned.status().message() + " (--revoke-member NAME)");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto plan, std::move(planned));
    if (!*yes) {
      std::cerr << "Containment of incident " << *id << ":\n";
      for (const auto& s : plan) std::cerr << "  " << s.text << "\n";
      std::cerr << "Each step is logged and cannot be undone by this command. Type 'yes' to proceed: ";
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "yes") {
        return Status(StatusCode::kCancelled, "incident contain: cancelled (the answer was not 'yes'); nothing was changed");
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto steps, core::ContainIncident(*c, iid, *o));
    if (Globals().json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& s : steps) arr.push_back(core::ContainStepToJson(s));
      PrintJson({{"incident", *id}, {"steps", arr}});
    } else {
      for (const auto& s : steps) {
        std::cout << fmt::format("{}: log entry {} (recorded on the incident as log entry {})\n", s.text,
                                 s.step_log_index, s.entry_log_index);
      }
      std::cout << fmt::format("Incident {}: {} containment step{} done.\n", *id, steps.size(),
                               steps.size() == 1 ? "" : "s");
    }
    return OkStatus();
  });
}

void RegisterReport(CLI::App* inc) {
  auto* sub = inc->add_subcommand("report", "write the breach-impact report of an incident (html, md or json)");
  auto id = std::make_shared<int64_t>(0);
  auto format = std::make_shared<std::string>("html");
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("ID", *id, "incident id")->required();
  sub->add_option("--format", *format, "html, md or json (default html)");
  sub->add_option("--out", *out, "the report file (written 0600)")->required();
  sub->add_flag("--force", *force, "replace an existing --out file");
  SetAction(sub, [id, format, out, force]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto f, core::ParseIncidentReportFormat(*format));
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_RETURN_IF_ERROR(
        WithForceHint(core::WriteIncidentReport(*c, IncidentId(*id), f, *out, *force, c->clock()->Now())));
    if (Globals().json) {
      PrintJson({{"incident", *id}, {"format", *format}, {"out", *out}});
    } else {
      std::cout << "Wrote the " << *format << " report of incident " << *id << " to " << *out << "\n";
    }
    return OkStatus();
  });
}

}  // namespace

void RegisterIncidentResponseCommands(CLI::App* inc) {
  RegisterContain(inc);
  RegisterReport(inc);
}

}  // namespace custody::cli
