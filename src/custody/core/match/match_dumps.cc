#include "custody/core/match/match_dumps.h"

#include <roaring/roaring64map.hh>

#include <algorithm>
#include <span>
#include <future>

#include "custody/base/encoding.h"

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

// A part's outcome of its batch in a split scan, as part 0 reads it
// (little-endian): the unreadable records (place, error), then each
// readable record's best match, if any (record id, file position, kind,
// similarity, containment).
void EncodeOutcome(const DumpBatch& batch, const std::vector<std::vector<sketch::MatchResult>>& results,
                   std::string* out) {
  const std::vector<DumpBatch::Unreadable> bad = batch.unreadable();
  PutFixed32(out, static_cast<uint32_t>(bad.size()));
  for (const auto& b : bad) {
    PutFixed32(out, b.at);
    PutFixed32(out, static_cast<uint32_t>(b.error.size()));
    out->append(b.error);
  }
  PutFixed32(out, static_cast<uint32_t>(results.size()));
  for (const auto& cands : results) {
    out->push_back(cands.empty() ? 0 : 1);
    if (cands.empty()) continue;
    const sketch::MatchResult& m = cands[0];
    PutFixed64(out, m.record_id);
    PutFixed32(out, m.index);
    out->push_back(static_cast<char>(m.kind));
    PutDouble(out, m.similarity);
    PutDouble(out, m.containment);
  }
}

// Reads a part's outcome into `batch` (read here, prepared there) and
// `results`. kDataLoss if it is malformed or does not fit the batch.
Status DecodeOutcome(std::string_view in, size_t files, DumpBatch* batch,
                     std::vector<std::vector<sketch::MatchResult>>* results) {
  ByteReader r(in);
  uint32_t n = 0;
  if (!r.U32(&n) || n > r.left() / 8) return DataLossError("malformed unreadable records");
  std::vector<DumpBatch::Unreadable> bad(n);
  for (auto& b : bad) {
    uint32_t len = 0;
    if (!r.U32(&b.at) || !r.U32(&len) || !r.Bytes(len, &b.error)) {
      return DataLossError("malformed unreadable records");
    }
  }
  CUSTODY_RETURN_IF_ERROR(batch->PrepareAs(bad));
  if (!r.U32(&n) || n != batch->size()) {
    return DataLossError("outcomes of " + std::to_string(n) + " records, expected " +
                         std::to_string(batch->size()));
  }
  results->assign(n, {});
  for (auto& cands : *results) {
    uint8_t matched = 0, kind = 0;
    if (!r.U8(&matched) || matched > 1) return DataLossError("a malformed outcome");
    if (matched == 0) continue;
    sketch::MatchResult m;
    if (!r.U64(&m.record_id) || !r.U32(&m.index) || !r.U8(&kind) || !r.Double(&m.similarity) ||
        !r.Double(&m.containment) || m.index >= files || kind > 2) {
      return DataLossError("a malformed outcome");
    }
    m.kind = static_cast<sketch::MatchKind>(kind);
    cands.push_back(m);
  }
  if (!r.done()) return DataLossError("bytes past the last outcome");
  return OkStatus();
}

// The vault's indexes, being opened (beside the first reads of the dumps).
using OpeningMatcher = std::shared_future<Result<std::unique_ptr<VaultMatcher>>>;

class MatchWork : public BatchWork {
 public:
  MatchWork(OpeningMatcher opening, const MatchOptions& options, size_t threads,
            MatchSummary* summary)
      : opening_(std::move(opening)), options_(options), summary_(summary), words_(threads),
        results_(std::max(ScanSlots(threads), options.parts)),
        rendered_(std::max(ScanSlots(threads), options.parts)) {}

  Status Process(size_t worker, size_t slot, const DumpBatch& batch) override {
    const Result<std::unique_ptr<VaultMatcher>>& opened = opening_.get();  // waits, once
    if (!opened.ok()) return opened.status();
    const size_t first = FirstToMatch(batch);
    if (split()) {
      // Settled by key here; the rest in Exchange, with the other parts.
      own_first_ = first;
      vm().matcher().SettleBatch(batch.all_fields().subspan(first), 1, &own_);
      sketch::Matcher::ExportKeys(own_, &own_keys_);
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
    if (split()) {
      if (options_.part != 0) return OkStatus();  // part 0 reports
      if (options_.render) Render(slot, batch);
    }
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

  // A split scan's round (MatchOptions::part), in two exchanges of the
  // same shape: every part's record keys go to every part, each settles
  // exact copies by key on its files and sends them back to the batch's
  // part; then the sketches of the records still open go to every part,
  // each scores them on its files and sends its candidates back. The
  // batch's part verifies them, and the outcomes reach part 0, whose
  // results_[j] then hold batch j's.
  Status Exchange(std::span<DumpBatch> round) override {
    const Result<std::unique_ptr<VaultMatcher>>& opened = opening_.get();
    if (!opened.ok()) return opened.status();
    const size_t me = options_.part, m = round.size();
    const bool mine = me < m;
    const sketch::Matcher& matcher = vm().matcher();
    CUSTODY_RETURN_IF_ERROR(Answer(m, mine ? std::move(own_keys_) : std::string(), "keys",
                                   [&](std::string_view in) { return matcher.SettleKeys(in, 1, &theirs_); }));
    std::string sketches;
    if (mine) {
      matcher.ScoreUnsettled(1, &own_);
      matcher.ExportSketches(&own_, &sketches);
    }
    CUSTODY_RETURN_IF_ERROR(Answer(m, std::move(sketches), "sketches",
                                   [&](std::string_view in) { return matcher.ScoreSketches(in, 1, &theirs_); }));
    std::string outcome;
    if (mine) {
      if (fold_words_ == nullptr) fold_words_ = vm().NewWords();
      matcher.FinishBatch(&own_, 1, fold_words_.get(), &results_[me]);
      results_[me].insert(results_[me].begin(), own_first_, {});  // the records resumed past
      EncodeOutcome(round[me], results_[me], &outcome);
    }
    CUSTODY_ASSIGN_OR_RETURN(std::vector<std::string> outcomes,
                             options_.exchange.gather(std::move(outcome)));
    if (me != 0) return OkStatus();
    CUSTODY_RETURN_IF_ERROR(CheckParts(outcomes, "outcomes"));
    for (size_t j = 1; j < m; ++j) {
      CUSTODY_RETURN_IF_ERROR(DecodeOutcome(outcomes[j], vm().file_count(), &round[j], &results_[j])
                                  .WithPrefix("part " + std::to_string(j) + "'s outcomes"));
    }
    return OkStatus();
  }

  // One exchange of a round: `mine` (this part's batch, if it has one of
  // the `m`) goes to every part; each part reads every other batch's with
  // `read` (into theirs_) and sends the candidates it found back to that
  // batch's part, which merges them into own_.
  Status Answer(size_t m, std::string mine, std::string_view what,
                const std::function<Status(std::string_view)>& read) {
    const size_t parts = options_.parts, me = options_.part;
    CUSTODY_ASSIGN_OR_RETURN(std::vector<std::string> in, options_.exchange.allgather(std::move(mine)));
    CUSTODY_RETURN_IF_ERROR(CheckParts(in, what));
    std::vector<std::string> out(parts);
    for (size_t j = 0; j < m; ++j) {
      if (j == me) continue;
      CUSTODY_RETURN_IF_ERROR(read(in[j]).WithPrefix("part " + std::to_string(j) + "'s " + std::string(what)));
      sketch::Matcher::ExportCandidates(&theirs_, &out[j]);
    }
    in.clear();
    CUSTODY_ASSIGN_OR_RETURN(std::vector<std::string> back, options_.exchange.alltoall(std::move(out)));
    CUSTODY_RETURN_IF_ERROR(CheckParts(back, "candidates"));
    if (me >= m) return OkStatus();
    for (size_t j = 0; j < parts; ++j) {  // parts without a batch of the round answer too
      if (j == me) continue;
      CUSTODY_RETURN_IF_ERROR(sketch::Matcher::MergeCandidates(back[j], 1, vm().file_count(), &own_)
                                  .WithPrefix("part " + std::to_string(j) + "'s candidates"));
    }
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

  // An exchange gave one entry per part.
  Status CheckParts(const std::vector<std::string>& got, std::string_view what) const {
    if (got.size() == options_.parts) return OkStatus();
    return InternalError("split scan: " + std::string(what) + " of " + std::to_string(got.size()) +
                         " parts, expected " + std::to_string(options_.parts));
  }

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
  // A split scan: this part's batch of the round (settled, scored, merged,
  // verified) and its keys; another part's batch being answered here;
  // the words this part verifies with.
  sketch::Matcher::ScoredBatch own_;
  size_t own_first_ = 0;  // records of this part's batch before resume_after
  std::string own_keys_;
  sketch::Matcher::ScoredBatch theirs_;
  std::unique_ptr<VaultRecordWords> fold_words_;
};

}  // namespace

Result<MatchSummary> MatchDumps(Env* env, const MatchPlan& plan, const MatchOptions& options) {
  if (options.dumps.empty()) return InvalidArgumentError("match: expected at least one dump");
  if (options.parts > 1) {
    const auto& x = options.exchange;
    if (!x.allgather || !x.alltoall || !x.gather) {
      return InvalidArgumentError("match: a scan split in " + std::to_string(options.parts) +
                                  " parts needs its exchanges");
    }
  }
  MatchSummary summary;
  summary.threads = options.parts > 1 ? 1 : ScanThreads(options.scan);
  // With more than one thread, the indexes open (their every entry checked)
  // beside the first reads of the dumps, rather than before them.
  OpeningMatcher opening =
      std::async(summary.threads > 1 ? std::launch::async : std::launch::deferred,
                 [env, &plan, &options, threads = ScanThreads(options.scan)] {
                   return VaultMatcher::Open(env, plan, threads, options.part, options.parts);
                 })
          .share();
  MatchWork work(opening, options, summary.threads, &summary);
  ScanOptions scan = options.scan;
  scan.part = options.part;
  scan.parts = options.parts;
  const Status scanned = ScanDumpBatches(env, options.dumps, scan, &work, &summary.scan);
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
