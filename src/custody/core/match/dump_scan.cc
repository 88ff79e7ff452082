#include "custody/core/match/dump_scan.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <sched.h>

#include "custody/core/match/version_index.h"
#include "custody/format/canonical_json.h"
#include "custody/format/reader.h"

namespace custody::core {

// ---- VaultMatcher ------------------------------------------------------------

Result<std::unique_ptr<VaultMatcher>> VaultMatcher::Open(Env* env, const MatchPlan& plan,
                                                         size_t threads, size_t part, size_t parts) {
  if (parts == 0 || part >= parts) {
    return InvalidArgumentError("matcher: expected a part below " + std::to_string(parts) +
                                ", found " + std::to_string(part));
  }
  auto vm = std::unique_ptr<VaultMatcher>(new VaultMatcher());
  vm->versions_ = plan.files;
  std::vector<std::string> paths;
  std::vector<uint32_t> positions;
  for (uint32_t i = 0; i < plan.files.size(); ++i) {
    if (i % parts != part) continue;
    positions.push_back(i);
    paths.push_back(plan.files[i].path);
  }
  CUSTODY_ASSIGN_OR_RETURN(vm->matcher_,
                           sketch::Matcher::Open(env, paths, plan.index_key, {}, threads));
  // Matches name files by their position in the plan, whichever part opened them.
  CUSTODY_RETURN_IF_ERROR(vm->matcher_->SetFilePositions(std::move(positions)));
  CUSTODY_ASSIGN_OR_RETURN(vm->store_, VaultWordStore::Open(env, plan));
  return vm;
}

Result<std::unique_ptr<VaultMatcher>> VaultMatcher::Open(Custody& custody, size_t threads) {
  CUSTODY_ASSIGN_OR_RETURN(MatchPlan plan, PlanMatch(custody));
  return Open(custody.env(), plan, threads);
}


std::unique_ptr<VaultRecordWords> VaultMatcher::NewWords() const {
  return std::make_unique<VaultRecordWords>(*store_);
}

// ---- DumpBatch -----------------------------------------------------------------

std::string DumpBatch::Where(size_t i) const { return source(i) + ":" + std::to_string(line(i)); }

std::span<const std::string_view> DumpBatch::fields(size_t i) const { return spans_[i]; }

void DumpBatch::Clear() {
  pending_.clear();
  raw_.clear();
  bad_.clear();
  records_.clear();
  arena_.clear();
  value_ends_.clear();
  views_.clear();
  spans_.clear();
}

void DumpBatch::AddFields(const format::Record& rec) {
  for (const auto& f : rec.text_fields) {
    arena_ += f.value;
    value_ends_.push_back(static_cast<uint32_t>(arena_.size()));
  }
}

void DumpBatch::Add(uint32_t dump, const format::Record& rec) {
  Pending p{dump, rec.deferred, rec.line, 0, 0};
  if (rec.deferred) {
    p.begin = static_cast<uint32_t>(raw_.size());
    raw_ += rec.canonical;
    p.end = static_cast<uint32_t>(raw_.size());
  } else {
    p.begin = static_cast<uint32_t>(value_ends_.size());
    AddFields(rec);
    p.end = static_cast<uint32_t>(value_ends_.size());
  }
  pending_.push_back(p);
}

void DumpBatch::Prepare() {
  thread_local format::JsonCanonicalizer canonicalizer;
  thread_local format::Record rec;
  canonicalizer.set_max_depth(max_json_depth_);
  records_.clear();
  bad_.clear();
  const size_t raw_size = raw_.size();
  raw_.append(format::JsonCanonicalizer::kPadding, ' ');  // read past the last line
  for (size_t k = 0; k < pending_.size(); ++k) {
    const Pending& p = pending_[k];
    Rec r{p.dump, p.line, first_ordinal_ + k, p.begin, p.end};
    if (p.deferred) {
      const std::string_view json(raw_.data() + p.begin, p.end - p.begin);
      Status s = format::ParseDeferredJson(json, &canonicalizer, &rec);
      if (!s.ok()) {
        bad_.push_back({static_cast<uint32_t>(k), p.dump, p.line, s.message()});
        continue;
      }
      r.field_begin = static_cast<uint32_t>(value_ends_.size());
      AddFields(rec);
      r.field_end = static_cast<uint32_t>(value_ends_.size());
    }
    records_.push_back(r);
  }
  raw_.resize(raw_size);
  Seal();
}

std::vector<DumpBatch::Unreadable> DumpBatch::unreadable() const {
  std::vector<Unreadable> out;
  out.reserve(bad_.size());
  for (const Bad& b : bad_) out.push_back({b.at, b.error});
  return out;
}

Status DumpBatch::PrepareAs(const std::vector<Unreadable>& bad) {
  records_.clear();
  bad_.clear();
  size_t next = 0;
  for (size_t k = 0; k < pending_.size(); ++k) {
    const Pending& p = pending_[k];
    if (next < bad.size() && bad[next].at == k) {
      bad_.push_back({static_cast<uint32_t>(k), p.dump, p.line, bad[next].error});
      ++next;
      continue;
    }
    records_.push_back({p.dump, p.line, first_ordinal_ + k, 0, 0});
  }
  if (next != bad.size()) {
    records_.clear();
    bad_.clear();
    return DataLossError("split scan: unreadable records out of order or past the batch's " +
                         std::to_string(pending_.size()));
  }
  value_ends_.clear();
  Seal();
  return OkStatus();
}

void DumpBatch::Seal() {
  views_.resize(value_ends_.size());
  for (size_t i = 0; i < value_ends_.size(); ++i) {
    const uint32_t begin = i == 0 ? 0 : value_ends_[i - 1];
    views_[i] = std::string_view(arena_).substr(begin, value_ends_[i] - begin);
  }
  spans_.resize(records_.size());
  for (size_t i = 0; i < records_.size(); ++i) {
    spans_[i] = std::span<const std::string_view>(views_.data() + records_[i].field_begin,
                                                  records_[i].field_end - records_[i].field_begin);
  }
}

// Text held by one batch before it closes (a record may add up to the
// reader's max_record_bytes, 16 MiB, past it).
constexpr size_t kMaxBatchBytes = size_t{64} << 20;
// Bad records reported per dump (every one is counted).
constexpr size_t kMaxReportedBad = 20;

// Reads the dumps one after another into batches, and accounts for what
// each dump held once its batches are folded.
class DumpBatchFiller {
 public:
  DumpBatchFiller(Env* env, const std::vector<std::string>& dumps, const ScanOptions& options,
                  DumpScanStats* stats)
      : env_(env), dumps_(dumps), options_(options), stats_(stats), state_(dumps.size()) {
    for (const auto& d : dumps_) {
      auto size = env_->GetFileSize(d);
      if (size.ok()) progress_.total_bytes += *size;
    }
  }

  // Fills `batch` with up to batch_records records as read; false when every
  // dump is read.
  Result<bool> Fill(DumpBatch* batch) {
    batch->Clear();
    batch->dumps_ = &dumps_;
    batch->index_ = stats_->batches;
    batch->first_ordinal_ = read_;
    batch->max_json_depth_ = options_.max_json_depth;
    // A batch also closes at kMaxBatchBytes of text, so a dump of huge
    // records keeps memory (and the arena's 32-bit offsets) bounded.
    while (batch->pending_.size() < options_.batch_records &&
           batch->text_bytes() < kMaxBatchBytes) {
      if (!reader_) {
        if (next_dump_ == dumps_.size()) break;
        format::ReadOptions ro;
        ro.skip_bad = true;
        ro.max_reported_bad = kMaxReportedBad;
        ro.defer_json_lines = true;
        ro.max_json_depth = options_.max_json_depth;
        ro.format = options_.format;
        CUSTODY_ASSIGN_OR_RETURN(reader_, format::RecordReader::Open(env_, dumps_[next_dump_], ro));
        current_ = next_dump_++;
        state_[current_].reached = true;
      }
      Result<bool> more = reader_->Next(&rec_);
      if (!more.ok()) {
        // A corrupt stream or an input without records ends this dump.
        state_[current_].problems.push_back({dumps_[current_], 0, more.status().message()});
        EndDump();
        continue;
      }
      if (!*more) {
        EndDump();
        continue;
      }
      ++read_;
      batch->Add(static_cast<uint32_t>(current_), rec_);
    }
    if (options_.progress) {
      if (reader_) progress_.bytes = done_bytes_ + reader_->bytes_read();
      progress_.records = read_;
      options_.progress(progress_);
    }
    if (!batch->pending_.empty()) ++stats_->batches;
    return !batch->pending_.empty();
  }

  // Counts a prepared batch's readable and bad records (in dump order).
  void Account(const DumpBatch& batch) {
    stats_->dump_records += batch.size();
    for (const auto& r : batch.records_) ++state_[r.dump].readable;
    for (const auto& b : batch.bad_) {
      DumpState& d = state_[b.dump];
      ++d.parse_skipped;
      if (d.parse_bad.size() < kMaxReportedBad) d.parse_bad.push_back({dumps_[b.dump], b.line, b.error});
    }
  }

  // After the last batch is accounted: each dump's problems (the first
  // kMaxReportedBad bad records in line order), skipped count, and whether
  // it held no readable record.
  void Finish() {
    for (size_t i = 0; i < state_.size(); ++i) {
      DumpState& d = state_[i];
      if (!d.reached) continue;
      std::vector<DumpProblem>& out = stats_->problems;
      out.insert(out.end(), d.problems.begin(), d.problems.end());
      // Both lists are in line order; a problem without a line (the stream
      // ended) came last.
      auto key = [](const DumpProblem& p) { return p.line == 0 ? UINT64_MAX : p.line; };
      std::vector<DumpProblem> bad = std::move(d.reader_bad);
      const size_t mid = bad.size();
      bad.insert(bad.end(), d.parse_bad.begin(), d.parse_bad.end());
      std::inplace_merge(bad.begin(), bad.begin() + mid, bad.end(),
                         [&](const DumpProblem& a, const DumpProblem& b) { return key(a) < key(b); });
      if (bad.size() > kMaxReportedBad) bad.resize(kMaxReportedBad);
      out.insert(out.end(), bad.begin(), bad.end());
      stats_->skipped += d.reader_skipped + d.parse_skipped;
      if (d.readable == 0) stats_->empty_dumps.push_back(dumps_[i]);
    }
  }

 private:
  struct DumpState {
    bool reached = false;
    std::vector<DumpProblem> problems;    // the reader's errors
    std::vector<DumpProblem> reader_bad;  // bad records the reader found
    uint64_t reader_skipped = 0;
    std::vector<DumpProblem> parse_bad;   // deferred lines that did not parse
    uint64_t parse_skipped = 0;
    uint64_t readable = 0;
  };

  void EndDump() {
    DumpState& d = state_[current_];
    d.reader_skipped = reader_->skipped();
    for (const auto& b : reader_->bad_records()) d.reader_bad.push_back({b.source, b.line, b.what});
    progress_.bytes = done_bytes_ += reader_->bytes_read();
    reader_.reset();
  }

  Env* env_;
  const std::vector<std::string>& dumps_;
  const ScanOptions& options_;
  DumpScanStats* stats_;
  std::vector<DumpState> state_;
  std::unique_ptr<format::RecordReader> reader_;
  size_t next_dump_ = 0, current_ = 0;
  uint64_t read_ = 0, done_bytes_ = 0;
  format::Record rec_;
  ScanProgress progress_;
};

// ---- ScanDumpBatches -----------------------------------------------------------

size_t ScanThreads(const ScanOptions& options) {
  if (options.threads > 0) return options.threads;
  // The cores this process may run on (taskset, cpusets), not all the
  // machine's: more threads than cores only take turns.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<size_t>(CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

size_t ScanSlots(size_t threads) { return threads <= 1 ? 1 : 2 * threads + 1; }

namespace {

// Runs Process on worker threads; the caller fills and folds slots in order.
class WorkerPool {
 public:
  WorkerPool(size_t threads, BatchWork* work, std::vector<DumpBatch>* batches)
      : work_(work), batches_(batches), done_(batches->size(), false),
        status_(batches->size()) {
    for (size_t t = 0; t < threads; ++t) threads_.emplace_back([this, t] { Run(t); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    ready_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(size_t slot) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_[slot] = false;
      queue_.push_back(slot);
    }
    ready_cv_.notify_one();
  }
  // Waits for `slot` to be processed; its Process status.
  Status Wait(size_t slot) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return static_cast<bool>(done_[slot]); });
    return status_[slot];
  }

 private:
  void Run(size_t worker) {
    while (true) {
      size_t slot;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        slot = queue_.front();
        queue_.pop_front();
      }
      (*batches_)[slot].Prepare();
      Status s = work_->Process(worker, slot, (*batches_)[slot]);
      {
        std::lock_guard<std::mutex> lock(mu_);
        status_[slot] = std::move(s);
        done_[slot] = true;
      }
      done_cv_.notify_all();
    }
  }

  BatchWork* work_;
  std::vector<DumpBatch>* batches_;
  std::mutex mu_;
  std::condition_variable ready_cv_, done_cv_;
  std::deque<size_t> queue_;
  std::vector<char> done_;
  std::vector<Status> status_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

Status ScanDumpBatches(Env* env, const std::vector<std::string>& dumps,
                       const ScanOptions& options, BatchWork* work, DumpScanStats* stats) {
  CUSTODY_RETURN_IF_ERROR(format::ValidateJsonDepth(options.max_json_depth));
  const size_t threads = ScanThreads(options);
  std::vector<DumpBatch> batches(ScanSlots(threads));
  DumpBatchFiller filler(env, dumps, options, stats);
  if (options.parts > 1) {
    if (options.part >= options.parts) {
      return InvalidArgumentError("scan: part " + std::to_string(options.part) + " of " +
                                  std::to_string(options.parts));
    }
    std::vector<DumpBatch> round(options.parts);
    while (true) {
      size_t m = 0;
      while (m < round.size()) {
        CUSTODY_ASSIGN_OR_RETURN(bool more, filler.Fill(&round[m]));
        if (!more) break;
        ++m;
      }
      if (m == 0) break;
      if (options.part < m) {
        round[options.part].Prepare();
        CUSTODY_RETURN_IF_ERROR(work->Process(0, options.part, round[options.part]));
      }
      CUSTODY_RETURN_IF_ERROR(work->Exchange(std::span<DumpBatch>(round.data(), m)));
      for (size_t j = 0; j < m; ++j) {
        filler.Account(round[j]);
        CUSTODY_RETURN_IF_ERROR(work->Fold(j, round[j]));
      }
      if (m < round.size()) break;
    }
    filler.Finish();
    return OkStatus();
  }
  if (threads == 1) {
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(bool more, filler.Fill(&batches[0]));
      if (!more) break;
      batches[0].Prepare();
      CUSTODY_RETURN_IF_ERROR(work->Process(0, 0, batches[0]));
      filler.Account(batches[0]);
      CUSTODY_RETURN_IF_ERROR(work->Fold(0, batches[0]));
    }
    filler.Finish();
    return OkStatus();
  }
  WorkerPool pool(threads, work, &batches);
  std::deque<size_t> in_flight;  // slots in dump order
  std::vector<size_t> free_slots;
  for (size_t s = batches.size(); s-- > 0;) free_slots.push_back(s);
  auto fold_oldest = [&]() -> Status {
    const size_t slot = in_flight.front();
    in_flight.pop_front();
    CUSTODY_RETURN_IF_ERROR(pool.Wait(slot));
    filler.Account(batches[slot]);
    CUSTODY_RETURN_IF_ERROR(work->Fold(slot, batches[slot]));
    free_slots.push_back(slot);
    return OkStatus();
  };
  Status status;
  while (status.ok()) {
    if (free_slots.empty()) {
      status = fold_oldest();
      continue;
    }
    const size_t slot = free_slots.back();
    Result<bool> more = filler.Fill(&batches[slot]);
    if (!more.ok()) {
      status = more.status();
      break;
    }
    if (!*more) break;
    free_slots.pop_back();
    in_flight.push_back(slot);
    pool.Submit(slot);
  }
  while (status.ok() && !in_flight.empty()) status = fold_oldest();
  if (status.ok()) filler.Finish();
  // On error, the pool's destructor waits for the batches still in flight.
  while (!in_flight.empty()) {
    pool.Wait(in_flight.front()).IgnoreError();
    in_flight.pop_front();
  }
  return status;
}

namespace {

class SequentialWork : public BatchWork {
 public:
  explicit SequentialWork(const std::function<Status(const DumpBatch&, size_t)>& fn) : fn_(fn) {}
  Status Process(size_t, size_t, const DumpBatch&) override { return OkStatus(); }
  Status Fold(size_t, const DumpBatch& batch) override {
    for (size_t i = 0; i < batch.size(); ++i) CUSTODY_RETURN_IF_ERROR(fn_(batch, i));
    return OkStatus();
  }

 private:
  const std::function<Status(const DumpBatch&, size_t)>& fn_;
};

}  // namespace

Status ForEachDumpRecord(Env* env, const std::vector<std::string>& dumps,
                         const std::function<Status(const DumpBatch&, size_t)>& fn,
                         DumpScanStats* stats) {
  ScanOptions options;
  options.threads = 1;
  SequentialWork work(fn);
  return ScanDumpBatches(env, dumps, options, &work, stats);
}

}  // namespace custody::core
