#include "custody/core/vault/custody.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"

namespace custody::core {

std::string DefaultActor() {
  if (const char* a = std::getenv("CUSTODY_ACTOR"); a != nullptr && *a != '\0') return a;
  if (struct passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return std::string("user:") + pw->pw_name;
  }
  return "user:" + std::to_string(::geteuid());
}

Custody::~Custody() = default;

std::string Custody::VaultPath(const std::string& rel) const { return JoinPath(vault_->dir(), rel); }

// `creating`: only `custody init` starts a log; every later open requires
// the signer state (ledger::LogOptions::create_if_missing).
static Result<std::unique_ptr<ledger::CustodyLog>> OpenLog(store::Vault& vault, bool with_key,
                                                          bool creating, bool repair,
                                                          bool shared) {
  std::optional<crypto::SecretBytes> seed;
  if (with_key) {
    CUSTODY_ASSIGN_OR_RETURN(auto s, vault.LogSigningSeed());
    // keys/log.pub is what verifiers are handed: it must be this key's.
    CUSTODY_ASSIGN_OR_RETURN(auto pair, crypto::Ed25519FromSeed(s));
    if (pair.public_key != vault.log_public_key()) {
      return DataLossError(JoinPath(vault.keys_dir(), "log.pub") +
                           ": expected the public key of the vault's log signing key, found "
                           "another key (replaced?)");
    }
    seed = std::move(s);
  }
  ledger::LogOptions o;
  o.create_if_missing = creating;
  o.repair = repair;
  o.shared = shared && with_key;
  return ledger::CustodyLog::Open(vault.env(), vault.log_dir(), vault.config().log_origin,
                                  std::move(seed), o);
}

Result<ledger::Event> ReadLogEvent(const ledger::CustodyLog& log, uint64_t index) {
  CUSTODY_ASSIGN_OR_RETURN(std::string entry, log.ReadEntry(index));
  return ledger::ParseEvent(entry);
}

Result<std::unique_ptr<Custody>> Custody::Init(const std::string& dir,
                                               const store::InitOptions& options,
                                               const std::string& actor) {
  auto c = std::unique_ptr<Custody>(new Custody());
  CUSTODY_ASSIGN_OR_RETURN(c->vault_, store::Vault::Create(dir, options));
  c->actor_ = actor.empty() ? DefaultActor() : actor;
  CUSTODY_ASSIGN_OR_RETURN(c->log_, OpenLog(*c->vault_, true, /*creating=*/true, false, false));
  return c;
}

Result<std::unique_ptr<Custody>> Custody::Open(const std::string& dir, const OpenOptions& options) {
  auto c = std::unique_ptr<Custody>(new Custody());
  store::OpenOptions so;
  so.keys = options.keys;
  so.without_key = options.without_key;
  so.env = options.env;
  so.clock = options.clock;
  CUSTODY_ASSIGN_OR_RETURN(c->vault_, store::Vault::Open(dir, so));
  c->actor_ = options.actor.empty() ? DefaultActor() : options.actor;
  const bool shared = c->vault_->shared() && !options.without_key;
  if (shared && options.repair_log && !c->vault_->sole()) {
    return FailedPreconditionError(
        "a log repair needs the vault to itself: another custody process has it open (stop it "
        "first)");
  }
  CUSTODY_ASSIGN_OR_RETURN(
      c->log_, OpenLog(*c->vault_, !options.without_key, false,
                       options.repair_log && !options.without_key,
                       shared && !options.repair_log));
  if (shared) {
    // Every write transaction first reads what other processes appended to
    // the log and reserves the ids it names (Custody::CatchUpLog).
    Custody* self = c.get();
    c->vault_->catalog().SetTransactionHook([self] { return self->CatchUpLog(); });
  }
  if (options.repair_log && !options.without_key) {
    c->repair_findings_ = c->log_->repair_findings();
    if (!c->repair_findings_.empty()) {
      ledger::Event ev;
      ev.type = ledger::event_type::kLogRepair;
      ev.subject = "log:" + c->vault_->config().log_origin;
      ev.details = {{"findings", c->repair_findings_}};
      CUSTODY_ASSIGN_OR_RETURN(uint64_t index, c->Commit(std::move(ev)));
      c->repair_index_ = index;
    }
  }
  if (!options.without_key) {
    CUSTODY_RETURN_IF_ERROR(c->Recover(options.recovery));
    CUSTODY_RETURN_IF_ERROR(c->vault_->ShareLock());
  }
  return c;
}

Result<std::string> Custody::SwapActor(std::string actor) {
  if (actor.empty()) return InvalidArgumentError("actor: expected a name, found ''");
  std::swap(actor, actor_);
  return actor;
}

Result<uint64_t> Custody::Commit(ledger::Event event) {
  if (!vault_->has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be committed");
  }
  if (event.time == Time()) event.time = clock()->Now();
  if (event.actor.empty()) event.actor = actor_;
  return log_->Append(event);
}

Result<uint64_t> Custody::CommitBatch(std::vector<ledger::Event> events) {
  if (!vault_->has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be committed");
  }
  if (events.empty()) return InvalidArgumentError("events: expected at least one event to commit");
  const Time now = clock()->Now();
  for (auto& event : events) {
    if (event.time == Time()) event.time = now;
    if (event.actor.empty()) event.actor = actor_;
  }
  return log_->AppendBatch(events);
}

Result<std::vector<LoggedEvent>> Custody::RecentEvents() const {
  std::vector<LoggedEvent> out;
  const uint64_t size = log_->size();
  const uint64_t from = size > kRecoveryWindow ? size - kRecoveryWindow : 0;
  for (uint64_t i = size; i > from; --i) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(*log_, i - 1));
    out.push_back({i - 1, std::move(ev)});
  }
  return out;
}

namespace {

// The vault's own step: a shred whose log entry is durable is finished even
// if the crash came before the dataset's key was destroyed.
Status FinishLoggedShreds(Custody& c) {
  CUSTODY_ASSIGN_OR_RETURN(auto recent, c.RecentEvents());
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {  // oldest first
    const ledger::Event& ev = it->event;
    if (ev.type != ledger::event_type::kShred || !ev.details.contains("dataset_id") ||
        !ev.details["dataset_id"].is_number_integer()) {
      continue;
    }
    const DatasetId id(ev.details["dataset_id"].get<int64_t>());
    const auto name = ev.details.find("dataset");
    if (name == ev.details.end() || !name->is_string()) continue;
    CUSTODY_ASSIGN_OR_RETURN(auto ds, c.catalog().FindDataset(name->get<std::string>()));
    if (ds && ds->id == id && !ds->shredded_at) CUSTODY_RETURN_IF_ERROR(FinishShred(c, id));
  }
  return OkStatus();
}

// The vault's other step: an event is durable before its rows commit, so a
// crash between the two leaves ids in the log with no row. Raise each
// table's id floor past them: a later row never takes an id the log already
// gave to something else.
Status ReserveLoggedIds(Custody& c) {
  static constexpr std::pair<const char*, const char*> kIdTables[] = {
      {"partner_id", "partners"}, {"member_id", "members"}, {"grant_id", "grants"},
      {"release_id", "releases"}, {"dataset_id", "datasets"}};
  CUSTODY_ASSIGN_OR_RETURN(auto recent, c.RecentEvents());
  for (const LoggedEvent& le : recent) {
    for (const auto& [key, table] : kIdTables) {
      auto it = le.event.details.find(key);
      if (it == le.event.details.end() || !it->is_number_integer()) continue;
      CUSTODY_RETURN_IF_ERROR(c.catalog().ReserveIdsThrough(table, it->get<int64_t>()));
    }
  }
  return OkStatus();
}

}  // namespace

Status Custody::CatchUpLog() {
  CUSTODY_RETURN_IF_ERROR(log_->Refresh());
  static constexpr std::pair<const char*, const char*> kIdTables[] = {
      {"partner_id", "partners"}, {"member_id", "members"}, {"grant_id", "grants"},
      {"release_id", "releases"}, {"dataset_id", "datasets"}};
  const uint64_t size = log_->size();
  CUSTODY_ASSIGN_OR_RETURN(auto cursor, catalog().GetMeta(kIdsReservedThroughKey));
  uint64_t from = size > kRecoveryWindow ? size - kRecoveryWindow : 0;
  if (cursor) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(cursor->c_str(), &end, 10);
    if (end == cursor->c_str() || *end != '\0') {
      return DataLossError(std::string("catalog meta ") + kIdsReservedThroughKey +
                           ": expected a log size, found '" + *cursor + "'");
    }
    from = std::min<uint64_t>(v, size);
  }
  if (from == size) return OkStatus();
  std::map<std::string_view, int64_t> highest;
  for (uint64_t i = from; i < size; ++i) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(*log_, i));
    for (const auto& [key, table] : kIdTables) {
      auto it = ev.details.find(key);
      if (it == ev.details.end() || !it->is_number_integer()) continue;
      int64_t& h = highest[table];
      h = std::max(h, it->get<int64_t>());
    }
  }
  for (const auto& [table, id] : highest) {
    CUSTODY_RETURN_IF_ERROR(catalog().ReserveIdsThrough(table, id));
  }
  return catalog().SetMeta(kIdsReservedThroughKey, std::to_string(size));
}

Status Custody::Recover(const std::vector<RecoveryStep>& steps) {
  if (!vault_->sole()) {
    // Other processes have the vault open: work in flight there looks like
    // a crashed command's, so nothing is finished or undone. The ids a
    // crashed writer logged are reserved, under the catalog's write lock
    // (the floors must never go down), by the transaction's CatchUpLog.
    return catalog().Transaction([] { return OkStatus(); });
  }
  CUSTODY_RETURN_IF_ERROR(FinishLoggedShreds(*this));
  CUSTODY_RETURN_IF_ERROR(ReserveLoggedIds(*this));
  for (const RecoveryStep& step : steps) {
    Status s = step.run(*this);
    if (!s.ok()) return s.WithPrefix(std::string("recovery (") + step.module + ")");
  }
  return OkStatus();
}

}  // namespace custody::core
