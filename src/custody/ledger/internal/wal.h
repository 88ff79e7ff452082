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

namespace custody::ledger::internal {

struct WalScanResult {
  uint64_t entries = 0;     // entries in intact batches
  uint64_t valid_size = 0;  // bytes up to the end of the last intact batch
  uint64_t file_size = 0;
  // Non-empty if bytes after valid_size are an incomplete (torn) final batch.
  std::string torn_tail;
};

// Calls `on_entry(index, offset_of_entry_bytes, entry)` for each entry of each
// intact batch, in order. A damaged final batch is a torn write: it is
// reported in torn_tail, not an error. A damaged batch followed by more data,
// or batches out of order, is kDataLoss naming the byte offset. A missing file
// is an empty log.
Result<WalScanResult> ScanWal(
    Env* env, const std::string& path,
    const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry);

class WalWriter {
 public:
  // Truncates `path` to `valid_size` (dropping a torn tail) and opens it for
  // appending; writes the header when the file is new.
  static Result<std::unique_ptr<WalWriter>> Open(Env* env, const std::string& path,
                                                 uint64_t valid_size);

  // Appends one batch holding `entries` (indices first_index...) and fsyncs.
  // On failure the writer is unusable (kFailedPrecondition afterwards) and
  // the file is truncated back to its previous size if possible.
  // Fills `offsets` with the file offset of each entry's bytes.
  Status AppendBatch(uint64_t first_index, std::span<const std::string> entries,
                     std::vector<uint64_t>* offsets);

 private:
  WalWriter() = default;
  Env* env_ = nullptr;
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  uint64_t size_ = 0;
  bool broken_ = false;
};

}  // namespace custody::ledger::internal
