#include "custody/core/match/match_dumps.h"

#include <roaring/roaring64map.hh>

#include <algorithm>
#include <future>

namespace custody::core {
namespace {

int KindRank(sketch::MatchKind k) {
  switch (k) {
    case sketch::MatchKind::kExact: return 2;
    case sketch::MatchKind::kNear: return 1;
    case sketch::MatchKind::kFragment: return 0;
  }
  return 0;
}

struct Ranked {
  MatchSummary::TopEntry entry;
  uint64_t ordinal = 0;
};
// True if a match of `kind` and `similarity` at dump ordinal `ordinal`
// ranks above `b`: exact before near before fragment, then by similarity,
// then the earlier dump record.
bool RanksAbove(sketch::MatchKind kind, double similarity, uint64_t ordinal, const Ranked& b) {
  const int ka = KindRank(kind), kb = KindRank(b.entry.kind);
  if (ka != kb) return ka > kb;
  if (similarity != b.entry.similarity) return similarity > b.entry.similarity;
  return ordinal < b.ordinal;
}
bool Above(const Ranked& a, const Ranked& b) {
  return RanksAbove(a.entry.kind, a.entry.similarity, a.ordinal, b);
}

constexpr size_t kKinds = 3;  // sketch::MatchKind's values

// The vault's indexes, being opened (beside the first reads of the dumps).
using OpeningMatcher = std::shared_future<Result<std::unique_ptr<VaultMatcher>>>;

class MatchWork : public BatchWork {
 public:
  MatchWork(OpeningMatcher opening, const MatchOptions& options, size_t threads,
            MatchSummary* summary)
      : opening_(std::move(opening)), options_(options), summary_(summary), words_(threads),
        results_(ScanSlots(threads)), rendered_(ScanSlots(threads)),
        scored_(options.parts > 1 ? ScanSlots(threads) : 0) {}

  Status Process(size_t worker, size_t slot, const DumpBatch& batch) override {
    const Result<std::unique_ptr<VaultMatcher>>& opened = opening_.get();  // waits, once
    if (!opened.ok()) return opened.status();
    const size_t first = FirstToMatch(batch);
    if (split()) {
      // Scored here, verified on the scanning thread once the other
      // processes' candidates are in (Fold).
      vm().matcher().ScoreBatch(batch.all_fields().subspan(first), 1, &scored_[slot]);
      return OkStatus();
    }
    if (words_[worker] == nullptr) words_[worker] = (*opened)->NewWords();
    auto& results = results_[slot];
    vm().matcher().MatchBatch(batch.all_fields().subspan(first), 1, words_[worker].get(),
                              &results);
    results.insert(results.begin(), first, {});  // the records resumed past
    if (options_.render) Render(slot, batch);
    return OkStatus();
  }

  Status Fold(size_t slot, const DumpBatch& batch) override {
    auto& results = results_[slot];
    if (split()) CUSTODY_RETURN_IF_ERROR(ExchangeAndVerify(slot, batch));
    DumpRecordMatch r;
    for (size_t i = FirstToMatch(batch); i < batch.size(); ++i) {
      Describe(batch, i, results[i], &r);
      if (r.match) {
        Count(r, batch.ordinal(i));
      } else if (summary_->unmatched_sample.size() < options_.unmatched_sample) {
        summary_->unmatched_sample.push_back(batch.Where(i));
      }
      if (options_.on_record) CUSTODY_RETURN_IF_ERROR(options_.on_record(r));
    }
    if (options_.render && options_.on_rendered) {
      CUSTODY_RETURN_IF_ERROR(options_.on_rendered(rendered_[slot]));
    }
    if (options_.on_batch_end) CUSTODY_RETURN_IF_ERROR(options_.on_batch_end(batch.end_ordinal()));
    return OkStatus();
  }

  // A split scan's batch: its candidates go through `exchange`, come back
  // merged (or emptied), and are verified here, on the scanning thread.
  Status ExchangeAndVerify(size_t slot, const DumpBatch& batch) {
    sketch::Matcher::ScoredBatch& scored = scored_[slot];
    const size_t first = FirstToMatch(batch);
    exchanged_.assign(batch.size(), {});
    for (size_t i = first; i < batch.size(); ++i) exchanged_[i] = std::move(scored.candidates(i - first));
    CUSTODY_RETURN_IF_ERROR(options_.exchange(batch, &exchanged_));
    for (size_t i = first; i < batch.size(); ++i) scored.candidates(i - first) = std::move(exchanged_[i]);
    if (fold_words_ == nullptr) fold_words_ = vm().NewWords();
    auto& results = results_[slot];
    vm().matcher().FinishBatch(&scored, 1, fold_words_.get(), &results);
    results.insert(results.begin(), first, {});
    if (options_.render) Render(slot, batch);
    return OkStatus();
  }

  // Renders the results of the batch in `slot` into its text.
  void Render(size_t slot, const DumpBatch& batch) {
    const auto& results = results_[slot];
    std::string& text = rendered_[slot];
    text.clear();
    DumpRecordMatch r;
    for (size_t i = FirstToMatch(batch); i < batch.size(); ++i) {
      Describe(batch, i, results[i], &r);
      options_.render(r, &text);
    }
  }

  void Finish() {
    for (size_t i = 0; i < per_index_.size(); ++i) {
      if (per_index_[i] == 0) continue;
      summary_->by_dataset[vm().version(static_cast<uint32_t>(i)).dataset] += per_index_[i];
    }
    for (size_t k = 0; k < kKinds; ++k) {
      if (per_kind_[k] > 0) {
        summary_->by_kind[std::string(sketch::MatchKindName(static_cast<sketch::MatchKind>(k)))] +=
            per_kind_[k];
      }
    }
    std::sort(best_.begin(), best_.end(), Above);
    for (auto& b : best_) summary_->best.push_back(std::move(b.entry));
    summary_->distinct_records = distinct_.cardinality();
    if (fold_words_ != nullptr) words_.push_back(std::move(fold_words_));
    for (const auto& w : words_) {
      if (w == nullptr) continue;  // a worker that took no batch
      summary_->verification.lookups += w->lookups();
      summary_->verification.prefetched += w->prefetched();
      summary_->verification.block_reads += w->block_reads();
      summary_->verification.segment_reads += w->segment_reads();
      if (summary_->verification_error.ok()) summary_->verification_error = w->first_error();
    }
  }

 private:
  bool split() const { return options_.parts > 1; }

  // The first record of `batch` past MatchOptions::resume_after.
  size_t FirstToMatch(const DumpBatch& batch) const {
    size_t i = 0;
    while (i < batch.size() && batch.ordinal(i) < options_.resume_after) ++i;
    return i;
  }

  // Once a batch was processed, the indexes are open.
  const VaultMatcher& vm() const { return **opening_.get(); }

  // Record `i`'s outcome, from its candidates (best first).
  void Describe(const DumpBatch& batch, size_t i, const std::vector<sketch::MatchResult>& cands,
                DumpRecordMatch* r) const {
    r->source = batch.source(i);
    r->line = batch.line(i);
    r->match.reset();
    r->version = nullptr;
    r->unverified = false;
    if (cands.empty()) return;
    r->match = cands[0];
    r->version = &vm().version(cands[0].index);
    r->unverified = r->version->shredded;
  }

  // Counts a match; the totals per dataset and kind are kept per index
  // file and kind (no map lookup per record) and summed up by Finish.
  void Count(const DumpRecordMatch& r, uint64_t ordinal) {
    const sketch::MatchResult& m = *r.match;
    ++summary_->matched;
    summary_->unverified += r.unverified;
    if (per_index_.size() <= m.index) per_index_.resize(m.index + 1, 0);
    ++per_index_[m.index];
    ++per_kind_[static_cast<size_t>(m.kind)];
    distinct_.add(m.record_id);
    if (options_.top == 0) return;
    // best_ is a heap whose front is the lowest-ranked kept entry; an entry
    // is built only when it is kept.
    const bool full = best_.size() >= options_.top;
    if (full && !RanksAbove(m.kind, m.similarity, ordinal, best_.front())) return;
    Ranked x;
    x.ordinal = ordinal;
    x.entry = {r.source + ":" + std::to_string(r.line), m.record_id, r.version->dataset,
               r.version->version, m.kind, m.similarity, r.unverified};
    if (!full) {
      best_.push_back(std::move(x));
      std::push_heap(best_.begin(), best_.end(), Above);
    } else {
      std::pop_heap(best_.begin(), best_.end(), Above);
      best_.back() = std::move(x);
      std::push_heap(best_.begin(), best_.end(), Above);
    }
  }

  OpeningMatcher opening_;
  const MatchOptions& options_;
  MatchSummary* summary_;
  std::vector<std::unique_ptr<VaultRecordWords>> words_;
  std::vector<std::vector<std::vector<sketch::MatchResult>>> results_;  // per slot
  std::vector<Ranked> best_;
  std::vector<uint64_t> per_index_;  // matches per index file (MatchResult::index)
  uint64_t per_kind_[kKinds] = {};   // matches per sketch::MatchKind
  Roaring64Map distinct_;
  std::vector<std::string> rendered_;  // per slot, with `render`
  // A split scan: per slot, the batch scored and waiting for Fold; the
  // candidates being exchanged; the scanning thread's words.
  std::vector<sketch::Matcher::ScoredBatch> scored_;
  std::vector<std::vector<sketch::ScoredCandidate>> exchanged_;
  std::unique_ptr<VaultRecordWords> fold_words_;
};

}  // namespace

Result<MatchSummary> MatchDumps(Env* env, const MatchPlan& plan, const MatchOptions& options) {
  if (options.dumps.empty()) return InvalidArgumentError("match: expected at least one dump");
  if (options.parts > 1 && !options.exchange) {
    return InvalidArgumentError("match: a scan split in " + std::to_string(options.parts) +
                                " parts needs an exchange of candidates");
  }
  MatchSummary summary;
  summary.threads = ScanThreads(options.scan);
  // With more than one thread, the indexes open (their every entry checked)
  // beside the first reads of the dumps, rather than before them.
  OpeningMatcher opening =
      std::async(summary.threads > 1 ? std::launch::async : std::launch::deferred,
                 [env, &plan, &options, threads = summary.threads] {
                   return VaultMatcher::Open(env, plan, threads, options.part, options.parts);
                 })
          .share();
  MatchWork work(opening, options, summary.threads, &summary);
  const Status scanned = ScanDumpBatches(env, options.dumps, options.scan, &work, &summary.scan);
  // An unusable vault is the error to report, whatever the dumps hold.
  CUSTODY_RETURN_IF_ERROR(opening.get().status());
  CUSTODY_RETURN_IF_ERROR(scanned);
  work.Finish();
  return summary;
}

Result<MatchSummary> MatchDumps(Custody& custody, const MatchOptions& options) {
  if (options.dumps.empty()) return InvalidArgumentError("match: expected at least one dump");
  CUSTODY_ASSIGN_OR_RETURN(MatchPlan plan, PlanMatch(custody));
  return MatchDumps(custody.env(), plan, options);
}

}  // namespace custody::core
