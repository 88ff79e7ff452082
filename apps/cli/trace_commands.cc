// `custody trace` and `custody incident open|show|list|note|close|update`. Output schemas:
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
#include "custody/core/trace/incident_json.h"
#include "custody/core/trace/report_html.h"
#include "custody/core/trace/trace.h"
#include "custody/format/formats.h"

namespace custody::cli {

// incident_response.cc: `incident contain` and `incident report`.
void RegisterIncidentResponseCommands(CLI::App* inc);

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
  auto format = std::make_shared<std::string>("auto");
  sub->add_option("--format", *format, "auto, jsonl, json, csv or text (default auto: detected per dump)");
  SetAction(sub, [o, report, out, format]() -> Status {
    auto f = format::ParseInputFormat(*format);
    if (!f.ok()) return f.status().WithPrefix("--format");
    o->format = *f;
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

nlohmann::json EntryJson(const core::IncidentEntry& e) { return core::IncidentEntryToJson(e); }
nlohmann::json ClocksJson(const core::IncidentClocks& c) { return core::IncidentClocksToJson(c); }
nlohmann::json IncidentJson(const core::Incident& i, bool with_trace) { return core::IncidentToJson(i, with_trace); }

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

// Parses an option's time with the strict parser every command uses;
// kInvalidArgument names the option.
Result<Time> OptionTime(const std::string& option, const std::string& text) {
  auto t = ParseTime(text);
  if (!t.ok()) return t.status().WithPrefix(option);
  return *t;
}

// `incident update ID [--aware-at T] [--material-at T] [--contained-at T]
// [--notified-at NOTICE=T ...]`.
void RegisterIncidentUpdate(CLI::App* inc) {
  auto* sub = inc->add_subcommand("update", "record when the breach was known, material, contained, notified (logged)");
  auto id = std::make_shared<int64_t>(0);
  auto aware = std::make_shared<std::string>();
  auto material = std::make_shared<std::string>();
  auto contained = std::make_shared<std::string>();
  auto notified = std::make_shared<std::vector<std::string>>();
  sub->add_option("ID", *id, "incident id")->required();
  sub->add_option("--aware-at", *aware, "when the organisation became aware of the breach (starts GDPR Art. 33's 72 hours)");
  sub->add_option("--material-at", *material, "when the breach was determined material (starts SEC 8-K Item 1.05's 4 business days)");
  sub->add_option("--contained-at", *contained, "when the breach was contained");
  sub->add_option("--notified-at", *notified, "NOTICE=TIME: a notice sent (gdpr-art33, sec-8k, or another name); repeatable");
  SetAction(sub, [id, aware, material, contained, notified]() -> Status {
    if (aware->empty() && material->empty() && contained->empty() && notified->empty()) {
      return InvalidArgumentError("incident update: expected at least one of --aware-at, --material-at, "
                                  "--contained-at, --notified-at; found none");
    }
    core::IncidentClocks clocks;
    if (!aware->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(clocks.aware_at, OptionTime("aware-at", *aware));
    }
    if (!material->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(clocks.material_at, OptionTime("material-at", *material));
    }
    if (!contained->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(clocks.contained_at, OptionTime("contained-at", *contained));
    }
    for (const std::string& n : *notified) {
      const size_t eq = n.find('=');
      if (eq == std::string::npos) {
        return InvalidArgumentError("notified-at: expected NOTICE=TIME (e.g. gdpr-art33=2026-12-01T09:00:00Z), found '" +
                                    n + "'");
      }
      CUSTODY_ASSIGN_OR_RETURN(Time at, OptionTime("notified-at " + n.substr(0, eq), n.substr(eq + 1)));
      clocks.notified[n.substr(0, eq)] = at;
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    auto updated = core::UpdateIncident(*c, IncidentId(*id), clocks);
    if (!updated.ok() && updated.status().code() == StatusCode::kInvalidArgument) {
      return updated.status().WithPrefix("--notified-at");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto u, std::move(updated));
    CUSTODY_ASSIGN_OR_RETURN(auto i, core::GetIncident(*c, IncidentId(*id)));
    if (Globals().json) {
      PrintJson({{"incident", *id},
                 {"update", u.id},
                 {"set", ClocksJson(u.clocks)},
                 {"clocks", ClocksJson(i.clocks)},
                 {"log_index", u.log_index}});
    } else {
      std::cout << fmt::format("Updated incident {}. Log entry {}.\n", *id, u.log_index);
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
        const char* what = e.action == "close" ? "Closed" : e.action == "contain" ? "Contained" : "Note";
        std::string step;
        if (e.step_log_index) step = fmt::format(" [step: log entry {}]", *e.step_log_index);
        std::cout << fmt::format("{} {} by {} (log entry {}): {}{}\n", FormatRfc3339(e.created_at), what,
                                 e.actor, e.log_index, e.text, step);
      }
      auto clock = [](const char* name, const std::optional<Time>& t) {
        if (t) std::cout << name << " " << FormatRfc3339(*t) << "\n";
      };
      clock("Aware at", i.clocks.aware_at);
      clock("Material at", i.clocks.material_at);
      clock("Contained at", i.clocks.contained_at);
      for (const auto& [notice, at] : i.clocks.notified) {
        std::cout << "Notified " << notice << " at " << FormatRfc3339(at) << "\n";
      }
      std::cout << (i.closed ? "Status: closed\n" : "Status: open\n");
      PrintTraceSummary(i.trace, std::cout);
    }
    return OkStatus();
  });
  RegisterIncidentEntry(inc, "note", "add a note to an open incident (logged)", false);
  RegisterIncidentEntry(inc, "close", "close an incident with its resolution (logged)", true);
  RegisterIncidentUpdate(inc);
  RegisterIncidentResponseCommands(inc);
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
