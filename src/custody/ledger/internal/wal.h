// The custody log's write-ahead file (format in log_format.h): the source of
// truth from which tiles and checkpoints are derived. Each batch is written
// with one write and made durable with one fsync.
// Thread-safety: not thread-safe; CustodyLog serializes access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::ledger::internal {

// The key that authenticates WAL batches: derived from the log signing seed.
crypto::SecretBytes WalMacKey(const crypto::SecretBytes& signing_seed);

struct WalScanResult {
  int version = 2;          // 1: batches carry only a checksum (no MAC)
  bool authenticated = false;  // every batch's MAC was checked (version 2 and a key given)
  uint64_t entries = 0;     // entries in intact batches
  uint64_t valid_size = 0;  // bytes up to the end of the last intact batch
  uint64_t file_size = 0;
  // Non-empty if bytes after valid_size are an incomplete (torn) final batch.
  std::string torn_tail;
};

// Calls `on_entry(index, offset_of_entry_bytes, entry)` for each entry of each
// intact batch, in order. A final batch that is incomplete or fails its
// checksum is a torn write: it is reported in torn_tail, not an error. A
// damaged batch followed by more data, or batches out of order, is kDataLoss
// naming the byte offset. With `mac_key` (version 2 files), a batch whose
// checksum holds but whose MAC does not is kDataLoss wherever it is: it was
// written by someone without the key. A missing file is an empty log.
Result<WalScanResult> ScanWal(
    Env* env, const std::string& path, const crypto::SecretBytes* mac_key,
    const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry);

// Continues a scan of a version 2 file from byte `offset`, the end of the
// intact batches an earlier scan found (its valid_size), where entry
// `first_index` is expected next: the checks and the torn-tail rule of
// ScanWal, for the batches after `offset` only (another writer's appends).
// The result's valid_size and entries count the whole file. kDataLoss if the
// file is now shorter than `offset` (entries lost or rolled back) or is not
// a version 2 file. An `offset` within the header scans the whole file.
Result<WalScanResult> ScanWalFrom(
    Env* env, const std::string& path, const crypto::SecretBytes* mac_key, uint64_t offset,
    uint64_t first_index,
    const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry);

// Replaces the file at `path` by a version 2 file holding `entries` (one batch
// per kRewriteBatch entries) under `mac_key`: temp file, fsync, rename, fsync
// of the directory. Used to upgrade a version 1 file and by repair.
Status RewriteWal(Env* env, const std::string& path, std::span<const std::string> entries,
                  const crypto::SecretBytes& mac_key);

class WalWriter {
 public:
  // Truncates `path` (a version 2 file) to `valid_size` (dropping a torn
  // tail) and opens it for appending; writes the header when the file is new.
  // Batches are authenticated under `mac_key`.
  static Result<std::unique_ptr<WalWriter>> Open(Env* env, const std::string& path,
                                                 uint64_t valid_size,
                                                 const crypto::SecretBytes& mac_key);

  // Appends one batch holding `entries` (indices first_index...) and fsyncs.
  // On failure the writer is unusable (kFailedPrecondition afterwards) and
  // the file is truncated back to its previous size if possible.
  // Fills `offsets` with the file offset of each entry's bytes.
  Status AppendBatch(uint64_t first_index, std::span<const std::string> entries,
                     std::vector<uint64_t>* offsets);
  // Another writer appended (or left a torn batch): the file's intact part
  // now ends at `valid_size`. Truncates what follows it (a torn batch of a
  // writer that died; the caller holds the log's lock, so no writer is
  // alive) and appends from there. kFailedPrecondition after a failed write.
  Status Resync(uint64_t valid_size);
  // The file's size as this writer knows it: the end of its last batch.
  uint64_t size() const { return size_; }

 private:
  WalWriter() = default;
  Env* env_ = nullptr;
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  crypto::SecretBytes mac_key_;
  uint64_t size_ = 0;
  bool broken_ = false;
};

}  // namespace custody::ledger::internal
