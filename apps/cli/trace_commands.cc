// `custody trace` and `custody incident open|show|list`. Output schemas:
// docs/trace.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/base/count_format.h"
#include "custody/core/trace/incident.h"
#include "custody/core/trace/report_html.h"
#include "custody/core/trace/trace.h"

namespace custody::cli {
namespace {

std::string PText(double log10_p) {
  if (log10_p > -4) return fmt::format("{:.3g}", std::pow(10.0, log10_p));
  double e = std::floor(log10_p);
  return fmt::format("{:.2g}e{}", std::pow(10.0, log10_p - e), static_cast<int>(e));
}

// The human summary of a trace report.
void PrintTraceSummary(const core::TraceReport& r, std::ostream& out) {
  out << fmt::format("Dump: {} read, {} matched our vault, {} unrelated", Counted(r.dump_records, "record"),
                     WithThousands(r.matched), WithThousands(r.unmatched));
  if (r.skipped > 0) out << fmt::format(", {} unreadable skipped", WithThousands(r.skipped));
  out << "\n";
  out << fmt::format("Compromised: {} of our records", WithThousands(r.compromised.size()));
  if (!r.by_dataset.empty()) {
    out << " (";
    bool first = true;
    for (const auto& [k, v] : r.by_dataset) {
      out << (first ? "" : ", ") << k << ": " << WithThousands(v);
      first = false;
    }
    out << ")";
  }
  out << "\n";
  for (const auto& rel : r.releases) {
    out << fmt::format("  release {} to {} ({}): {} of its {} leaked\n", rel.release_id, rel.member,
                       rel.partner, WithThousands(rel.records), Counted(rel.released_records, "record"));
  }
  for (const auto& c : r.canaries_found) {
    out << fmt::format("  canary {} found (owner {} at {}) at {}\n", c.canary_id, c.member,
                       c.partner, c.source);
  }
  out << fmt::format("Members tested: {}; readable mark slots: {} ({} erased)\n", r.members_tested,
                     WithThousands(r.readable_slots), WithThousands(r.erased_slots));
  for (const auto& m : r.members) {
    std::string detail;
    if (m.exposure && m.exposure->informative) {
      detail += fmt::format(" exposure p={}", PText(m.exposure->log10_p));
    }
    if (m.marks && m.marks->slots > 0) {
      detail += fmt::format(" marks {} slots p={}", m.marks->slots, PText(m.marks->log10_p));
    }
    if (m.canaries.found > 0) {
      detail += fmt::format(" canaries {}/{}", m.canaries.found, m.canaries.deployed);
    }
    out << fmt::format("  {:<11} {:<20} {:<16} p={:<10}{}\n", m.accused ? "ACCUSED" : "not accused",
                       m.member, m.partner, PText(m.log10_p_value), detail);
    if (!m.reason.empty()) out << "              " << m.reason << "\n";
  }
  out << r.statement << "\n";
  if (r.log_index) out << fmt::format("Trace logged as custody log entry {}.\n", *r.log_index);
}

void RegisterTrace(CLI::App& app) {
  auto* sub = app.add_subcommand("trace", "account for every compromised record in a dump and name who leaked it");
  auto o = std::make_shared<core::TraceOptions>();
  auto report = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  sub->add_option("DUMP", o->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst)")->required();
  sub->add_option("--alpha", o->alpha, "false-accusation bound after correction (default 1e-6)");
  sub->add_option("--report", *report, "also write a self-contained HTML report here");
  sub->add_option("--out", *out, "also write the JSON report here");
  sub->add_option("--threads", o->threads, "worker threads (default: one per core)")->default_val(0);
  sub->add_option("--max-json-depth", o->max_json_depth,
                  "a dump record nested deeper is unreadable (default 512, at most 1024)");
  SetAction(sub, [o, report, out]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    Progress progress("trace");
    o->progress = [&](const core::ScanProgress& p) { progress.Update(p.bytes, p.records, p.total_bytes); };
    CUSTODY_ASSIGN_OR_RETURN(auto r, core::Trace(*c, *o));
    progress.Done();
    if (!out->empty()) {
      // Compact: a report of every compromised record can run to many MB.
      CUSTODY_RETURN_IF_ERROR(Env::Default()->WriteFileAtomically(*out, core::ToJson(r) + "\n"));
    }
    if (!report->empty()) {
      CUSTODY_RETURN_IF_ERROR(Env::Default()->WriteFileAtomically(*report, core::RenderTraceHtml(r)));
    }
    if (Globals().json) {
      std::cout << core::ToJson(r) << std::endl;
    } else {
      PrintTraceSummary(r, std::cout);
      if (!out->empty()) std::cout << "JSON report: " << *out << "\n";
      if (!report->empty()) std::cout << "HTML report: " << *report << "\n";
    }
    return OkStatus();
  });
}

nlohmann::json EntryJson(const core::IncidentEntry& e) {
  return {{"action", e.action},
          {"created_at", FormatRfc3339(e.created_at)},
          {"actor", e.actor},
          {"text", e.text},
          {"log_index", e.log_index}};
}

nlohmann::json IncidentJson(const core::Incident& i, bool with_trace) {
  nlohmann::json j = {{"incident", i.id},
                      {"created_at", FormatRfc3339(i.created_at)},
                      {"title", i.title},
                      {"records_hash", i.records_hash},
                      {"verdict", nlohmann::json::parse(core::VerdictToJson(i.verdict))},
                      {"log_index", i.log_index ? nlohmann::json(*i.log_index) : nlohmann::json()}};
  j["status"] = i.closed ? "closed" : "open";
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : i.entries) entries.push_back(EntryJson(e));
  j["entries"] = entries;
  if (with_trace) j["trace"] = nlohmann::json::parse(core::ToJson(i.trace));
  return j;
}

// `incident note` and `incident close`: ID and a text.
void RegisterIncidentEntry(CLI::App* inc, const char* name, const char* help, bool close) {
  auto* sub = inc->add_subcommand(name, help);
  auto id = std::make_shared<int64_t>(0);
  auto text = std::make_shared<std::string>();
  sub->add_option("ID", *id, "incident id")->required();
  if (close) {
    sub->add_option("--resolution", *text, "how the incident was resolved")->required();
  } else {
    sub->add_option("TEXT", *text, "the note")->required();
  }
  SetAction(sub, [id, text, close]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    const IncidentId iid(*id);
    CUSTODY_ASSIGN_OR_RETURN(auto e, close ? core::CloseIncident(*c, iid, *text)
                                           : core::AddIncidentNote(*c, iid, *text));
    if (Globals().json) {
      nlohmann::json j = EntryJson(e);
      j["incident"] = *id;
      PrintJson(j);
    } else if (close) {
      std::cout << fmt::format("Closed incident {}: {}. Log entry {}.\n", *id, e.text, e.log_index);
    } else {
      std::cout << fmt::format("Noted on incident {}. Log entry {}.\n", *id, e.log_index);
    }
    return OkStatus();
  });
}

void RegisterIncident(CLI::App& app) {
  auto* inc = app.add_subcommand("incident", "freeze a trace result as an incident");
  inc->require_subcommand(1);
  auto* open = inc->add_subcommand("open", "open an incident from a trace report (custody trace --json)");
  auto from = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>();
  open->add_option("--from-trace", *from, "trace report JSON file")->required();
  open->add_option("--title", *title, "incident title");
  SetAction(open, [from, title]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFileToString(*from));
    auto trace = core::TraceReportFromJson(text);
    if (!trace.ok()) return trace.status().WithPrefix(*from);
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    auto i = core::OpenIncident(*c, *trace, *title);
    if (!i.ok()) return i.status().WithPrefix(*from);
    if (Globals().json) {
      PrintJson(IncidentJson(*i, false));
    } else {
      std::string accused;
      for (const auto& a : i->verdict.accused) accused += (accused.empty() ? "" : ", ") + a;
      std::cout << fmt::format("Opened incident {}: {} ({} compromised, accused: {}). Log entry {}.\n", i->id,
                               i->title, Counted(i->verdict.compromised, "record"),
                               accused.empty() ? std::string("nobody") : accused, *i->log_index);
    }
    return OkStatus();
  });
  auto* show = inc->add_subcommand("show", "show an incident");
  auto id = std::make_shared<int64_t>(0);
  show->add_option("ID", *id, "incident id")->required();
  SetAction(show, [id]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto i, core::GetIncident(*c, IncidentId(*id)));
    if (Globals().json) {
      PrintJson(IncidentJson(i, true));
    } else {
      std::cout << fmt::format("Incident {}: {}\nOpened {}; log entry {}; compromised list SHA-256 {}\n", i.id,
                               i.title, FormatRfc3339(i.created_at), i.log_index.value_or(-1), i.records_hash);
      for (const auto& e : i.entries) {
        std::cout << fmt::format("{} {} by {} (log entry {}): {}\n", FormatRfc3339(e.created_at),
                                 e.action == "close" ? "Closed" : "Note", e.actor, e.log_index, e.text);
      }
      std::cout << (i.closed ? "Status: closed\n" : "Status: open\n");
      PrintTraceSummary(i.trace, std::cout);
    }
    return OkStatus();
  });
  RegisterIncidentEntry(inc, "note", "add a note to an open incident (logged)", false);
  RegisterIncidentEntry(inc, "close", "close an incident with its resolution (logged)", true);
  auto* list = inc->add_subcommand("list", "list incidents");
  SetAction(list, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto all, core::ListIncidents(*c));
    if (Globals().json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& i : all) arr.push_back(IncidentJson(i, false));
      PrintJson({{"incidents", arr}});
      return OkStatus();
    }
    if (all.empty()) {
      std::cout << "no incidents\n";
      return OkStatus();
    }
    size_t title_w = 5;
    for (const auto& i : all) title_w = std::max(title_w, i.title.size());
    title_w = std::min<size_t>(title_w, 40);
    std::cout << fmt::format("{:>8}  {:<20}  {:<6}  {:<{}}  {:>11}  {}\n", "INCIDENT", "OPENED", "STATUS", "TITLE",
                             title_w, "COMPROMISED", "ACCUSED");
    for (const auto& i : all) {
      std::string accused;
      for (const auto& a : i.verdict.accused) accused += (accused.empty() ? "" : ", ") + a;
      std::cout << fmt::format("{:>8}  {:<20}  {:<6}  {:<{}}  {:>11}  {}\n", ToString(i.id),
                               FormatRfc3339(i.created_at), i.closed ? "closed" : "open", i.title, title_w,
                               WithThousands(i.verdict.compromised), accused.empty() ? "nobody" : accused);
    }
    return OkStatus();
  });
}

void RegisterTraceCommands(CLI::App& app) {
  RegisterTrace(app);
  RegisterIncident(app);
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterTraceCommands);
}  // namespace custody::cli
