// Audit commands: audit template|submit|score, risk, report partner, and
// (registered after the partner and dataset groups exist) partner
// attest-deletion and dataset set-sensitivity. Output schemas (--json) and
// formulas: docs/audit.md.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "custody/base/count_format.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/core/audit/controls.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/audit/partner_report.h"
#include "custody/core/audit/posture.h"
#include "custody/core/audit/risk.h"
#include "custody/core/audit/risk_report.h"
#include "custody/core/audit/submissions.h"

namespace custody::cli {
namespace {

namespace audit = core::audit;

nlohmann::json HistoryJson(const std::vector<audit::Submission>& history) {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& s : history) {
    h.push_back({{"submission_id", s.id}, {"submitted_at", FormatRfc3339(s.created_at)},
                 {"posture", s.posture.posture}, {"grade", std::string(1, s.posture.grade)},
                 {"knockout_failed", s.posture.knockout_failed},
                 {"log_index", s.log_index ? nlohmann::json(*s.log_index) : nlohmann::json()}});
  }
  return h;
}

void PrintPosture(const audit::Posture& p) {
  std::cout << fmt::format("Grade {}  posture {:.1f}%", p.grade, p.posture * 100);
  if (p.external) {
    std::cout << fmt::format(" (questionnaire {:.1f}%, {} {:g} -> {:.1f}%, weight {:.0f}%)",
                             p.questionnaire * 100, p.external->provider, p.external->value,
                             p.external->normalized * 100, audit::kExternalWeight * 100);
  }
  std::cout << (p.knockout_failed ? "  -- a knockout control failed: grade capped at F" : "") << "\n";
  const auto gaps = p.Gaps();
  if (!gaps.empty()) std::cout << gaps.size() << " gaps:\n";
  for (const auto* g : gaps) {
    std::cout << fmt::format("  {:<7} w{} {:>4.0f}%  {}{}\n", g->control->id, g->control->weight,
                             g->score * 100, g->knockout_failed ? "KNOCKOUT FAILED: " : "", g->gap);
    std::cout << "          " << g->control->question << "\n          mapped:";
    for (const auto& [fw, ids] : g->control->mappings) {
      std::cout << " " << fw << " ";
      for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? "," : "") << ids[i];
    }
    std::cout << "\n";
  }
}

void RegisterAudit(CLI::App& app) {
  auto* g = app.add_subcommand("audit", "partner security questionnaires and posture");
  g->require_subcommand(1);

  auto* tmpl = g->add_subcommand("template", "print the questionnaire for a partner to fill in");
  auto format = std::make_shared<std::string>("json");
  tmpl->add_option("--format", *format, "toml or json (default json)");
  SetAction(tmpl, [format]() -> Status {
    if (*format != "json" && *format != "toml") {
      return InvalidArgumentError("--format: expected toml or json, found '" + *format + "'");
    }
    std::cout << audit::TemplateText(audit::BuiltinControls(), *format == "toml");
    return OkStatus();
  });

  auto* submit = g->add_subcommand("submit", "record a partner's answers and evidence");
  auto so = std::make_shared<audit::SubmitOptions>();
  auto evidence = std::make_shared<std::vector<std::string>>();
  submit->add_option("--partner", so->partner, "partner name")->required();
  submit->add_option("FILE", so->file, "the filled-in template (.json or .toml)")->required();
  submit->add_option("--evidence", *evidence, "CONTROL=FILE, repeatable");
  SetAction(submit, [so, evidence]() -> Status {
    so->evidence.clear();
    for (const auto& e : *evidence) {
      const size_t eq = e.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
        return InvalidArgumentError("--evidence: expected CONTROL=FILE, found '" + e + "'");
      }
      so->evidence.push_back({e.substr(0, eq), e.substr(eq + 1)});
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto s, audit::SubmitAudit(*c, *so));
    if (Globals().json) {
      nlohmann::json ev = nlohmann::json::array();
      for (const auto& e : s.evidence) {
        ev.push_back({{"control", e.control_id}, {"file", e.file_name}, {"sha256", e.sha256},
                      {"bytes", e.bytes}});
      }
      nlohmann::json j = audit::PostureToJson(s.posture);
      j["partner"] = s.partner;
      j["submission_id"] = s.id;
      j["control_set"] = s.control_set;
      j["answered"] = s.answers.values.size();
      j["answers_sha256"] = s.answers_sha256;
      j["evidence"] = ev;
      j["log_index"] = *s.log_index;
      PrintJson(j);
    } else {
      std::cout << fmt::format("Recorded audit {} of {}: {} of {} controls answered, {}; log "
                               "entry {}\n",
                               s.id, s.partner, s.answers.values.size(),
                               audit::BuiltinControls().controls.size(),
                               Counted(s.evidence.size(), "evidence file"), *s.log_index);
      PrintPosture(s.posture);
    }
    return OkStatus();
  });

  auto* score = g->add_subcommand("score", "a partner's posture, grade, gaps and history");
  auto partner = std::make_shared<std::string>();
  auto external = std::make_shared<std::string>();
  score->add_option("--partner", *partner, "partner name")->required();
  score->add_option("--external", *external,
                    "an outside rating to blend in: securityscorecard:N, bitsight:N or upguard:N");
  SetAction(score, [partner, external]() -> Status {
    std::optional<audit::ExternalRating> ext;
    if (!external->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(ext, audit::ParseExternalRating(*external));
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto history, audit::AuditHistory(*c, *partner));
    if (history.empty()) {
      return NotFoundError("partner '" + *partner + "' has no audit (custody audit submit)");
    }
    audit::Posture p = history.back().posture;
    if (ext) p = audit::BlendExternal(std::move(p), *ext);
    if (Globals().json) {
      nlohmann::json j = audit::PostureToJson(p);
      j["partner"] = *partner;
      j["submission_id"] = history.back().id;
      j["submitted_at"] = FormatRfc3339(history.back().created_at);
      j["history"] = HistoryJson(history);
      PrintJson(j);
    } else {
      std::cout << "Partner " << *partner << ", audit " << history.back().id << " of "
                << FormatRfc3339(history.back().created_at) << "\n";
      PrintPosture(p);
      std::cout << "History:\n";
      for (const auto& s : history) {
        std::cout << fmt::format("  {}  {}  {:.1f}%{}\n", FormatRfc3339(s.created_at),
                                 s.posture.grade, s.posture.posture * 100,
                                 s.posture.knockout_failed ? "  knockout failed" : "");
      }
    }
    return OkStatus();
  });
}

void RegisterRisk(CLI::App& app) {
  auto* sub = app.add_subcommand("risk", "rank partners by likelihood x exposure");
  auto partner = std::make_shared<std::string>();
  sub->add_option("--partner", *partner, "only this partner");
  SetAction(sub, [partner]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto ranked, audit::RankRisk(*c, *partner, c->clock()->Now()));
    if (Globals().json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : ranked) list.push_back(audit::RiskToJson(r));
      PrintJson({{"partners", list}});
      return OkStatus();
    }
    std::cout << fmt::format("{:<4} {:<20} {:>5} {:>10} {:>12} {:>10} {:>8}\n", "rank", "partner",
                             "grade", "likelihood", "exposure", "risk", "overdue");
    int rank = 0;
    for (const auto& r : ranked) {
      std::cout << fmt::format("{:<4} {:<20} {:>5} {:>10.2f} {:>12.1f} {:>10.1f} {:>8}\n", ++rank,
                               r.partner, r.grade ? std::string(1, *r.grade) : "-", r.likelihood,
                               r.exposure, r.risk, r.overdue_records);
      for (const auto& comp : r.components) {
        if (comp.value == 0 && comp.name != "likelihood") continue;
        std::cout << fmt::format("       {:<27} {:>10g}  -> {}\n", comp.name, comp.value, comp.action);
      }
    }
    return OkStatus();
  });
}

void RegisterReport(CLI::App& app) {
  auto* g = app.add_subcommand("report", "audit reports");
  g->require_subcommand(1);
  auto* sub = g->add_subcommand("partner", "one partner's one-page audit");
  auto partner = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("html");
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("PARTNER", *partner, "partner name")->required();
  sub->add_option("--format", *format, "html, md or json (default html)");
  sub->add_option("--out", *out, "the report file")->required();
  sub->add_flag("--force", *force, "replace an existing --out file");
  SetAction(sub, [partner, format, out, force]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto f, audit::ParseReportFormat(*format));
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_RETURN_IF_ERROR(WithForceHint(
        audit::WritePartnerReport(*c, *partner, f, *out, *force, c->clock()->Now())));
    if (Globals().json) {
      PrintJson({{"partner", *partner}, {"format", *format}, {"out", *out}});
    } else {
      std::cout << "Wrote the " << *format << " report of " << *partner << " to " << *out << "\n";
    }
    return OkStatus();
  });
}

void RegisterRiskReport(CLI::App& app) {
  auto* sub = app.get_subcommand("report")->add_subcommand(
      "risk", "every partner ranked by likelihood x exposure, with what drives it");
  auto partner = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("html");
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("--partner", *partner, "only this partner");
  sub->add_option("--format", *format, "html, md or json (default html)");
  sub->add_option("--out", *out, "the report file")->required();
  sub->add_flag("--force", *force, "replace an existing --out file");
  SetAction(sub, [partner, format, out, force]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto f, audit::ParseReportFormat(*format));
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_RETURN_IF_ERROR(WithForceHint(
        audit::WriteRiskReport(*c, *partner, f, *out, *force, c->clock()->Now())));
    if (Globals().json) {
      PrintJson({{"report", "risk"}, {"format", *format}, {"out", *out}});
    } else {
      std::cout << "Wrote the " << *format << " risk report to " << *out << "\n";
    }
    return OkStatus();
  });
}

void RegisterAuditCommands(CLI::App& app) {
  RegisterAudit(app);
  RegisterRisk(app);
  RegisterReport(app);
  RegisterRiskReport(app);
}

// Subcommands of the `partner` and `dataset` groups (party_commands.cc,
// vault_commands.cc). Registrars run in the order of their names, so this
// one's name sorts after RegisterPartyCommands and RegisterVaultCommands.
void RegisterWithinExistingGroups(CLI::App& app) {
  auto* attest = app.get_subcommand("partner")->add_subcommand(
      "attest-deletion", "record a partner's deletion certificate for a release or a grant");
  auto o = std::make_shared<audit::AttestOptions>();
  auto release = std::make_shared<int64_t>(0);
  auto grant = std::make_shared<int64_t>(0);
  attest->add_option("--partner", o->partner, "partner name")->required();
  attest->add_option("--release", *release, "the release deleted");
  attest->add_option("--grant", *grant, "the grant whose every release was deleted");
  attest->add_option("--certificate", o->certificate, "the deletion certificate file")->required();
  SetAction(attest, [o, release, grant]() -> Status {
    o->release_id = ReleaseId(*release);
    o->grant_id = GrantId(*grant);
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto a, audit::AttestDeletion(*c, *o));
    nlohmann::json j = {{"attestation_id", a.id}, {"partner", a.partner},
                        {"release_id", a.release_id.valid() ? nlohmann::json(a.release_id) : nlohmann::json()},
                        {"grant_id", a.grant_id.valid() ? nlohmann::json(a.grant_id) : nlohmann::json()},
                        {"certificate", a.file_name}, {"sha256", a.sha256},
                        {"log_index", *a.log_index}};
    if (Globals().json) {
      PrintJson(j);
    } else {
      std::cout << "Recorded deletion certificate " << a.file_name << " (sha256 " << a.sha256
                << ") of " << a.partner << " for "
                << (a.release_id.valid() ? "release " + ToString(a.release_id)
                                         : "grant " + ToString(a.grant_id))
                << "; log entry " << *a.log_index << "\n";
    }
    return OkStatus();
  });

  auto* sens = app.get_subcommand("dataset")->add_subcommand(
      "set-sensitivity", "set a dataset's tier: public, internal, confidential or restricted");
  auto name = std::make_shared<std::string>();
  auto tier = std::make_shared<std::string>();
  sens->add_option("DATASET", *name, "dataset name")->required();
  sens->add_option("TIER", *tier, "public, internal, confidential or restricted")->required();
  SetAction(sens, [name, tier]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto t, store::ParseSensitivity(*tier));
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(uint64_t index, audit::SetDatasetSensitivity(*c, *name, t));
    if (Globals().json) {
      PrintJson({{"dataset", *name}, {"sensitivity", *tier}, {"log_index", index}});
    } else {
      std::cout << "Dataset " << *name << " is " << *tier << "; log entry " << index << "\n";
    }
    return OkStatus();
  });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterAuditCommands);
CUSTODY_REGISTER_COMMANDS(RegisterWithinExistingGroups);
}  // namespace custody::cli
