// Indexing the custody log by the rows its events define; see logged_rows.h.
#include "custody/core/vault/logged_rows.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

std::optional<int64_t> IntDetail(const ledger::Event& ev, const char* name) {
  auto it = ev.details.find(name);
  if (it == ev.details.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

bool IsAdd(const ledger::Event& ev) {
  auto it = ev.details.find("action");
  return it != ev.details.end() && it->is_string() && it->get<std::string>() == "add";
}

Result<ledger::Event> ReadAt(Custody& c, uint64_t index) {
  auto ev = ReadLogEvent(c.log(), index);
  if (!ev.ok()) return ev.status().WithPrefix("log entry " + std::to_string(index));
  return ev;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) { return crypto::DigestHex(crypto::Sha256(bytes)); }

Result<LoggedRows> IndexLoggedRows(Custody& c) {
  // Rows read before this call have their events in the log as it is now
  // (a shared vault's other writers append too; a no-op otherwise).
  CUSTODY_RETURN_IF_ERROR(c.log().Refresh());
  LoggedRows rows;
  const uint64_t size = c.log().size();
  for (uint64_t i = 0; i < size; ++i) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadAt(c, i));
    ++rows.entries;
    namespace t = ledger::event_type;
    std::map<int64_t, LoggedEvent>* into = nullptr;
    std::optional<int64_t> id;
    if (ev.type == t::kPartner && IsAdd(ev)) {
      into = &rows.partners, id = IntDetail(ev, "partner_id");
    } else if (ev.type == t::kMember && IsAdd(ev)) {
      into = &rows.members, id = IntDetail(ev, "member_id");
    } else if (ev.type == t::kGrant && IsAdd(ev)) {
      into = &rows.grants, id = IntDetail(ev, "grant_id");
    } else if (ev.type == t::kRelease) {
      into = &rows.releases, id = IntDetail(ev, "release_id");
    } else if (ev.type == t::kShred) {
      into = &rows.shreds, id = IntDetail(ev, "dataset_id");
    } else if (ev.type == t::kIncident && ev.details.contains("action")) {
      into = &rows.incident_entries, id = IntDetail(ev, "entry");
    } else if (ev.type == t::kIncidentUpdate) {
      into = &rows.incident_updates, id = IntDetail(ev, "update");
    } else if (ev.type == t::kIncident && ev.subject.rfind("incident:", 0) == 0) {
      into = &rows.incidents;
      const std::string n = ev.subject.substr(9);
      if (!n.empty() && n.size() < 19 && n.find_first_not_of("0123456789") == std::string::npos) {
        id = std::stoll(n);
      }
    } else if (ev.type == "token") {
      const std::string action = ev.details.is_object() ? ev.details.value("action", "") : "";
      into = action == "issue" ? &rows.tokens : action == "revoke" ? &rows.token_revocations : nullptr;
      id = IntDetail(ev, "token_id");
    } else if (ev.type == "task.result") {
      into = &rows.task_results, id = IntDetail(ev, "task_result_id");
    } else if (ev.type == t::kIngest) {
      const std::string subject = ev.subject;
      rows.ingests[subject] = LoggedEvent{i, std::move(ev)};
      continue;
    }
    if (into != nullptr && id) (*into)[*id] = LoggedEvent{i, std::move(ev)};
  }
  return rows;
}

Result<LoggedEvent> FindMemberAddEvent(Custody& c, MemberId member_id) {
  // The member row was read before: its event, durable before the row
  // committed, is in the log as it is now (another process may have
  // appended it to a shared vault's log).
  CUSTODY_RETURN_IF_ERROR(c.log().Refresh());
  for (uint64_t i = c.log().size(); i > 0; --i) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadAt(c, i - 1));
    if (ev.type == ledger::event_type::kMember && IsAdd(ev) &&
        IntDetail(ev, "member_id") == std::optional<int64_t>(member_id.value())) {
      return LoggedEvent{i - 1, std::move(ev)};
    }
  }
  return NotFoundError("no member event for member " + ToString(member_id) + " in the custody log");
}

std::optional<std::string> LoggedPublicKeyHash(const ledger::Event& ev) {
  if (auto h = ev.hashes.find("public_key"); h != ev.hashes.end()) return h->second;
  auto k = ev.details.find("public_key");
  if (k == ev.details.end() || !k->is_string()) return std::nullopt;
  auto raw = Base64Decode(k->get<std::string>());
  if (!raw.ok()) return std::string("(details.public_key is not base64)");
  return Sha256Hex(*raw);
}

}  // namespace custody::core
