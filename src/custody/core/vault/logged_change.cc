#include "custody/core/vault/logged_change.h"

#include "custody/ledger/custody_log.h"
#include "custody/store/catalog.h"

namespace custody::core {

Result<uint64_t> LoggedChange(Custody& custody,
                              const std::function<Status(ledger::Event* event)>& rows) {
  if (!custody.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be committed");
  }
  uint64_t index = 0;
  CUSTODY_RETURN_IF_ERROR(custody.catalog().Transaction([&]() -> Status {
    ledger::Event event;
    CUSTODY_RETURN_IF_ERROR(rows(&event));
    auto committed = custody.Commit(std::move(event));
    if (!committed.ok()) {
      return committed.status().WithPrefix("not committed: custody log append failed");
    }
    index = *committed;
    return OkStatus();
  }));
  return index;
}

Result<uint64_t> LoggedChanges(Custody& custody,
                               const std::function<Status(std::vector<ledger::Event>* events)>& rows,
                               const std::function<Status(uint64_t first)>& logged) {
  if (!custody.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be committed");
  }
  uint64_t first = 0;
  CUSTODY_RETURN_IF_ERROR(custody.catalog().Transaction([&]() -> Status {
    std::vector<ledger::Event> events;
    CUSTODY_RETURN_IF_ERROR(rows(&events));
    if (events.empty()) {
      first = custody.log().size();
      return OkStatus();
    }
    auto committed = custody.CommitBatch(std::move(events));
    if (!committed.ok()) {
      return committed.status().WithPrefix("not committed: custody log append failed");
    }
    first = *committed;
    return logged(first);
  }));
  return first;
}

}  // namespace custody::core
