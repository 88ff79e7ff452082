#include "custody/core/vault/custody.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
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
                                                          bool creating, bool repair) {
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
  CUSTODY_ASSIGN_OR_RETURN(c->log_, OpenLog(*c->vault_, true, /*creating=*/true, false));
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
  CUSTODY_ASSIGN_OR_RETURN(
      c->log_, OpenLog(*c->vault_, !options.without_key, false,
                       options.repair_log && !options.without_key));
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
  if (!options.without_key) CUSTODY_RETURN_IF_ERROR(c->Recover(options.recovery));
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

Status Custody::Recover(const std::vector<RecoveryStep>& steps) {
  CUSTODY_RETURN_IF_ERROR(FinishLoggedShreds(*this));
  CUSTODY_RETURN_IF_ERROR(ReserveLoggedIds(*this));
  for (const RecoveryStep& step : steps) {
    Status s = step.run(*this);
    if (!s.ok()) return s.WithPrefix(std::string("recovery (") + step.module + ")");
  }
  return OkStatus();
}

}  // namespace custody::core
