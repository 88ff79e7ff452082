#include "custody/core/vault/custody.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "custody/core/trace/incident.h"
#include "custody/core/vault/records.h"
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

static Result<std::unique_ptr<ledger::CustodyLog>> OpenLog(store::Vault& vault, bool with_key) {
  std::optional<crypto::SecretBytes> seed;
  if (with_key) {
    CUSTODY_ASSIGN_OR_RETURN(auto s, vault.LogSigningSeed());
    seed = std::move(s);
  }
  return ledger::CustodyLog::Open(vault.env(), vault.log_dir(), vault.config().log_origin,
                                  std::move(seed));
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
  CUSTODY_ASSIGN_OR_RETURN(c->log_, OpenLog(*c->vault_, true));
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
  CUSTODY_ASSIGN_OR_RETURN(c->log_, OpenLog(*c->vault_, !options.without_key));
  if (!options.without_key) CUSTODY_RETURN_IF_ERROR(c->Recover());
  return c;
}

Result<uint64_t> Custody::Commit(ledger::Event event) {
  if (!vault_->has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be committed");
  }
  if (event.time == 0) event.time = clock()->NowMillis();
  if (event.actor.empty()) event.actor = actor_;
  return log_->Append(event);
}

// A crash can leave (a) staging directories, (b) a pending dataset version
// whose log entry may or may not be durable. The vault lock guarantees that
// no other process is mid-ingest.
Status Custody::Recover() {
  Env* e = env();
  std::string records = VaultPath("records");
  if (e->IsDirectory(records)) {
    CUSTODY_ASSIGN_OR_RETURN(auto kids, e->GetChildren(records));
    for (const auto& k : kids) {
      if (k.rfind(".staging-", 0) == 0) CUSTODY_RETURN_IF_ERROR(e->RemoveTree(JoinPath(records, k)));
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto versions, catalog().ListVersions(0, true));
  for (const auto& v : versions) {
    if (v.state != store::VersionState::kPending) continue;
    std::optional<uint64_t> committed_at;
    uint64_t size = log_->size();
    uint64_t from = size > 16 ? size - 16 : 0;
    const std::string subject = "dataset:" + v.dataset + "@v" + std::to_string(v.version);
    for (uint64_t i = size; i > from; --i) {
      CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(*log_, i - 1));
      if (ev.type == ledger::event_type::kIngest && ev.subject == subject &&
          ev.hashes.count("records_root") && ev.hashes.at("records_root") == v.merkle_root) {
        committed_at = i - 1;
        break;
      }
    }
    if (committed_at) {
      CUSTODY_RETURN_IF_ERROR(catalog().CommitVersion(v.id, static_cast<int64_t>(*committed_at)));
    } else {
      CUSTODY_RETURN_IF_ERROR(catalog().DeletePendingVersion(v.id));
      CUSTODY_RETURN_IF_ERROR(e->RemoveTree(VaultPath(v.dir)));
      if (!v.index_file.empty() && e->FileExists(VaultPath(v.index_file))) {
        CUSTODY_RETURN_IF_ERROR(e->RemoveFile(VaultPath(v.index_file)));
      }
    }
  }
  // A shred whose log entry is durable is finished even if the crash came
  // before the key was destroyed.
  uint64_t size = log_->size();
  for (uint64_t i = size > 16 ? size - 16 : 0; i < size; ++i) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(*log_, i));
    if (ev.type != ledger::event_type::kShred || !ev.details.contains("dataset_id")) continue;
    int64_t id = ev.details["dataset_id"].get<int64_t>();
    CUSTODY_ASSIGN_OR_RETURN(auto ds, catalog().FindDataset(ev.details.value("dataset", "")));
    if (ds && ds->id == id && !ds->shredded_at) CUSTODY_RETURN_IF_ERROR(FinishShred(*this, id));
  }
  CUSTODY_RETURN_IF_ERROR(RecoverIncidents(*this));
  // Datasets with no version left (an ingest that never committed) vanish.
  return catalog().DeleteEmptyDatasets().status();
}

}  // namespace custody::core
