#include "custody/core/trace/incident.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

Result<Incident> FromRow(store::IncidentRow row) {
  const std::string where = "catalog incidents row " + ToString(row.id);
  Incident i;
  i.id = row.id;
  i.created_at = row.created_at;
  i.title = std::move(row.title);
  i.records_hash = std::move(row.records_hash);
  i.log_index = row.log_index;
  auto trace = TraceReportFromJson(row.trace_json);
  if (!trace.ok()) return DataLossError(where + ": trace_json: " + trace.status().message());
  i.trace = std::move(*trace);
  auto verdict = VerdictFromJson(row.verdict_json);
  if (!verdict.ok()) return DataLossError(where + ": verdict: " + verdict.status().message());
  i.verdict = std::move(*verdict);
  return i;
}

Result<IncidentUpdate> UpdateFromRow(const store::IncidentUpdateRow& r) {
  IncidentUpdate u;
  u.id = r.id;
  u.created_at = r.created_at;
  u.actor = r.actor;
  u.clocks.aware_at = r.aware_at;
  u.clocks.material_at = r.material_at;
  u.clocks.contained_at = r.contained_at;
  auto notified = NotifiedFromJson(r.notified_json);
  if (!notified.ok()) {
    return DataLossError("catalog incident_updates row " + std::to_string(r.id) + ": notified: " +
                         notified.status().message());
  }
  u.clocks.notified = std::move(*notified);
  u.log_index = r.log_index.value_or(0);
  return u;
}

nlohmann::json NotifiedJson(const std::map<std::string, Time>& notified) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, at] : notified) j[name] = ToUnixMillis(at);
  return j;
}

// Fills in `i`'s notes, containment steps, closing and clock updates from the catalog.
Status LoadEntries(Custody& custody, Incident* i) {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, custody.catalog().incidents().Entries(i->id));
  for (auto& r : rows) {
    if (r.action == "close") i->closed = true;
    i->entries.push_back(IncidentEntry{r.created_at, std::move(r.action), std::move(r.actor),
                                       std::move(r.text), r.log_index.value_or(0), r.step_log_index});
  }
  CUSTODY_ASSIGN_OR_RETURN(auto updates, custody.catalog().incidents().Updates(i->id));
  for (auto& u : updates) {
    CUSTODY_ASSIGN_OR_RETURN(IncidentUpdate up, UpdateFromRow(u));
    if (up.clocks.aware_at) i->clocks.aware_at = up.clocks.aware_at;
    if (up.clocks.material_at) i->clocks.material_at = up.clocks.material_at;
    if (up.clocks.contained_at) i->clocks.contained_at = up.clocks.contained_at;
    for (const auto& [name, at] : up.clocks.notified) i->clocks.notified[name] = at;
    i->updates.push_back(std::move(up));
  }
  return OkStatus();
}

// The lifecycle step `action` ("note" or "close") on incident `id`: a row,
// then its log event, then the row's log index (recovery finishes a crash
// in between).
Result<IncidentEntry> AddEntry(Custody& custody, IncidentId id, const std::string& action,
                               const std::string& text, std::optional<int64_t> step = std::nullopt) {
  const std::string what = action == "close" ? "resolution" : action == "contain" ? "step" : "note";
  if (text.empty()) return InvalidArgumentError(what + ": expected a text, found an empty one");
  CUSTODY_ASSIGN_OR_RETURN(Incident inc, GetIncident(custody, id));
  if (inc.closed) {
    const IncidentEntry& last = inc.entries.back();
    return FailedPreconditionError("incident " + ToString(id) + " was closed at " +
                                   FormatRfc3339(last.created_at) + " (log entry " +
                                   std::to_string(last.log_index) + ": " + last.text +
                                   "); a closed incident takes no more " +
                                   (action == "close" ? "closing" : action == "contain" ? "containment" : "notes"));
  }
  store::IncidentTable& table = custody.catalog().incidents();
  IncidentEntry e;
  e.created_at = custody.clock()->Now();
  e.action = action;
  e.actor = custody.actor().empty() ? DefaultActor() : custody.actor();
  e.text = text;
  e.step_log_index = step;
  CUSTODY_ASSIGN_OR_RETURN(int64_t entry_id,
                           table.InsertEntry(store::IncidentEntryRow{0, id, e.created_at, action, e.actor,
                                                                     text, std::nullopt, step}));
  ledger::Event ev;
  ev.type = ledger::event_type::kIncident;
  ev.actor = e.actor;
  ev.subject = "incident:" + ToString(id);
  ev.details = {{"action", action}, {"entry", entry_id}, {"text", text}};
  if (step) ev.details["step"] = *step;
  ev.hashes["records"] = inc.records_hash;
  auto idx = custody.Commit(ev);
  if (!idx.ok()) {
    table.DeleteEntry(entry_id).IgnoreError();
    return idx.status().WithPrefix("incident " + ToString(id) + " unchanged: custody log append failed");
  }
  e.log_index = static_cast<int64_t>(*idx);
  CUSTODY_RETURN_IF_ERROR(table.SetEntryLogIndex(entry_id, e.log_index));
  return e;
}

}  // namespace

std::string UpdateCommitText(const IncidentClocks& c) {
  auto ms = [](const std::optional<Time>& t) { return t ? nlohmann::json(ToUnixMillis(*t)) : nlohmann::json(); };
  return nlohmann::json{{"aware_at", ms(c.aware_at)},
                        {"contained_at", ms(c.contained_at)},
                        {"material_at", ms(c.material_at)},
                        {"notified", NotifiedJson(c.notified)}}
      .dump();
}

Result<std::map<std::string, Time>> NotifiedFromJson(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgumentError("expected a JSON object of notice -> Unix ms");
  std::map<std::string, Time> out;
  for (const auto& [name, at] : j.items()) {
    if (!at.is_number_integer()) {
      return InvalidArgumentError(name + ": expected Unix milliseconds, found " + at.dump());
    }
    out[name] = FromUnixMillis(at.get<int64_t>());
  }
  return out;
}

std::string VerdictToJson(const IncidentVerdict& v) {
  return nlohmann::json{{"accused", v.accused},
                        {"alpha", v.alpha},
                        {"compromised", v.compromised},
                        {"decided", v.decided},
                        {"statement", v.statement}}
      .dump();
}

Result<IncidentVerdict> VerdictFromJson(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgumentError("expected a JSON object");
  auto field = [&](const char* name, bool (nlohmann::json::*is)() const noexcept,
                   const char* what) -> Result<const nlohmann::json*> {
    const auto it = j.find(name);
    if (it == j.end() || !((*it).*is)()) {
      return InvalidArgumentError(std::string(name) + ": expected " + what);
    }
    return &*it;
  };
  IncidentVerdict v;
  CUSTODY_ASSIGN_OR_RETURN(auto accused, field("accused", &nlohmann::json::is_array, "an array"));
  for (const auto& a : *accused) {
    if (!a.is_string()) return InvalidArgumentError("accused: expected member names (strings)");
    v.accused.push_back(a.get<std::string>());
  }
  CUSTODY_ASSIGN_OR_RETURN(auto alpha, field("alpha", &nlohmann::json::is_number, "a number"));
  v.alpha = alpha->get<double>();
  CUSTODY_ASSIGN_OR_RETURN(auto compromised, field("compromised", &nlohmann::json::is_number_unsigned,
                                                   "a non-negative integer"));
  v.compromised = compromised->get<uint64_t>();
  CUSTODY_ASSIGN_OR_RETURN(auto decided, field("decided", &nlohmann::json::is_boolean, "true or false"));
  v.decided = decided->get<bool>();
  CUSTODY_ASSIGN_OR_RETURN(auto statement, field("statement", &nlohmann::json::is_string, "a text"));
  v.statement = statement->get<std::string>();
  return v;
}

std::string CompromisedHash(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::string text;
  for (uint64_t id : ids) text += ToString(id) + "\n";
  return crypto::DigestHex(crypto::Sha256(text));
}

namespace {

// The report must be the one its trace logged: the trace entry at
// report.log_index holds the dump's hash, the compromised list's hash, its
// size and the accused. A report edited after the trace (even one whose own
// hash was recomputed) differs from its entry somewhere.
Status CheckAgainstTraceEntry(Custody& custody, const TraceReport& trace) {
  if (!trace.log_index) {
    return InvalidArgumentError("trace report: log_index: expected the index of its trace entry "
                                "in the custody log, found none");
  }
  const uint64_t at = *trace.log_index;
  // kDataLoss: the report is tampered with. The message names the field, the
  // value the log holds and the value the report holds, and the entry.
  auto mismatch = [&](const std::string& field, const std::string& expected, const std::string& found) {
    return DataLossError("trace report: " + field + ": expected " + expected + " (custody log entry " +
                         std::to_string(at) + "), found " + found +
                         " (the report was edited after the trace)");
  };
  if (at >= custody.log().size()) {
    return mismatch("log_index", "an index below the log size " + std::to_string(custody.log().size()),
                    std::to_string(at));
  }
  CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(custody.log(), at));
  if (ev.type != ledger::event_type::kTrace) {
    return mismatch("log_index", "a trace entry", "a '" + ev.type + "' entry");
  }
  auto hash = [&](const char* name) {
    auto it = ev.hashes.find(name);
    return it == ev.hashes.end() ? std::string() : it->second;
  };
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(); };
  if (hash("dump") != trace.dump_sha256) {
    return mismatch("dump_sha256", quoted(hash("dump")), quoted(trace.dump_sha256));
  }
  if (hash("compromised") != trace.compromised_sha256) {
    return mismatch("compromised_sha256", quoted(hash("compromised")), quoted(trace.compromised_sha256));
  }
  const auto count = ev.details.find("compromised");
  if (count == ev.details.end() || !count->is_number_unsigned() ||
      count->get<uint64_t>() != trace.compromised.size()) {
    return mismatch("compromised", (count == ev.details.end() ? std::string("none") : count->dump()) + " records",
                    std::to_string(trace.compromised.size()) + " records");
  }
  const auto accused = ev.details.find("accused");
  if (accused == ev.details.end() || *accused != nlohmann::json(trace.accused)) {
    return mismatch("accused", accused == ev.details.end() ? std::string("none") : accused->dump(),
                    nlohmann::json(trace.accused).dump());
  }
  const auto decided = ev.details.find("decided");
  if (decided != ev.details.end() && decided->is_boolean() && decided->get<bool>() != trace.decided) {
    return mismatch("decided", decided->dump(), trace.decided ? "true" : "false");
  }
  return OkStatus();
}

// An incident is opened once per trace: kAlreadyExists naming the first.
Status CheckNotOpenedYet(Custody& custody, uint64_t trace_log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto incidents, ListIncidents(custody));
  for (const Incident& i : incidents) {
    if (i.trace.log_index == trace_log_index) {
      return AlreadyExistsError("incident " + ToString(i.id) +
                                " was already opened for the trace at log entry " +
                                std::to_string(trace_log_index));
    }
  }
  return OkStatus();
}

}  // namespace

Result<Incident> OpenIncident(Custody& custody, const TraceReport& trace, const std::string& title) {
  std::vector<uint64_t> ids;
  ids.reserve(trace.compromised.size());
  for (const auto& c : trace.compromised) ids.push_back(c.record_id.value());
  std::string hash = CompromisedHash(ids);
  if (trace.compromised_sha256 != hash) {
    return DataLossError("trace report: compromised_sha256: expected " + hash +
                         " (the SHA-256 of its compromised list), found " + trace.compromised_sha256 +
                         " (the report was edited after the trace)");
  }
  CUSTODY_RETURN_IF_ERROR(CheckAgainstTraceEntry(custody, trace));
  CUSTODY_RETURN_IF_ERROR(CheckNotOpenedYet(custody, *trace.log_index));
  Incident inc;
  inc.created_at = custody.clock()->Now();
  inc.title = title.empty() ? "Leak of dump " + trace.dump_sha256.substr(0, 16) : title;
  inc.records_hash = hash;
  const std::string trace_text = ToJson(trace);
  inc.trace = trace;
  inc.verdict.accused = trace.accused;
  inc.verdict.decided = trace.decided;
  inc.verdict.alpha = trace.alpha;
  inc.verdict.statement = trace.statement;
  inc.verdict.compromised = ids.size();
  store::IncidentTable& incidents = custody.catalog().incidents();
  CUSTODY_ASSIGN_OR_RETURN(inc.id, incidents.Insert(store::IncidentRow{
                                       IncidentId(), inc.created_at, inc.title, trace_text, hash,
                                       VerdictToJson(inc.verdict), std::nullopt}));

  ledger::Event ev;
  ev.type = ledger::event_type::kIncident;
  ev.subject = "incident:" + ToString(inc.id);
  ev.details = {{"title", inc.title}, {"compromised", ids.size()}, {"accused", trace.accused},
                {"decided", trace.decided}};
  ev.hashes["records"] = hash;
  ev.hashes["trace"] = crypto::DigestHex(crypto::Sha256(trace_text));
  ev.hashes["dump"] = trace.dump_sha256;
  auto idx = custody.Commit(ev);
  if (!idx.ok()) {
    incidents.Delete(inc.id).IgnoreError();
    return idx.status().WithPrefix("incident not opened: custody log append failed");
  }
  inc.log_index = static_cast<int64_t>(*idx);
  CUSTODY_RETURN_IF_ERROR(incidents.SetLogIndex(inc.id, *inc.log_index));
  return inc;
}

Result<IncidentEntry> AddIncidentNote(Custody& custody, IncidentId id, const std::string& text) {
  return AddEntry(custody, id, "note", text);
}

Result<IncidentEntry> CloseIncident(Custody& custody, IncidentId id, const std::string& resolution) {
  return AddEntry(custody, id, "close", resolution);
}

Result<IncidentEntry> AddContainmentEntry(Custody& custody, IncidentId id, const std::string& text,
                                          int64_t step_log_index) {
  return AddEntry(custody, id, "contain", text, step_log_index);
}

Result<IncidentUpdate> UpdateIncident(Custody& custody, IncidentId id, const IncidentClocks& clocks) {
  if (!clocks.aware_at && !clocks.material_at && !clocks.contained_at && clocks.notified.empty()) {
    return InvalidArgumentError("incident update: expected at least one clock (aware, material, contained) "
                                "or notice to set; found none");
  }
  for (const auto& [name, at] : clocks.notified) {
    if (name.empty() || name.size() > 64 || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") !=
                                                 std::string::npos) {
      return InvalidArgumentError("notice name: expected 1..64 of [a-z0-9._-] (e.g. " +
                                  std::string(kNoticeGdprArt33) + ", " + kNoticeSec8k + "), found '" + name + "'");
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(Incident inc, GetIncident(custody, id));
  if (inc.closed) {
    const IncidentEntry& last = inc.entries.back();
    return FailedPreconditionError("incident " + ToString(id) + " was closed at " +
                                   FormatRfc3339(last.created_at) + " (log entry " +
                                   std::to_string(last.log_index) + ": " + last.text +
                                   "); a closed incident takes no more updates");
  }
  store::IncidentTable& table = custody.catalog().incidents();
  IncidentUpdate u;
  u.created_at = custody.clock()->Now();
  u.actor = custody.actor().empty() ? DefaultActor() : custody.actor();
  u.clocks = clocks;
  CUSTODY_ASSIGN_OR_RETURN(u.id, table.InsertUpdate(store::IncidentUpdateRow{
                                     0, id, u.created_at, u.actor, clocks.aware_at, clocks.material_at,
                                     clocks.contained_at, NotifiedJson(clocks.notified).dump(), std::nullopt}));
  ledger::Event ev;
  ev.type = ledger::event_type::kIncidentUpdate;
  ev.actor = u.actor;
  ev.subject = "incident:" + ToString(id);
  ev.details = {{"update", u.id}};
  if (clocks.aware_at) ev.details["aware_at"] = FormatRfc3339(*clocks.aware_at);
  if (clocks.material_at) ev.details["material_at"] = FormatRfc3339(*clocks.material_at);
  if (clocks.contained_at) ev.details["contained_at"] = FormatRfc3339(*clocks.contained_at);
  if (!clocks.notified.empty()) {
    nlohmann::json n = nlohmann::json::object();
    for (const auto& [name, at] : clocks.notified) n[name] = FormatRfc3339(at);
    ev.details["notified"] = n;
  }
  ev.hashes["update"] = crypto::DigestHex(crypto::Sha256(UpdateCommitText(clocks)));
  auto idx = custody.Commit(ev);
  if (!idx.ok()) {
    table.DeleteUpdate(u.id).IgnoreError();
    return idx.status().WithPrefix("incident " + ToString(id) + " unchanged: custody log append failed");
  }
  u.log_index = static_cast<int64_t>(*idx);
  CUSTODY_RETURN_IF_ERROR(table.SetUpdateLogIndex(u.id, u.log_index));
  return u;
}

Result<std::vector<Incident>> ListIncidents(Custody& custody) {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, custody.catalog().incidents().List());
  std::vector<Incident> out;
  for (auto& row : rows) {
    CUSTODY_ASSIGN_OR_RETURN(Incident i, FromRow(std::move(row)));
    CUSTODY_RETURN_IF_ERROR(LoadEntries(custody, &i));
    out.push_back(std::move(i));
  }
  return out;
}

Result<Incident> GetIncident(Custody& custody, IncidentId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto row, custody.catalog().incidents().Get(id));
  if (!row) return NotFoundError("no incident " + ToString(id));
  CUSTODY_ASSIGN_OR_RETURN(Incident i, FromRow(std::move(*row)));
  CUSTODY_RETURN_IF_ERROR(LoadEntries(custody, &i));
  return i;
}

namespace {

// The index of the `type` event about incident `incident` whose
// details[`field`] is `row_id`, among `recent`; nullopt if none.
std::optional<uint64_t> FindLogged(const std::vector<LoggedEvent>& recent, const char* type,
                                   IncidentId incident, const char* field, int64_t row_id) {
  const std::string subject = "incident:" + ToString(incident);
  for (const LoggedEvent& e : recent) {
    const auto it = e.event.details.find(field);
    if (e.event.type == type && e.event.subject == subject && it != e.event.details.end() &&
        *it == row_id) {
      return e.index;
    }
  }
  return std::nullopt;
}

}  // namespace

Status RecoverIncidents(Custody& custody) {
  store::IncidentTable& incidents = custody.catalog().incidents();
  CUSTODY_ASSIGN_OR_RETURN(std::vector<IncidentId> pending, incidents.Unlogged());
  CUSTODY_ASSIGN_OR_RETURN(std::vector<store::IncidentEntryRow> entries, incidents.UnloggedEntries());
  CUSTODY_ASSIGN_OR_RETURN(std::vector<store::IncidentUpdateRow> updates, incidents.UnloggedUpdates());
  if (pending.empty() && entries.empty() && updates.empty()) return OkStatus();
  CUSTODY_ASSIGN_OR_RETURN(auto recent, custody.RecentEvents());
  for (const auto& row : updates) {
    const auto found = FindLogged(recent, ledger::event_type::kIncidentUpdate, row.incident_id,
                                  "update", row.id);
    if (found) {
      CUSTODY_RETURN_IF_ERROR(incidents.SetUpdateLogIndex(row.id, static_cast<int64_t>(*found)));
    } else {
      CUSTODY_RETURN_IF_ERROR(incidents.DeleteUpdate(row.id));
    }
  }
  for (const auto& row : entries) {
    const auto found =
        FindLogged(recent, ledger::event_type::kIncident, row.incident_id, "entry", row.id);
    if (found) {
      CUSTODY_RETURN_IF_ERROR(incidents.SetEntryLogIndex(row.id, static_cast<int64_t>(*found)));
    } else {
      CUSTODY_RETURN_IF_ERROR(incidents.DeleteEntry(row.id));
    }
  }
  for (IncidentId id : pending) {
    std::optional<uint64_t> found;
    const std::string subject = "incident:" + ToString(id);
    for (const LoggedEvent& e : recent) {
      if (e.event.type == ledger::event_type::kIncident && e.event.subject == subject &&
          !e.event.details.contains("action")) {  // the opening, not a note or the closing
        found = e.index;
        break;
      }
    }
    if (found) {
      CUSTODY_RETURN_IF_ERROR(incidents.SetLogIndex(id, static_cast<int64_t>(*found)));
    } else {
      CUSTODY_RETURN_IF_ERROR(incidents.Delete(id));
    }
  }
  return OkStatus();
}

}  // namespace custody::core
