// CustodyLog: custody's append-only, signed, tamper-evident event log.
// Every state-changing operation appends one Event (canonical JSON) and is
// committed only once Append returns OK, which happens after the entry is
// durable (fsync of the write-ahead file). The log directory is laid out as
// C2SP tlog-tiles (see log_format.h and docs/formats/log.md) so it can be
// served as static files; checkpoints are C2SP signed notes (Ed25519).
//
// Typical use (a vault):
//   CUSTODY_ASSIGN_OR_RETURN(crypto::SecretBytes seed, vault.LogSigningSeed());
//   CUSTODY_ASSIGN_OR_RETURN(auto log, ledger::CustodyLog::Open(
//       vault.env(), vault.log_dir(), vault.config().log_origin, std::move(seed)));
//   CUSTODY_ASSIGN_OR_RETURN(uint64_t index, log->Append(event));
//
// Thread-safety: all methods may be called from several threads; appends are
// serialized. Writers in several processes: by default one process at a time
// opens a log for writing (it holds the lock file while the log is open);
// with LogOptions::shared, any number may, each taking the lock file for the
// duration of one append or publish and first reading, and checking as
// opening does, what the others appended (Refresh).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/ledger/checkpoint.h"
#include "custody/ledger/event.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {

namespace internal {
class WalWriter;
struct WalScanResult;
}

struct LogOptions {
  // Where the signer remembers the last checkpoint it signed (a signed note;
  // it refuses to sign anything that is not a consistent extension of it).
  // Empty: "<parent of log_dir>/keys/log-signer-state" if that keys directory
  // exists (a vault), else "<log_dir>/signer-state".
  std::string signer_state_path;
  // Write tiles and a signed checkpoint after every append. If false, call
  // Publish() yourself; entries are durable either way.
  bool publish_on_append = true;
  // A writer may start a new log where there is none (no write-ahead file, no
  // checkpoint, no signer state). A vault's log exists from `custody init`
  // on, so a vault opens it with false: a missing signer state is then
  // always an error, never a fresh start.
  bool create_if_missing = true;
  // Repair what can be repaired without losing or inventing history, and say
  // what was found (repair_findings()): a missing or invalid signer state is
  // restored from a checkpoint that verifies (or, with none, the
  // authenticated entries are signed); an invalid checkpoint, tile or bundle
  // is moved to quarantine/ and rewritten; a version 1 write-ahead file is
  // upgraded even past the last signed checkpoint. Never repaired: a
  // rollback, a batch whose MAC fails, damage before the final batch.
  bool repair = false;
  // Several processes write this log (custody serve instances over one vault
  // whose catalog is on PostgreSQL). Open, every append and every publish
  // take `LOCK` (waiting for it) for their own duration only, and before
  // appending read the batches other writers appended since, with the same
  // checks as an open (MACs, index sequence, signer state, checkpoint). A
  // torn final batch found under the lock is a dead writer's: it is dropped.
  // Not with repair (a repair needs the log to itself).
  bool shared = false;
};

struct LogStatus {
  uint64_t size = 0;              // durable entries
  Hash root{};                    // root over all durable entries
  uint64_t checkpoint_size = 0;   // size of the published checkpoint
  std::string checkpoint;         // the published signed checkpoint ("" if none)
  uint64_t repaired_bytes = 0;    // torn-tail bytes dropped (writer) or ignored (reader) at open
  std::string repair_note;        // what was repaired, if anything
  bool read_only = true;
  bool authenticated = false;     // every write-ahead batch's MAC was checked
};

class CustodyLog {
 public:
  ~CustodyLog();
  CustodyLog(const CustodyLog&) = delete;
  CustodyLog& operator=(const CustodyLog&) = delete;

  // Opens the log in `log_dir` (creating it if missing and
  // options.create_if_missing). With `signing_seed` (an Ed25519 seed) the log
  // is writable: every write-ahead batch's MAC is checked (the MAC key is
  // derived from the seed), a torn final write is dropped, and tiles lost
  // with a crash are rewritten. A writer never signs over evidence: an
  // existing checkpoint that does not verify, a tile or bundle that differs
  // from the entries, or a missing signer state is kDataLoss (unless
  // options.repair), and the files are left as they are for `log verify`.
  // Without a seed the log is read-only, MACs are not checked, and a torn
  // tail is ignored, not repaired.
  // Errors: kInvalidArgument for a bad origin (or repair with shared);
  // kUnavailable if another process writes the log (unless shared: then it
  // waits for the lock file); kDataLoss as above, or if the write-ahead file is
  // corrupt other than at its tail, a batch fails its MAC, or the file holds
  // fewer entries than the last signed checkpoint (a rollback).
  static Result<std::unique_ptr<CustodyLog>> Open(Env* env, const std::string& log_dir,
                                                  const std::string& origin,
                                                  std::optional<crypto::SecretBytes> signing_seed,
                                                  LogOptions options = {});

  // Appends `event` durably and returns its index. kInvalidArgument if the
  // event does not serialize or exceeds 65535 bytes; kFailedPrecondition if
  // read-only; any I/O error means the entry is not committed.
  Result<uint64_t> Append(const Event& event);
  // Appends `events` as one batch with one fsync; returns the first index.
  Result<uint64_t> AppendBatch(std::span<const Event> events);
  // Writes tiles and a signed checkpoint for the current size.
  Status Publish();
  // A shared writer (LogOptions::shared): takes the lock file, reads and
  // checks what other writers appended since this process last looked (as
  // opening does), publishes it if they did not, and releases the lock, so
  // that size(), root(), proofs and entries include it. Otherwise OK and
  // nothing is done (no other process writes the log). kDataLoss as Open
  // (a batch failing its MAC or out of sequence, fewer entries than known, a
  // signer state or checkpoint that does not verify or does not match the
  // entries); after a kDataLoss the log refuses to append or sign.
  Status Refresh();

  uint64_t size() const;
  Hash root() const;
  LogStatus status() const;
  const std::string& origin() const { return origin_; }
  const std::string& dir() const { return dir_; }

  // The bytes of entry `index`; kOutOfRange if index >= size().
  Result<std::string> ReadEntry(uint64_t index) const;
  Result<Hash> RootAt(uint64_t tree_size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The latest published signed checkpoint note; kNotFound if none yet.
  Result<std::string> Checkpoint() const;
  // With options.repair: what was found and done, one sentence each; empty
  // if the log needed nothing.
  std::vector<std::string> repair_findings() const;

 private:
  CustodyLog() = default;
  Result<uint64_t> AppendEntriesLocked(std::vector<std::string> entries);
  Status PublishLocked();
  // Shared mode, with mu_ held: takes the lock file into `*held` (waiting)
  // and reads what other writers appended (SyncLocked).
  Status LockSharedLocked(std::unique_ptr<FileLock>* held);
  // With the lock file held: reads and checks the batches after the ones
  // this process knows, then the signer state and checkpoint they left.
  Status SyncLocked();
  Status ReloadSignedStateLocked(uint64_t signed_before);
  // Writes the tiles and bundles of entries [from_size, to_size). The partial
  // tiles they supersede are added to `stale` (if not null): the caller removes
  // them only once a checkpoint of to_size is in place, so a crash in between
  // leaves every tile the old checkpoint needs.
  Status WriteTilesLocked(uint64_t from_size, uint64_t to_size,
                          std::vector<std::string>* stale = nullptr);
  // Immutable files (tiles, bundles) that exist must already hold `data`:
  // a difference is kDataLoss, or with options.repair the old file goes to
  // quarantine/ and a finding is recorded.
  Status WritePublicFile(const std::string& rel_path, std::string_view data, bool immutable);
  Status Quarantine(const std::string& path, const std::string& why);
  Status LoadSignerState();
  Status CheckSignerStatePresent(bool fresh);
  Status ScanEntries(const std::string& wal_path, internal::WalScanResult* scan);
  Status UpgradeWalV1(const std::string& wal_path, internal::WalScanResult* scan);

  mutable std::mutex mu_;
  Env* env_ = nullptr;
  std::string dir_;
  std::string origin_;
  LogOptions options_;
  std::optional<crypto::SecretBytes> seed_;
  std::optional<crypto::SecretBytes> wal_mac_key_;
  std::string signer_note_;  // the signed note in the signer state file
  std::vector<std::string> findings_;
  bool authenticated_ = false;
  std::string public_key_;
  std::unique_ptr<FileLock> lock_;  // held for the log's life, unless options_.shared
  Status poisoned_;                 // a shared refresh found damage: nothing more is signed
  std::unique_ptr<internal::WalWriter> wal_;
  std::unique_ptr<RandomAccessFile> wal_reader_;
  uint64_t wal_reader_size_ = 0;
  MerkleTree tree_;
  std::vector<uint64_t> entry_offsets_;  // byte offset of each entry in the WAL
  std::vector<uint32_t> entry_lengths_;
  // Entries from tail_start_ on (the unpublished tile's worth), for bundles.
  uint64_t tail_start_ = 0;
  std::vector<std::string> tail_entries_;
  uint64_t published_size_ = 0;
  std::string checkpoint_;
  std::optional<ledger::Checkpoint> signer_last_;
  std::set<std::string> made_dirs_;
  uint64_t repaired_bytes_ = 0;
  std::string repair_note_;
};

}  // namespace custody::ledger
