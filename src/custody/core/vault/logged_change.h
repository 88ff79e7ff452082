// LoggedChange: the commit protocol of partner, member and grant changes.
// The catalog rows are written inside one SQLite transaction; the custody log
// event is appended (durably) before that transaction commits, and a failed
// append rolls the rows back. A crash after the append but before the
// catalog commit leaves a logged change without rows; `custody log show`
// reveals it and repeating the command completes it (docs/releases.md).
// Thread-safety: as Custody.
#pragma once

#include <functional>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/ledger/event.h"

namespace custody::core {

// Runs `rows` in a transaction; it writes the rows and fills `*event`.
// Returns the event's log index.
Result<uint64_t> LoggedChange(Custody& custody,
                              const std::function<Status(ledger::Event* event)>& rows);

// The same for several changes committed together (group commit): `rows`
// writes every change's rows and appends one event per change to `*events`;
// the events are appended as one batch with one fsync. Then `logged(first)`
// runs in the same transaction with the first event's index (to record log
// indexes on the rows). Returns the first event's index. If `rows` appends
// no event (a batch whose every change fell through), nothing is logged,
// `logged` is not called, what `rows` wrote commits, and the log's size is
// returned.
Result<uint64_t> LoggedChanges(Custody& custody,
                               const std::function<Status(std::vector<ledger::Event>* events)>& rows,
                               const std::function<Status(uint64_t first)>& logged);

}  // namespace custody::core
