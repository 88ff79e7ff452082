#include "custody/ledger/custody_log.h"

#include <algorithm>

#include "custody/crypto/crypto.h"
#include "custody/ledger/internal/wal.h"
#include "custody/ledger/log_format.h"

namespace custody::ledger {
namespace {

std::string DefaultSignerStatePath(Env* env, const std::string& log_dir) {
  std::string keys = JoinPath(DirName(log_dir), "keys");
  if (env->IsDirectory(keys)) return JoinPath(keys, "log-signer-state");
  return JoinPath(log_dir, "signer-state");
}

// The body of a signed note without checking its signature (for readers that
// have no key; `custody log verify` checks signatures).
Result<ledger::Checkpoint> UncheckedCheckpoint(std::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return InvalidArgumentError("checkpoint: not a signed note");
  return ParseCheckpoint(note.substr(0, split + 1));
}

}  // namespace

CustodyLog::~CustodyLog() = default;

Result<std::unique_ptr<CustodyLog>> CustodyLog::Open(Env* env, const std::string& log_dir,
                                                     const std::string& origin,
                                                     std::optional<crypto::SecretBytes> signing_seed,
                                                     LogOptions options) {
  CUSTODY_RETURN_IF_ERROR(ValidateNoteName(origin).WithPrefix("log origin"));
  std::unique_ptr<CustodyLog> log(new CustodyLog());
  log->env_ = env;
  log->dir_ = log_dir;
  log->origin_ = origin;
  log->options_ = std::move(options);
  const bool writable = signing_seed.has_value();
  const std::string wal_path = JoinPath(log_dir, kWalFile);
  const std::string cp_path = JoinPath(log_dir, kCheckpointFile);
  const bool fresh = !env->FileExists(wal_path) && !env->FileExists(cp_path);
  if (log->options_.shared && log->options_.repair) {
    return InvalidArgumentError(log_dir + ": a log repair needs the log to itself, not shared");
  }
  if (writable) {
    CUSTODY_ASSIGN_OR_RETURN(auto pair, crypto::Ed25519FromSeed(*signing_seed));
    log->public_key_ = pair.public_key;
    log->wal_mac_key_ = internal::WalMacKey(*signing_seed);
    log->seed_ = std::move(signing_seed);
    CUSTODY_RETURN_IF_ERROR(env->CreateDirs(log_dir));
    // Shared: held until Open returns (other writers wait), then released.
    CUSTODY_ASSIGN_OR_RETURN(log->lock_,
                             log->options_.shared
                                 ? env->AcquireLock(JoinPath(log_dir, kLockFile), LockMode::kExclusive,
                                                    /*wait=*/true)
                                 : env->LockFile(JoinPath(log_dir, kLockFile)));
    if (log->options_.signer_state_path.empty()) {
      log->options_.signer_state_path = DefaultSignerStatePath(env, log_dir);
    }
    CUSTODY_RETURN_IF_ERROR(log->LoadSignerState());
  }

  // The published checkpoint, if any. A writer never signs over one that
  // does not verify: that is evidence, kept for `log verify`.
  if (env->FileExists(cp_path)) {
    CUSTODY_ASSIGN_OR_RETURN(std::string note, env->ReadFileToString(cp_path));
    Result<ledger::Checkpoint> cp =
        writable ? OpenCheckpoint(note, NoteVerifierKey{origin, NoteKeyId(origin, log->public_key_),
                                                        log->public_key_})
                 : UncheckedCheckpoint(note);
    if (cp.ok()) {
      log->published_size_ = cp->size;
      log->checkpoint_ = note;
    } else if (log->options_.repair) {
      CUSTODY_RETURN_IF_ERROR(log->Quarantine(
          cp_path, "the checkpoint did not verify under the log key (" + cp.status().message() + ")"));
    } else {
      return DataLossError(cp_path + ": expected a checkpoint signed by this vault's log key, found " +
                           cp.status().message() +
                           "; nothing is signed over it (run `custody log verify`, then "
                           "`custody log repair`)");
    }
  } else if (writable && log->signer_last_.has_value()) {
    // Lost with a crash between the signer state and the checkpoint (or
    // deleted): the signer state holds the same signed note.
    log->checkpoint_ = log->signer_note_;
    log->published_size_ = log->signer_last_->size;
    log->repair_note_ = "checkpoint restored from the signer state (size " +
                        std::to_string(log->published_size_) + ")";
  }
  if (writable) CUSTODY_RETURN_IF_ERROR(log->CheckSignerStatePresent(fresh));

  log->tail_start_ =
      log->options_.repair ? 0 : log->published_size_ / kTileWidth * kTileWidth;
  internal::WalScanResult scan;
  CUSTODY_RETURN_IF_ERROR(log->ScanEntries(wal_path, &scan));
  if (writable && scan.version == 1) CUSTODY_RETURN_IF_ERROR(log->UpgradeWalV1(wal_path, &scan));
  log->authenticated_ = writable;
  const uint64_t n = log->tree_.size();
  if (!scan.torn_tail.empty()) {
    log->repaired_bytes_ = scan.file_size - scan.valid_size;
    log->repair_note_ = std::string(writable ? "dropped " : "ignored ") +
                        std::to_string(log->repaired_bytes_) + " bytes of a torn write (" +
                        scan.torn_tail + ")";
  }
  if (log->published_size_ > n) {
    return DataLossError(wal_path + ": expected at least " + std::to_string(log->published_size_) +
                         " entries (the published checkpoint), found " + std::to_string(n) +
                         ": entries lost or the log rolled back");
  }
  if (!log->checkpoint_.empty()) {
    auto cp = UncheckedCheckpoint(log->checkpoint_);
    if (cp.ok() && *log->tree_.RootAt(cp->size) != cp->root) {
      return DataLossError(cp_path + ": root: the checkpoint's root for size " +
                           std::to_string(cp->size) +
                           " does not match the entries of the write-ahead file");
    }
  }
  if (log->signer_last_.has_value()) {
    const auto& last = *log->signer_last_;
    if (last.size > n || *log->tree_.RootAt(last.size) != last.root) {
      return DataLossError(log->options_.signer_state_path + ": the log (" + std::to_string(n) +
                           " entries) is not a consistent extension of the last signed "
                           "checkpoint (size " + std::to_string(last.size) +
                           "): rolled back or rewritten; restore custody.wal from a backup");
    }
  }
  if (writable) {
    if (!log->signer_last_.has_value() && n == 0) {
      // A new log: the signed empty tree is its signer state before the
      // write-ahead file exists, so a crash never leaves entries without one
      // (which a writer refuses, as it would after an attacker deleted it).
      const ledger::Checkpoint empty{log->origin_, 0, EmptyTreeRoot(), {}};
      CUSTODY_ASSIGN_OR_RETURN(std::string note,
                               SignNote(FormatCheckpoint(empty), log->origin_, *log->seed_));
      CUSTODY_RETURN_IF_ERROR(
          env->WriteFileAtomically(log->options_.signer_state_path, note, 0600));
      log->signer_last_ = empty;
      log->signer_note_ = std::move(note);
    }
    CUSTODY_ASSIGN_OR_RETURN(
        log->wal_, internal::WalWriter::Open(env, wal_path, scan.valid_size, *log->wal_mac_key_));
    // Rewrite the rightmost tiles (cheap; restores tiles lost with a crash,
    // refuses tiles that differ) and publish what the checkpoint lacks.
    CUSTODY_RETURN_IF_ERROR(log->WriteTilesLocked(log->tail_start_, log->published_size_));
    if (!env->FileExists(cp_path) && !log->checkpoint_.empty()) {
      CUSTODY_RETURN_IF_ERROR(log->WritePublicFile(kCheckpointFile, log->checkpoint_, false));
    }
    if (log->published_size_ != n || log->checkpoint_.empty()) {
      CUSTODY_RETURN_IF_ERROR(log->PublishLocked());
    }
    if (log->options_.shared) log->lock_.reset();
  }
  return log;
}

Status CustodyLog::CheckSignerStatePresent(bool fresh) {
  if (signer_last_.has_value()) return OkStatus();
  if (fresh && options_.create_if_missing) return OkStatus();  // a new log
  const std::string& path = options_.signer_state_path;
  if (!options_.repair) {
    return DataLossError(path + ": missing: the record of what this log's key last signed is "
                         "gone, so nothing is signed (run `custody log verify`, then "
                         "`custody log repair`)");
  }
  if (!checkpoint_.empty()) {
    auto cp = UncheckedCheckpoint(checkpoint_);  // verified above
    if (!cp.ok()) return cp.status();
    signer_last_ = *cp;
    signer_note_ = checkpoint_;
    CUSTODY_RETURN_IF_ERROR(env_->WriteFileAtomically(path, checkpoint_, 0600));
    findings_.push_back("the signer state was missing; restored from the checkpoint (size " +
                        std::to_string(cp->size) + "), which verifies under the log key");
  } else {
    findings_.push_back("the signer state and the checkpoint were both missing; the entries of "
                        "custody.wal are signed anew (each batch's MAC checked)");
  }
  return OkStatus();
}

Status CustodyLog::ScanEntries(const std::string& wal_path, internal::WalScanResult* scan) {
  tree_ = MerkleTree();
  entry_offsets_.clear();
  entry_lengths_.clear();
  tail_entries_.clear();
  const crypto::SecretBytes* key = wal_mac_key_ ? &*wal_mac_key_ : nullptr;
  CUSTODY_ASSIGN_OR_RETURN(
      *scan, internal::ScanWal(env_, wal_path, key,
                               [this](uint64_t index, uint64_t offset, std::string_view e) {
                                 tree_.AppendLeafHash(HashLeaf(e));
                                 entry_offsets_.push_back(offset);
                                 entry_lengths_.push_back(static_cast<uint32_t>(e.size()));
                                 if (index >= tail_start_) tail_entries_.emplace_back(e);
                               }));
  return OkStatus();
}

// A version 1 file has checksums but no MACs. Entries covered by the last
// signed checkpoint are authenticated by its signature; any after it are
// not, so only an explicit repair upgrades those.
Status CustodyLog::UpgradeWalV1(const std::string& wal_path, internal::WalScanResult* scan) {
  const uint64_t n = tree_.size();
  const uint64_t covered = signer_last_ ? signer_last_->size : 0;
  if (n > covered && !options_.repair) {
    return DataLossError(wal_path + ": a version 1 file (no MACs) with " + std::to_string(n - covered) +
                         " entries after the last signed checkpoint (size " +
                         std::to_string(covered) +
                         "): they cannot be authenticated; check them with `custody log show`, "
                         "then `custody log repair` upgrades the file");
  }
  if (signer_last_ && (signer_last_->size > n || *tree_.RootAt(signer_last_->size) != signer_last_->root)) {
    return OkStatus();  // a rollback: reported by Open, never rewritten
  }
  std::vector<std::string> entries;
  entries.reserve(n);
  CUSTODY_ASSIGN_OR_RETURN(auto mapped, env_->MapFile(wal_path));
  const auto bytes = mapped->data();
  for (uint64_t i = 0; i < n; ++i) {
    entries.emplace_back(reinterpret_cast<const char*>(bytes.data()) + entry_offsets_[i],
                         entry_lengths_[i]);
  }
  mapped.reset();
  CUSTODY_RETURN_IF_ERROR(internal::RewriteWal(env_, wal_path, entries, *wal_mac_key_));
  std::string what = "custody.wal upgraded to version 2 (a MAC on every batch)";
  if (n > covered) {
    what += "; " + std::to_string(n - covered) +
            " entries after the last signed checkpoint were accepted unauthenticated";
  }
  findings_.push_back(what);
  if (repair_note_.empty()) repair_note_ = what;
  return ScanEntries(wal_path, scan);
}

Status CustodyLog::LoadSignerState() {
  const std::string& path = options_.signer_state_path;
  if (!env_->FileExists(path)) return OkStatus();
  CUSTODY_ASSIGN_OR_RETURN(std::string note, env_->ReadFileToString(path));
  auto cp = OpenCheckpoint(note, NoteVerifierKey{origin_, NoteKeyId(origin_, public_key_),
                                                 public_key_});
  if (!cp.ok()) {
    if (options_.repair) {
      return Quarantine(path, "the signer state did not verify under the log key (" +
                                  cp.status().message() + ")");
    }
    return DataLossError(path + ": expected a checkpoint signed by this vault's log key, found " +
                         cp.status().message() + " (run `custody log repair`)");
  }
  signer_last_ = std::move(*cp);
  signer_note_ = std::move(note);
  return OkStatus();
}

Status CustodyLog::Quarantine(const std::string& path, const std::string& why) {
  const std::string qdir = JoinPath(dir_, kQuarantineDir);
  CUSTODY_RETURN_IF_ERROR(env_->CreateDirs(qdir));
  std::string name = BaseName(path);
  std::string rel = path.rfind(dir_ + "/", 0) == 0 ? path.substr(dir_.size() + 1) : name;
  for (char& c : rel) {
    if (c == '/') c = '_';
  }
  std::string dest = JoinPath(qdir, rel);
  for (int i = 1; env_->FileExists(dest); ++i) dest = JoinPath(qdir, rel + "." + std::to_string(i));
  CUSTODY_RETURN_IF_ERROR(env_->RenameFile(path, dest));
  findings_.push_back(why + ": " + path + " moved to " + dest);
  return OkStatus();
}

std::vector<std::string> CustodyLog::repair_findings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return findings_;
}

Result<uint64_t> CustodyLog::Append(const Event& event) {
  return AppendBatch(std::span<const Event>(&event, 1));
}

Result<uint64_t> CustodyLog::AppendBatch(std::span<const Event> events) {
  std::vector<std::string> entries;
  entries.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CUSTODY_ASSIGN_OR_RETURN(std::string e, SerializeEvent(events[i]));
    if (e.size() > kMaxEntrySize) {
      return InvalidArgumentError("event " + std::to_string(i) + ": expected at most 65535 bytes "
                                  "of canonical JSON, found " + std::to_string(e.size()));
    }
    entries.push_back(std::move(e));
  }
  std::lock_guard<std::mutex> lock(mu_);
  return AppendEntriesLocked(std::move(entries));
}

Result<uint64_t> CustodyLog::AppendEntriesLocked(std::vector<std::string> entries) {
  if (!wal_) return FailedPreconditionError(dir_ + ": the log is open read-only");
  std::unique_ptr<FileLock> held;
  if (options_.shared) CUSTODY_RETURN_IF_ERROR(LockSharedLocked(&held));
  const uint64_t first = tree_.size();
  if (entries.empty()) return first;
  std::vector<uint64_t> offsets;
  CUSTODY_RETURN_IF_ERROR(wal_->AppendBatch(first, entries, &offsets));
  // Durable: now visible.
  for (size_t i = 0; i < entries.size(); ++i) {
    tree_.AppendLeafHash(HashLeaf(entries[i]));
    entry_offsets_.push_back(offsets[i]);
    entry_lengths_.push_back(static_cast<uint32_t>(entries[i].size()));
    tail_entries_.push_back(std::move(entries[i]));
  }
  if (options_.publish_on_append) {
    // The entries are committed; a failed publish is retried by the next
    // append or open, and shows in status().
    Status s = PublishLocked();
    if (!s.ok()) repair_note_ = "publish failed: " + s.message();
  }
  return first;
}

Status CustodyLog::Publish() {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<FileLock> held;
  if (options_.shared && seed_) CUSTODY_RETURN_IF_ERROR(LockSharedLocked(&held));
  return PublishLocked();
}

Status CustodyLog::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!options_.shared || !seed_) return OkStatus();
  std::unique_ptr<FileLock> held;
  return LockSharedLocked(&held);
}

Status CustodyLog::LockSharedLocked(std::unique_ptr<FileLock>* held) {
  CUSTODY_RETURN_IF_ERROR(poisoned_);
  CUSTODY_ASSIGN_OR_RETURN(*held, env_->AcquireLock(JoinPath(dir_, kLockFile), LockMode::kExclusive,
                                                    /*wait=*/true));
  Status s = SyncLocked();
  if (s.code() == StatusCode::kDataLoss) poisoned_ = s;
  return s;
}

Status CustodyLog::SyncLocked() {
  const std::string wal_path = JoinPath(dir_, kWalFile);
  const uint64_t known = tree_.size();
  // Collected first: nothing of a scan that fails reaches the tree.
  std::vector<std::pair<uint64_t, std::string>> fresh;
  CUSTODY_ASSIGN_OR_RETURN(
      internal::WalScanResult scan,
      internal::ScanWalFrom(env_, wal_path, &*wal_mac_key_, wal_->size(), known,
                            [&fresh](uint64_t, uint64_t offset, std::string_view e) {
                              fresh.emplace_back(offset, std::string(e));
                            }));
  if (!scan.torn_tail.empty()) {
    // Under the lock no writer is alive: a torn batch is a dead writer's.
    repaired_bytes_ += scan.file_size - scan.valid_size;
    repair_note_ = "dropped " + std::to_string(scan.file_size - scan.valid_size) +
                   " bytes of a torn write by another writer (" + scan.torn_tail + ")";
  }
  CUSTODY_RETURN_IF_ERROR(wal_->Resync(scan.valid_size));
  if (fresh.empty()) return OkStatus();
  for (auto& [offset, e] : fresh) {
    tree_.AppendLeafHash(HashLeaf(e));
    entry_offsets_.push_back(offset);
    entry_lengths_.push_back(static_cast<uint32_t>(e.size()));
    tail_entries_.push_back(std::move(e));
  }
  CUSTODY_RETURN_IF_ERROR(ReloadSignedStateLocked(signer_last_ ? signer_last_->size : 0));
  if (published_size_ != tree_.size()) return PublishLocked();  // its writer died first
  return OkStatus();
}

// What the other writers signed, checked as Open checks it.
Status CustodyLog::ReloadSignedStateLocked(uint64_t signed_before) {
  const uint64_t n = tree_.size();
  signer_last_.reset();
  signer_note_.clear();
  CUSTODY_RETURN_IF_ERROR(LoadSignerState());
  CUSTODY_RETURN_IF_ERROR(CheckSignerStatePresent(/*fresh=*/false));
  const std::string& state = options_.signer_state_path;
  if (!signer_last_ || signer_last_->size < signed_before) {
    return DataLossError(state + ": expected a signed checkpoint of at least " +
                         std::to_string(signed_before) + " entries, found " +
                         (signer_last_ ? std::to_string(signer_last_->size) : std::string("none")) +
                         ": rolled back");
  }
  if (signer_last_->size > n || *tree_.RootAt(signer_last_->size) != signer_last_->root) {
    return DataLossError(state + ": the log (" + std::to_string(n) +
                         " entries) is not a consistent extension of the last signed checkpoint "
                         "(size " + std::to_string(signer_last_->size) + ")");
  }
  const std::string cp_path = JoinPath(dir_, kCheckpointFile);
  uint64_t published = signer_last_->size;
  std::string note = signer_note_;
  if (env_->FileExists(cp_path)) {
    CUSTODY_ASSIGN_OR_RETURN(std::string read, env_->ReadFileToString(cp_path));
    auto cp = OpenCheckpoint(read, NoteVerifierKey{origin_, NoteKeyId(origin_, public_key_), public_key_});
    if (!cp.ok()) {
      return DataLossError(cp_path + ": expected a checkpoint signed by this vault's log key, found " +
                           cp.status().message() + "; nothing is signed over it");
    }
    if (cp->size > n || *tree_.RootAt(cp->size) != cp->root) {
      return DataLossError(cp_path + ": root: the checkpoint's root for size " +
                           std::to_string(cp->size) +
                           " does not match the entries of the write-ahead file");
    }
    published = cp->size;
    note = std::move(read);
  } else {
    CUSTODY_RETURN_IF_ERROR(WritePublicFile(kCheckpointFile, note, false));
  }
  if (published < published_size_) return OkStatus();  // never behind what this process published
  published_size_ = published;
  checkpoint_ = std::move(note);
  const uint64_t new_start = published_size_ / kTileWidth * kTileWidth;
  if (new_start > tail_start_) {
    tail_entries_.erase(tail_entries_.begin(),
                        tail_entries_.begin() + static_cast<ptrdiff_t>(new_start - tail_start_));
    tail_start_ = new_start;
  }
  return OkStatus();
}

Status CustodyLog::PublishLocked() {
  if (!seed_) return FailedPreconditionError(dir_ + ": the log is open read-only");
  const uint64_t n = tree_.size();
  if (n == published_size_ && !checkpoint_.empty()) return OkStatus();
  if (signer_last_.has_value()) {
    const auto& last = *signer_last_;
    if (last.size > n || *tree_.RootAt(last.size) != last.root) {
      return DataLossError("refusing to sign: size " + std::to_string(n) +
                           " is not a consistent extension of the last signed checkpoint (size " +
                           std::to_string(last.size) + ")");
    }
  }
  std::vector<std::string> stale;
  CUSTODY_RETURN_IF_ERROR(WriteTilesLocked(published_size_, n, &stale));
  ledger::Checkpoint c{origin_, n, tree_.Root(), {}};
  CUSTODY_ASSIGN_OR_RETURN(std::string note, SignNote(FormatCheckpoint(c), origin_, *seed_));
  CUSTODY_RETURN_IF_ERROR(env_->WriteFileAtomically(options_.signer_state_path, note, 0600));
  signer_last_ = c;
  signer_note_ = note;
  CUSTODY_RETURN_IF_ERROR(WritePublicFile(kCheckpointFile, note, false));
  checkpoint_ = std::move(note);
  published_size_ = n;
  // Only now: a reader holding the old checkpoint may still fetch these, and
  // a crash before this line leaves them (harmless) rather than a checkpoint
  // whose tiles are gone.
  for (const std::string& rel : stale) env_->RemoveFile(JoinPath(dir_, rel)).IgnoreError();
  const uint64_t new_start = n / kTileWidth * kTileWidth;
  tail_entries_.erase(tail_entries_.begin(),
                      tail_entries_.begin() + static_cast<ptrdiff_t>(new_start - tail_start_));
  tail_start_ = new_start;
  return OkStatus();
}

Status CustodyLog::WriteTilesLocked(uint64_t from_size, uint64_t to_size,
                                    std::vector<std::string>* stale) {
  for (unsigned level = 0;; ++level) {
    const unsigned height = level * kTileHeight;
    if (height >= 64) break;
    const uint64_t c_new = to_size >> height;
    const uint64_t c_old = from_size >> height;
    if (c_new == 0) break;
    // Tiles from the one holding node c_old (rewritten if partial) on.
    uint64_t t = c_old / kTileWidth;
    if (c_old == c_new && c_new % kTileWidth == 0) continue;
    for (; t * kTileWidth < c_new; ++t) {
      const uint64_t begin = t * kTileWidth;
      const uint64_t w = std::min(kTileWidth, c_new - begin);
      std::string data;
      data.reserve(w * crypto::kSha256Size);
      for (uint64_t j = 0; j < w; ++j) {
        const Hash& h = tree_.NodeHash(height, begin + j);
        data.append(reinterpret_cast<const char*>(h.data()), h.size());
      }
      CUSTODY_RETURN_IF_ERROR(WritePublicFile(HashTilePath(level, t, w), data, true));
      const uint64_t old_w = c_old > begin ? c_old - begin : 0;
      const bool stale_partial = old_w > 0 && old_w < kTileWidth && old_w != w;
      if (stale_partial && stale != nullptr) stale->push_back(HashTilePath(level, t, old_w));
      if (level == 0) {
        std::string bundle;
        for (uint64_t j = 0; j < w; ++j) {
          CUSTODY_CHECK(begin + j >= tail_start_);
          const std::string& e = tail_entries_[begin + j - tail_start_];
          bundle.push_back(static_cast<char>(e.size() >> 8));
          bundle.push_back(static_cast<char>(e.size() & 0xFF));
          bundle += e;
        }
        CUSTODY_RETURN_IF_ERROR(WritePublicFile(EntryBundlePath(t, w), bundle, true));
        if (stale_partial && stale != nullptr) stale->push_back(EntryBundlePath(t, old_w));
      }
    }
  }
  return OkStatus();
}

Status CustodyLog::WritePublicFile(const std::string& rel_path, std::string_view data,
                                   bool immutable) {
  const std::string path = JoinPath(dir_, rel_path);
  if (immutable && env_->FileExists(path)) {
    CUSTODY_ASSIGN_OR_RETURN(std::string old, env_->ReadFileToString(path));
    if (old == data) return OkStatus();
    // An empty file is what a crash can leave of an unsynced write.
    if (!old.empty()) {
      if (!options_.repair) {
        return DataLossError(path + ": differs from the entries of custody.wal; kept as evidence "
                             "and nothing is signed (run `custody log verify`, then "
                             "`custody log repair`)");
      }
      CUSTODY_RETURN_IF_ERROR(Quarantine(path, "differed from the entries of custody.wal"));
    }
  }
  const std::string parent = DirName(path);
  if (!made_dirs_.count(parent)) {
    CUSTODY_RETURN_IF_ERROR(env_->CreateDirs(parent));
    made_dirs_.insert(parent);
  }
  // Derived from the write-ahead file, so no fsync: a crash can lose these
  // only if it also loses nothing the WAL cannot regenerate.
  const std::string tmp = path + ".tmp";
  CUSTODY_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(tmp));
  CUSTODY_RETURN_IF_ERROR(f->Append(data));
  CUSTODY_RETURN_IF_ERROR(f->Close());
  return env_->RenameFile(tmp, path);
}

uint64_t CustodyLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.size();
}

Hash CustodyLog::root() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.Root();
}

LogStatus CustodyLog::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  LogStatus s;
  s.size = tree_.size();
  s.root = tree_.Root();
  s.checkpoint_size = published_size_;
  s.checkpoint = checkpoint_;
  s.repaired_bytes = repaired_bytes_;
  s.repair_note = repair_note_;
  s.read_only = !seed_.has_value();
  s.authenticated = authenticated_;
  return s;
}

Result<std::string> CustodyLog::ReadEntry(uint64_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= tree_.size()) {
    return OutOfRangeError("entry " + std::to_string(index) + ": expected an index below " +
                           std::to_string(tree_.size()));
  }
  const uint64_t off = entry_offsets_[index];
  const uint32_t len = entry_lengths_[index];
  auto* self = const_cast<CustodyLog*>(this);
  if (!wal_reader_ || off + len > wal_reader_size_) {
    CUSTODY_ASSIGN_OR_RETURN(self->wal_reader_, env_->NewRandomAccessFile(JoinPath(dir_, kWalFile)));
    self->wal_reader_size_ = wal_reader_->Size();
  }
  std::string out(len, '\0');
  CUSTODY_RETURN_IF_ERROR(wal_reader_->ReadAt(off, len, out.data()));
  return out;
}

Result<Hash> CustodyLog::RootAt(uint64_t tree_size) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.RootAt(tree_size);
}

Result<std::vector<Hash>> CustodyLog::InclusionProof(uint64_t index, uint64_t tree_size) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.InclusionProof(index, tree_size);
}

Result<std::vector<Hash>> CustodyLog::ConsistencyProof(uint64_t old_size,
                                                       uint64_t new_size) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.ConsistencyProof(old_size, new_size);
}

Result<std::string> CustodyLog::Checkpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (checkpoint_.empty()) return NotFoundError(dir_ + ": no checkpoint published yet");
  return checkpoint_;
}

}  // namespace custody::ledger
