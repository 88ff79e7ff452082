#include "custody/core/trace/incident.h"

#include <algorithm>

#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

Result<Incident> ReadRow(const store::Stmt& st) {
  Incident i;
  i.id = st.Int(0);
  i.created_at = st.Int(1);
  i.title = st.Text(2);
  i.trace = nlohmann::json::parse(st.Text(3), nullptr, false);
  i.records_hash = st.Text(4);
  i.verdict = nlohmann::json::parse(st.Text(5), nullptr, false);
  if (!st.IsNull(6)) i.log_index = st.Int(6);
  if (i.trace.is_discarded() || i.verdict.is_discarded()) {
    return DataLossError("catalog: incident " + std::to_string(i.id) + " holds malformed JSON");
  }
  return i;
}

constexpr const char* kColumns =
    "SELECT id, created_at, title, trace_json, records_hash, verdict, log_index FROM incidents ";

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
  store::Db& db = custody.catalog().db();
  CUSTODY_ASSIGN_OR_RETURN(auto ins, db.Prepare("INSERT INTO incidents(created_at, title, trace_json, "
                                                "records_hash, verdict) VALUES (?, ?, ?, ?, ?)"));
  ins.Bind(1, inc.created_at).Bind(2, inc.title).Bind(3, trace_text).Bind(4, hash).Bind(5, inc.verdict.dump());
  CUSTODY_RETURN_IF_ERROR(ins.Run());
  inc.id = db.LastInsertId();

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
    CUSTODY_ASSIGN_OR_RETURN(auto del, db.Prepare("DELETE FROM incidents WHERE id = ?"));
    del.Bind(1, inc.id);
    del.Run().IgnoreError();
    return idx.status().WithPrefix("incident not opened: custody log append failed");
  }
  inc.log_index = static_cast<int64_t>(*idx);
  CUSTODY_ASSIGN_OR_RETURN(auto upd, db.Prepare("UPDATE incidents SET log_index = ? WHERE id = ?"));
  upd.Bind(1, *inc.log_index).Bind(2, inc.id);
  CUSTODY_RETURN_IF_ERROR(upd.Run());
  return inc;
}

Result<std::vector<Incident>> ListIncidents(Custody& custody) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, custody.catalog().db().Prepare(
                                        std::string(kColumns) + "WHERE log_index IS NOT NULL ORDER BY id"));
  std::vector<Incident> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CUSTODY_ASSIGN_OR_RETURN(auto i, ReadRow(st));
    out.push_back(std::move(i));
  }
  return out;
}

Result<Incident> GetIncident(Custody& custody, int64_t id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, custody.catalog().db().Prepare(
                                        std::string(kColumns) + "WHERE id = ? AND log_index IS NOT NULL"));
  st.Bind(1, id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no incident " + std::to_string(id));
  return ReadRow(st);
}

Status RecoverIncidents(Custody& custody) {
  store::Db& db = custody.catalog().db();
  CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT id FROM incidents WHERE log_index IS NULL"));
  std::vector<int64_t> pending;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    pending.push_back(st.Int(0));
  }
  const ledger::CustodyLog& log = custody.log();
  for (int64_t id : pending) {
    std::optional<uint64_t> found;
    uint64_t size = log.size();
    for (uint64_t i = size; i > (size > 16 ? size - 16 : 0); --i) {
      CUSTODY_ASSIGN_OR_RETURN(auto ev, ReadLogEvent(log, i - 1));
      if (ev.type == ledger::event_type::kIncident && ev.subject == "incident:" + std::to_string(id)) {
        found = i - 1;
        break;
      }
    }
    if (found) {
      CUSTODY_ASSIGN_OR_RETURN(auto upd, db.Prepare("UPDATE incidents SET log_index = ? WHERE id = ?"));
      upd.Bind(1, static_cast<int64_t>(*found)).Bind(2, id);
      CUSTODY_RETURN_IF_ERROR(upd.Run());
    } else {
      CUSTODY_ASSIGN_OR_RETURN(auto del, db.Prepare("DELETE FROM incidents WHERE id = ?"));
      del.Bind(1, id);
      CUSTODY_RETURN_IF_ERROR(del.Run());
    }
  }
  return OkStatus();
}

}  // namespace custody::core
