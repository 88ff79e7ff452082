// The custody log's state-defining events, indexed by the catalog row each
// one defines: the `member` add event of a member id, the `release` event of
// a release id, and so on. Commands that act on a row (a release sealing to a
// member's key) and `custody vault check` compare the row with its event, so
// that a catalog edited by someone with write access to the vault directory
// is detected (docs/security.md, "The catalog answers to the log").
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// Hex SHA-256 of `bytes`: the form of every hash in an event's `hashes`.
std::string Sha256Hex(std::string_view bytes);

// The events of the whole log by the row they define. When one row id has
// several events (a command repeated after a crash between its log append
// and its catalog commit), the newest is kept: it is the one the row came from.
struct LoggedRows {
  uint64_t entries = 0;                          // log entries read
  std::map<int64_t, LoggedEvent> partners;       // `partner` action add, by partner_id
  std::map<int64_t, LoggedEvent> members;        // `member` action add, by member_id
  std::map<int64_t, LoggedEvent> grants;         // `grant` action add, by grant_id
  std::map<int64_t, LoggedEvent> releases;       // `release`, by release_id
  std::map<int64_t, LoggedEvent> incidents;      // `incident` opening (no details.action), by the id in `incident:N`
  std::map<int64_t, LoggedEvent> incident_entries;  // `incident` note/close/contain, by details.entry
  std::map<int64_t, LoggedEvent> incident_updates;  // `incident.update`, by details.update
  std::map<int64_t, LoggedEvent> shreds;         // `dataset.shred`, by dataset_id
  std::map<std::string, LoggedEvent> ingests;    // `ingest`, by subject `dataset:NAME@vN`
  std::map<int64_t, LoggedEvent> tokens;         // `token` action issue, by token_id (custody serve)
  std::map<int64_t, LoggedEvent> token_revocations;  // `token` action revoke, by token_id
  std::map<int64_t, LoggedEvent> task_results;   // `task.result`, by task_result_id
};

// Reads and indexes every entry of the log, first reading what other
// processes appended to a shared vault's log (CustodyLog::Refresh), so that
// every row read before the call finds its event. Errors: those of the
// refresh, and of reading or parsing an entry (kDataLoss / kInvalidArgument
// naming the index).
Result<LoggedRows> IndexLoggedRows(Custody& custody);

// The newest `member` add event of `member_id` (scanning the log from its
// end). kNotFound if the log has none.
Result<LoggedEvent> FindMemberAddEvent(Custody& custody, MemberId member_id);

// What a member add event commits to about the member's public key:
// hashes.public_key (hex SHA-256 of the raw key) or, in events written before
// that hash existed, the SHA-256 of details.public_key (base64). Unset if the
// event holds neither.
std::optional<std::string> LoggedPublicKeyHash(const ledger::Event& member_event);

}  // namespace custody::core
