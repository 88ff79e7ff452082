// Custody: the open vault together with its custody log. Every state-changing
// operation goes through Commit(), which appends the operation's event to the
// log and returns only once it is durable (LoggedChange, logged_change.h,
// wraps the catalog rows and the append in one transaction). Opening with the
// key runs crash recovery: the vault's own step (a shred whose log entry is
// durable is finished), then each module's step given in OpenOptions::recovery
// (core::AllRecoverySteps() in custody_core.h lists them all).
//
// A vault whose catalog is on PostgreSQL may be open in several processes
// (custody serve instances): see store::Vault::shared(). Then the log is
// opened shared (ledger::LogOptions::shared), every catalog write
// transaction first catches up with the log (CatchUpLog), and recovery of
// interrupted work runs only in a process that opens the vault alone.
// Lock order, in every process: DIR/LOCK (shared, for the process's life),
// then the catalog's write lock (PostgreSQL advisory lock, per write
// transaction), then log/LOCK (per append or refresh, never held while
// waiting for another lock), so no two processes wait on each other.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"
#include "custody/store/vault.h"

namespace custody::ledger {
class CustodyLog;
}

namespace custody::core {

class Custody;

// A module's crash recovery: finishes the work of that module an interrupted
// command left behind when its log entry is durable, and undoes it otherwise.
// Steps are idempotent: a crash during recovery is recovered at the next open.
struct RecoveryStep {
  const char* module = "";
  Status (*run)(Custody& custody) = nullptr;
};

// A custody log entry with its index.
struct LoggedEvent {
  uint64_t index = 0;
  ledger::Event event;
};

struct OpenOptions {
  store::KeyOptions keys;
  // Read-only use (listing, verification): the master key is not needed and
  // nothing can be committed.
  bool without_key = false;
  std::string actor;  // empty: $CUSTODY_ACTOR, else the OS user name
  Env* env = nullptr;
  Clock* clock = nullptr;
  // The modules' recovery steps, run in this order after the vault's own.
  std::vector<RecoveryStep> recovery;
  // Open the log with ledger::LogOptions::repair and, if anything was found,
  // append a log.repair event listing it (log_repair_findings()).
  bool repair_log = false;
};

class Custody {
 public:
  ~Custody();

  // Creates a vault in `dir` and starts its custody log.
  static Result<std::unique_ptr<Custody>> Init(const std::string& dir,
                                               const store::InitOptions& options,
                                               const std::string& actor = "");
  // Opens a vault, unlocks it (unless without_key) and recovers interrupted work.
  static Result<std::unique_ptr<Custody>> Open(const std::string& dir, const OpenOptions& options);

  store::Vault& vault() { return *vault_; }
  const store::Vault& vault() const { return *vault_; }
  store::Catalog& catalog() { return vault_->catalog(); }
  ledger::CustodyLog& log() { return *log_; }
  // With OpenOptions::repair_log: what the repair found (empty: nothing) and
  // the index of the log.repair event that records it.
  const std::vector<std::string>& log_repair_findings() const { return repair_findings_; }
  std::optional<uint64_t> log_repair_index() const { return repair_index_; }
  Env* env() const { return vault_->env(); }
  Clock* clock() const { return vault_->clock(); }
  const std::string& actor() const { return actor_; }
  // Makes `actor` the actor of the events committed from now on (and of the
  // rows that record one, e.g. incident notes); returns the previous actor.
  // For a process that acts for several principals one at a time (custody
  // serve, under its vault mutex); empty is refused (kInvalidArgument).
  Result<std::string> SwapActor(std::string actor);

  // Fills in time and actor (if empty) and appends `event` durably; returns
  // its log index. An operation is committed only if this succeeds.
  Result<uint64_t> Commit(ledger::Event event);
  // The same for several events appended as one batch with one fsync (group
  // commit); returns the first event's index, the others follow in order.
  // kInvalidArgument for an empty batch.
  Result<uint64_t> CommitBatch(std::vector<ledger::Event> events);

  // A shared vault (store::Vault::shared(): several processes write it):
  // run first in every catalog write transaction, under the catalog's write
  // lock. Reads what other processes appended to the custody log
  // (CustodyLog::Refresh) and raises the catalog's id floors past every id
  // the entries not yet looked at name (from the meta row
  // ids_reserved_through_log on; it advances with the transaction), so that
  // an id a crashed writer logged but never committed a row for is given to
  // no other row. Errors: those of the refresh (kDataLoss) and the catalog.
  Status CatchUpLog();
  static constexpr char kIdsReservedThroughKey[] = "ids_reserved_through_log";

  // Absolute path of a vault-relative path.
  std::string VaultPath(const std::string& rel) const;

  // The last kRecoveryWindow entries of the log, newest first: the only ones
  // recovery looks at (an interrupted command appended at most its own few
  // events last). Errors: those of reading or parsing an entry.
  static constexpr uint64_t kRecoveryWindow = 16;
  Result<std::vector<LoggedEvent>> RecentEvents() const;

 private:
  Custody() = default;
  // The vault's step, then `steps`.
  Status Recover(const std::vector<RecoveryStep>& steps);

  std::unique_ptr<store::Vault> vault_;
  std::unique_ptr<ledger::CustodyLog> log_;
  std::vector<std::string> repair_findings_;
  std::optional<uint64_t> repair_index_;
  std::string actor_;
};

// Reads and parses entry `index` of the log.
Result<ledger::Event> ReadLogEvent(const ledger::CustodyLog& log, uint64_t index);

// The default actor: $CUSTODY_ACTOR, else the OS user name.
std::string DefaultActor();

}  // namespace custody::core
