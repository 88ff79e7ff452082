// Matching dumps against the vault: the matcher over every committed dataset
// version's sketch index (shredded ones too: their index reveals no text and
// their released copies are still out), and scans over dump files that hand
// readable dump records, in batches, to worker threads and fold the results
// back in dump order. Used by `custody match` and `custody trace`.
// Thread-safety: VaultMatcher is safe for concurrent use after Open (each
// thread verifies through its own NewWords()); the scans are functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/match/record_words.h"
#include "custody/core/vault/custody.h"
#include "custody/format/canonical_json.h"
#include "custody/format/formats.h"
#include "custody/format/record.h"
#include "custody/sketch/matcher.h"

namespace custody::core {

class VaultMatcher {
 public:
  // Opens the index files of `plan` whose position p has p % parts == part
  // (all of them with the defaults): a process of a scan split over
  // processes matches against its share of the files, and its matches still
  // name a file by its position in the plan. kInvalidArgument unless
  // part < parts; errors of sketch::Matcher::Open and VaultWordStore::Open.
  static Result<std::unique_ptr<VaultMatcher>> Open(Env* env, const MatchPlan& plan,
                                                    size_t threads = 1, size_t part = 0,
                                                    size_t parts = 1);
  // As above over every index file of `custody`'s vault (PlanMatch):
  // kFailedPrecondition if the vault has no indexed dataset version.
  // `custody` is read during Open only.
  static Result<std::unique_ptr<VaultMatcher>> Open(Custody& custody, size_t threads = 1);

  const sketch::Matcher& matcher() const { return *matcher_; }
  // A reader of candidate words for one thread (verification).
  std::unique_ptr<VaultRecordWords> NewWords() const;
  const VaultWordStore& store() const { return *store_; }
  // The dataset version of a match's `index` (a position in the plan).
  const IndexedVersion& version(uint32_t index) const { return versions_.at(index); }
  // Index files in the plan (this matcher opened those of its part).
  size_t file_count() const { return versions_.size(); }
 private:
  VaultMatcher() = default;
  std::vector<IndexedVersion> versions_;  // every file of the plan
  std::unique_ptr<sketch::Matcher> matcher_;
  std::unique_ptr<VaultWordStore> store_;
};

struct DumpProblem {
  std::string source;
  uint64_t line = 0;  // 0: the whole dump (corrupt stream)
  std::string error;
};

struct DumpScanStats {
  uint64_t dump_records = 0;
  uint64_t skipped = 0;  // unreadable records (invalid UTF-8, binary, malformed)
  std::vector<DumpProblem> problems;  // the first few, per dump
  std::vector<std::string> empty_dumps;
  uint64_t batches = 0;
};

// Consecutive records of the dumps: their places and text fields. A batch is
// filled on the scanning thread with records as read; JSONL lines are left
// unparsed there and parsed by Prepare on the worker that processes the
// batch, so reading is not bound to one thread's parsing.
class DumpBatch {
 public:
  // The readable records (after Prepare).
  size_t size() const { return records_.size(); }
  // Position of record `i` among every record the scan read (readable or
  // not, over every dump, 0-based): increasing in dump order.
  uint64_t ordinal(size_t i) const { return records_[i].ordinal; }
  // One past the ordinal of the batch's last record, readable or not: once
  // the batch is folded, every record before it is.
  uint64_t end_ordinal() const { return first_ordinal_ + pending_.size(); }
  const std::string& source(size_t i) const { return (*dumps_)[records_[i].dump]; }
  uint64_t line(size_t i) const { return records_[i].line; }
  // "FILE:LINE" of record `i`.
  std::string Where(size_t i) const;
  // The text field values of record `i` (valid while the batch is).
  std::span<const std::string_view> fields(size_t i) const;
  // Every record's fields, for Matcher::MatchBatch.
  std::span<const sketch::Matcher::Fields> all_fields() const { return spans_; }
  // The batch's place among the scan's batches (0-based).
  uint64_t index() const { return index_; }

  // A record Prepare found unreadable: its place among the batch's records
  // (readable or not) and why.
  struct Unreadable {
    uint32_t at = 0;
    std::string error;
  };
  // After Prepare: the unreadable records, in batch order.
  std::vector<Unreadable> unreadable() const;
  // For a batch another process prepared (a split scan): marks `bad` (in
  // batch order) unreadable and the other records readable, as Prepare
  // would have, but without their fields. kDataLoss if `bad` names a place
  // out of the batch or out of order.
  Status PrepareAs(const std::vector<Unreadable>& bad);

  // Parses the records left unparsed and keeps those that are readable; the
  // others are reported by the scan. The scan calls it (on the worker) before
  // BatchWork::Process; nothing else needs to.
  void Prepare();

 private:
  friend class DumpBatchFiller;
  struct Pending {
    uint32_t dump;
    bool deferred;       // an unparsed JSON line at [begin, end) of raw_
    uint64_t line;
    uint32_t begin, end;  // else: its field values [begin, end) of value_ends_
  };
  struct Rec {
    uint32_t dump;
    uint64_t line;
    uint64_t ordinal;
    uint32_t field_begin, field_end;  // into views_
  };
  struct Bad {
    uint32_t at;  // place among pending_
    uint32_t dump;
    uint64_t line;
    std::string error;
  };
  void Clear();
  void Add(uint32_t dump, const format::Record& rec);
  size_t text_bytes() const { return arena_.size() + raw_.size(); }
  void AddFields(const format::Record& rec);
  void Seal();  // builds views_ and spans_ once the arena stops growing

  const std::vector<std::string>* dumps_ = nullptr;
  uint64_t index_ = 0;
  uint64_t first_ordinal_ = 0;
  size_t max_json_depth_ = format::kMaxJsonDepth;  // for the records left unparsed
  std::vector<Pending> pending_;
  std::string raw_;  // unparsed JSON lines, back to back
  std::vector<Bad> bad_;  // after Prepare: records that did not parse
  std::vector<Rec> records_;
  std::string arena_;
  std::vector<uint32_t> value_ends_;  // per field value, its end in arena_
  std::vector<std::string_view> views_;
  std::vector<sketch::Matcher::Fields> spans_;
};

// Where a scan is: dump bytes read (compressed) out of the total, records.
struct ScanProgress {
  uint64_t bytes = 0;
  uint64_t total_bytes = 0;
  uint64_t records = 0;
};

struct ScanOptions {
  // Worker threads; 0 = one per core the process may run on (its CPU
  // affinity: taskset, cpusets). Results never depend on it.
  size_t threads = 0;
  size_t batch_records = 512;
  // A dump record nested deeper is unreadable (skipped and reported);
  // 1 to format::kMaxJsonDepthLimit, else the scan fails with
  // kInvalidArgument.
  size_t max_json_depth = format::kMaxJsonDepth;
  // Every dump's format; kAuto detects each from its content
  // (docs/formats/inputs.md).
  format::InputFormat format = format::InputFormat::kAuto;
  std::function<void(const ScanProgress&)> progress;
  // A scan split over `parts` processes (custody-mpi scan) that each read
  // every dump: batches go in rounds of `parts` consecutive ones; batch j of
  // a round is prepared and processed by part j alone (JSON is parsed
  // once over all the processes), then every part calls
  // BatchWork::Exchange with the round, in step, before its batches are
  // folded in order. Such a scan runs on the calling thread (`threads` is
  // ignored: one process per core).
  size_t part = 0;
  size_t parts = 1;
};

// The work a scan does on each batch. Process runs on a worker thread, at
// most one call per slot at a time; Fold runs on the scanning thread, once
// per batch, in dump order, after that batch's Process. `slot` < slots()
// names the storage a batch's results live in until folded.
class BatchWork {
 public:
  virtual ~BatchWork() = default;
  virtual Status Process(size_t worker, size_t slot, const DumpBatch& batch) = 0;
  virtual Status Fold(size_t slot, const DumpBatch& batch) = 0;
  // A split scan (ScanOptions::parts > 1): called once per round of batches
  // after this part processed its batch of the round (`round[part]`, if
  // the round has one); slot j holds `round[j]`. The batches of other parts
  // are read but not prepared: Exchange may PrepareAs them before they are
  // accounted and folded.
  virtual Status Exchange(std::span<DumpBatch> round) {
    (void)round;
    return OkStatus();
  }
};

// The slots a scan with `threads` workers uses (for sizing per-slot storage;
// a split scan uses `parts` slots).
size_t ScanSlots(size_t threads);
// The worker count `options.threads` resolves to.
size_t ScanThreads(const ScanOptions& options);

// Reads every dump (format and compression detected from content), skipping
// and reporting unreadable records, in batches of readable records given to
// `work`. Memory is bounded by the batches in flight, whatever the dump size.
// Returns the first error of Process or Fold, or of opening a dump.
Status ScanDumpBatches(Env* env, const std::vector<std::string>& dumps,
                       const ScanOptions& options, BatchWork* work, DumpScanStats* stats);

// ScanDumpBatches on the calling thread alone: `fn(batch, i)` for every
// readable record, in dump order.
Status ForEachDumpRecord(Env* env, const std::vector<std::string>& dumps,
                         const std::function<Status(const DumpBatch&, size_t)>& fn,
                         DumpScanStats* stats);

}  // namespace custody::core
