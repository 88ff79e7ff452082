// Custody: the open vault together with its custody log. Every state-changing
// operation goes through Commit(), which appends the operation's event to the
// log and returns only once it is durable. Opening runs crash recovery: a
// dataset version left pending by an interrupted ingest is committed if its
// log entry is durable, and otherwise removed with its files.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "custody/base/status.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"
#include "custody/store/vault.h"

namespace custody::ledger {
class CustodyLog;
}

namespace custody::core {

struct OpenOptions {
  store::KeyOptions keys;
  // Read-only use (listing, verification): the master key is not needed and
  // nothing can be committed.
  bool without_key = false;
  std::string actor;  // empty: $CUSTODY_ACTOR, else the OS user name
  Env* env = nullptr;
  Clock* clock = nullptr;
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
  store::Catalog& catalog() { return vault_->catalog(); }
  ledger::CustodyLog& log() { return *log_; }
  Env* env() const { return vault_->env(); }
  Clock* clock() const { return vault_->clock(); }
  const std::string& actor() const { return actor_; }

  // Fills in time and actor (if empty) and appends `event` durably; returns
  // its log index. An operation is committed only if this succeeds.
  Result<uint64_t> Commit(ledger::Event event);

  // Absolute path of a vault-relative path.
  std::string VaultPath(const std::string& rel) const;

 private:
  Custody() = default;
  Status Recover();

  std::unique_ptr<store::Vault> vault_;
  std::unique_ptr<ledger::CustodyLog> log_;
  std::string actor_;
};

// Reads and parses entry `index` of the log.
Result<ledger::Event> ReadLogEvent(const ledger::CustodyLog& log, uint64_t index);

// The default actor: $CUSTODY_ACTOR, else the OS user name.
std::string DefaultActor();

}  // namespace custody::core
