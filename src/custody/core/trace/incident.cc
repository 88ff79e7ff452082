#include "custody/core/trace/incident.h"

#include <algorithm>

#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

Result<Incident> FromRow(store::IncidentRow row) {
  Incident i;
  i.id = row.id;
  i.created_at = row.created_at;
  i.title = std::move(row.title);
  i.trace = nlohmann::json::parse(row.trace_json, nullptr, false);
  i.records_hash = std::move(row.records_hash);
  i.verdict = nlohmann::json::parse(row.verdict_json, nullptr, false);
  i.log_index = row.log_index;
  if (i.trace.is_discarded() || i.verdict.is_discarded()) {
    return DataLossError("catalog: incident " + std::to_string(i.id) + " holds malformed JSON");
  }
  return i;
}

}  // namespace

std::string CompromisedHash(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::string text;
  for (uint64_t id : ids) text += std::to_string(id) + "\n";
  return crypto::DigestHex(crypto::Sha256(text));
}

Result<Incident> OpenIncident(Custody& custody, const TraceReport& trace, const std::string& title) {
  std::vector<uint64_t> ids;
  ids.reserve(trace.compromised.size());
  for (const auto& c : trace.compromised) ids.push_back(c.record_id);
  std::string hash = CompromisedHash(ids);
  if (trace.compromised_sha256 != hash) {
    return InvalidArgumentError("trace report: compromised_sha256 does not match its compromised list "
                                "(the report was edited after the trace)");
  }
  Incident inc;
  inc.created_at = custody.clock()->NowSeconds();
  inc.title = title.empty() ? "Leak of dump " + trace.dump_sha256.substr(0, 16) : title;
  inc.records_hash = hash;
  const std::string trace_text = ToJson(trace);
  inc.trace = nlohmann::json::parse(trace_text, nullptr, false);
  inc.verdict = {{"accused", trace.accused},
                 {"decided", trace.decided},
                 {"alpha", trace.alpha},
                 {"statement", trace.statement},
                 {"compromised", ids.size()}};
  store::IncidentTable& incidents = custody.catalog().incidents();
  CUSTODY_ASSIGN_OR_RETURN(inc.id, incidents.Insert(store::IncidentRow{
                                       0, inc.created_at, inc.title, trace_text, hash,
                                       inc.verdict.dump(), std::nullopt}));

  ledger::Event ev;
  ev.type = ledger::event_type::kIncident;
  ev.subject = "incident:" + std::to_string(inc.id);
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

Result<std::vector<Incident>> ListIncidents(Custody& custody) {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, custody.catalog().incidents().List());
  std::vector<Incident> out;
  for (auto& row : rows) {
    CUSTODY_ASSIGN_OR_RETURN(Incident i, FromRow(std::move(row)));
    out.push_back(std::move(i));
  }
  return out;
}

Result<Incident> GetIncident(Custody& custody, int64_t id) {
  CUSTODY_ASSIGN_OR_RETURN(auto row, custody.catalog().incidents().Get(id));
  if (!row) return NotFoundError("no incident " + std::to_string(id));
  return FromRow(std::move(*row));
}

Status RecoverIncidents(Custody& custody) {
  store::IncidentTable& incidents = custody.catalog().incidents();
  CUSTODY_ASSIGN_OR_RETURN(std::vector<int64_t> pending, incidents.Unlogged());
  if (pending.empty()) return OkStatus();
  CUSTODY_ASSIGN_OR_RETURN(auto recent, custody.RecentEvents());
  for (int64_t id : pending) {
    std::optional<uint64_t> found;
    const std::string subject = "incident:" + std::to_string(id);
    for (const LoggedEvent& e : recent) {
      if (e.event.type == ledger::event_type::kIncident && e.event.subject == subject) {
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
