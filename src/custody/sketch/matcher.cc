#include "custody/sketch/matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

#include "custody/base/encoding.h"

#include "custody/sketch/exact_compare.h"
#include "custody/sketch/record_words.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/index_format.h"
#include "custody/sketch/internal/index_file.h"
#include "custody/sketch/internal/key_table.h"
#include "custody/sketch/sketcher.h"

namespace custody::sketch {

std::string_view MatchKindName(MatchKind kind) {
  switch (kind) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kNear: return "near";
    case MatchKind::kFragment: return "fragment";
  }
  return "near";
}

namespace {

using internal::IndexFile;

// Candidate flags.
constexpr uint32_t kRecordKeyHit = 1u << 31;   // query text == record text
constexpr uint32_t kWholeIsField = 1u << 30;   // query text == one field of the record
constexpr uint32_t kFieldShift = 20;           // query fields equal to record fields
constexpr uint32_t kHitMask = (1u << kFieldShift) - 1;

using Candidate = MatchCandidate;
using Decision = CandidateDecision;
// A candidate with its estimates and current decision.
using Scored = ScoredCandidate;

// The most candidates scored against the signatures, and compared against
// their real text, per dump record.
constexpr size_t kMaxScored = 12;
constexpr size_t kMaxTextVerified = 4;
// Records one anchor may nominate before it is ignored.
constexpr size_t kMaxPerAnchor = 64;
// Candidates are ranked as one integer when their keys (file << 32 |
// 24-bit ordinal) fit in 32 bits.
constexpr size_t kMaxPackedFiles = 256;

}  // namespace

struct Matcher::Impl {
  std::vector<IndexFile> files;
  std::unique_ptr<Sketcher> sketcher;
  VerifyParams verify;
  uint64_t records = 0;
  CandidateWords* words = nullptr;
  bool keyed = false;  // every file stores its records' key halves (format 3)
  // Per file, its position (SetFilePositions; else its index); per
  // position, the file (kNoFile for positions of other matchers' files).
  std::vector<uint32_t> positions;
  std::vector<uint32_t> file_at;
  static constexpr uint32_t kNoFile = ~uint32_t{0};
  void IdentityPositions() {
    positions.resize(files.size());
    file_at.resize(files.size());
    for (uint32_t i = 0; i < files.size(); ++i) positions[i] = file_at[i] = i;
  }
  // The file a candidate key names (one of this matcher's).
  const IndexFile& FileOf(uint64_t key) const { return files[file_at[key >> 32]]; }

  // One dump record in flight: its sketch and its scored candidates.
  struct Query {
    RecordSketch q;
    size_t fields = 0;
    bool text = false;      // the record has text to match (q.joined, or imported)
    bool sketched = false;  // q's shingles, keys and signature are set
    std::vector<uint32_t> anchor_keys;  // distinct anchor keys of q's shingles
    // Per index file, the anchor buckets' entry ranges (after LoadRanges).
    std::vector<std::vector<uint32_t>> ranges;
    bool ranges_loaded = false;
    RecordWords words;  // q's words, filled when a candidate is compared
    std::vector<Candidate> cands;  // after Collect, until Score
    std::vector<Scored> scored;
    bool settled = false;  // an exact match ends the search (max == 1)
  };
  // Normalizes the query's fields and, when an exact copy may settle it by
  // key, starts loading that key's bucket (MatchBatch normalizes the next
  // record while it arrives).
  void NormalizeQuery(std::span<const std::string_view> fields, size_t max, Query* query) const;
  // Settles an exact copy by key, else sketches the normalized query and
  // starts loading the table buckets it will probe.
  void SketchQuery(size_t max, Query* query) const;
  // The distinct anchor keys of the sketched query's shingles.
  void FindAnchors(Query* query) const;
  // Starts loading the table buckets the sketched query will probe.
  void PrefetchBuckets(const Query& query) const;
  // With every file of format 3: an exact copy settled by its 64-bit
  // fingerprint (table key and stored low half) right after normalization,
  // before its words are hashed; true if settled (max == 1 only).
  bool SettleByKey(Query* query) const;
  // Settles `query` as an exact copy of the first record (by file, then
  // ordinal) under its exact key for which `is_copy` holds; true if found.
  bool SettleOnFirst(Query* query,
                     const std::function<bool(const IndexFile&, uint32_t)>& is_copy) const;
  // Reads the sketched query's anchor buckets and starts loading their
  // entries (MatchBatch does it one record ahead of Collect).
  void LoadRanges(Query* query) const;
  // Collects the sketched query's candidates from the index and starts
  // loading their signatures (MatchBatch does it one record ahead of Score).
  void Collect(size_t max, Query* query) const;
  // Scores the collected candidates against their signatures.
  void Score(size_t max, Query* query) const;
  // Appends the records whose words Finish may read for `query` (a superset).
  void WantedWords(const Query& query, std::vector<uint64_t>* ids) const;
  // Verifies with words where needed and sets `*results` (best first).
  void Finish(Query* query, size_t max, CandidateWords* words,
              std::vector<MatchResult>* results) const;
  // With a format-2 file: an exact copy (the same fingerprint's high half,
  // signature and shingle count) settled from the exact table alone, before
  // any anchor lookup; true if `query` was settled so.
  bool SettleExact(Query* query) const;
  void CollectCandidates(const Query& query, std::vector<Candidate>* cands) const;
  Decision EstimateDecision(const Scored& s, const RecordSketch& q) const;
  void VerifyWithWords(Query* query, CandidateWords* words) const;
  static Status FinishOpen(Impl* impl, const crypto::SecretBytes& key, const VerifyParams& verify);
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

Result<std::unique_ptr<Matcher>> Matcher::Open(Env* env, const std::vector<std::string>& paths,
                                               const crypto::SecretBytes& index_key,
                                               const VerifyParams& verify, size_t threads) {
  auto impl = std::make_unique<Impl>();
  CUSTODY_ASSIGN_OR_RETURN(auto sketcher, Sketcher::Create(index_key, SketchParams{}, verify));
  for (const std::string& path : paths) {
    IndexFile f;
    f.name = path;
    if (!env->FileExists(path)) return NotFoundError(path + ": no such index file");
    CUSTODY_ASSIGN_OR_RETURN(f.mapping, env->MapFile(path));
    CUSTODY_RETURN_IF_ERROR(
        internal::ParseIndex(&f, f.mapping->data(), sketcher->key_check(), threads));
    impl->files.push_back(std::move(f));
  }
  CUSTODY_RETURN_IF_ERROR(Impl::FinishOpen(impl.get(), index_key, verify));
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Result<std::unique_ptr<Matcher>> Matcher::FromBuffers(std::vector<std::string> files,
                                                      const crypto::SecretBytes& index_key,
                                                      const VerifyParams& verify) {
  auto impl = std::make_unique<Impl>();
  CUSTODY_ASSIGN_OR_RETURN(auto sketcher, Sketcher::Create(index_key, SketchParams{}, verify));
  impl->files.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    impl->files.emplace_back();
    IndexFile& f = impl->files.back();
    f.name = "<buffer " + std::to_string(i) + ">";
    f.owned = std::move(files[i]);
    std::span<const std::byte> data(reinterpret_cast<const std::byte*>(f.owned.data()),
                                    f.owned.size());
    CUSTODY_RETURN_IF_ERROR(internal::ParseIndex(&f, data, sketcher->key_check()));
  }
  CUSTODY_RETURN_IF_ERROR(Impl::FinishOpen(impl.get(), index_key, verify));
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Status Matcher::Impl::FinishOpen(Impl* impl, const crypto::SecretBytes& key,
                                 const VerifyParams& verify) {
  SketchParams params;
  if (!impl->files.empty()) params = impl->files[0].params;
  for (const IndexFile& f : impl->files) {
    if (!(f.params == params)) {
      return InvalidArgumentError(f.name + ": sketch parameters differ from " +
                                  impl->files[0].name);
    }
    impl->records += f.n;
  }
  impl->IdentityPositions();
  impl->keyed = !impl->files.empty();
  for (const IndexFile& f : impl->files) impl->keyed = impl->keyed && f.key_lo != nullptr;
  CUSTODY_ASSIGN_OR_RETURN(impl->sketcher, Sketcher::Create(key, params, verify));
  impl->verify = verify;
  return OkStatus();
}

bool Matcher::Impl::SettleOnFirst(Query* query,
                                  const std::function<bool(const IndexFile&, uint32_t)>& is_copy) const {
  const uint32_t key = ExactKey(query->q.record_key);
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    const IndexFile& f = files[fi];
    bool found = false;
    uint32_t ord = 0;
    f.exact.Lookup(key, [&](uint32_t o) {
      if (!found && is_copy(f, o)) {
        found = true;
        ord = o;
      }
    });
    if (!found) continue;
    Scored s;
    s.c = {uint64_t{positions[fi]} << 32 | ord, kRecordKeyHit};
    s.decision = Decision::kExact;
    s.rank = 10;
    s.j = 1;
    s.r.record_id = f.RecordId(ord);
    s.r.index = positions[fi];
    s.r.kind = MatchKind::kExact;
    s.r.similarity = 1;
    s.r.containment = 1;
    query->scored.assign(1, s);
    query->settled = true;
    return true;
  }
  return false;
}

bool Matcher::Impl::SettleExact(Query* query) const {
  const RecordSketch& q = query->q;
  const SketchParams& p = sketcher->params();
  return SettleOnFirst(query, [&](const IndexFile& f, uint32_t o) {
    const uint8_t* sig = f.sigs + static_cast<size_t>(o) * p.sig_bytes();
    return f.counts[o] == q.shingle_count && SignatureMatches(q.sig.data(), sig, p) == p.bins();
  });
}

bool Matcher::Impl::SettleByKey(Query* query) const {
  const uint32_t low = static_cast<uint32_t>(query->q.record_key);
  return SettleOnFirst(query, [&](const IndexFile& f, uint32_t o) { return f.key_lo[o] == low; });
}

void Matcher::Impl::NormalizeQuery(std::span<const std::string_view> fields, size_t max,
                                    Query* query) const {
  RecordSketch& q = query->q;
  query->fields = fields.size();
  query->scored.clear();
  query->settled = false;
  query->ranges_loaded = false;
  query->anchor_keys.clear();
  query->sketched = false;
  sketcher->NormalizeFields(fields, &q);
  query->text = !q.joined.empty();
  if (!query->text || max != 1 || !keyed) return;
  for (const IndexFile& f : files) f.exact.PrefetchBucket(ExactKey(q.record_key));
}

void Matcher::Impl::SketchQuery(size_t max, Query* query) const {
  RecordSketch& q = query->q;
  if (!query->text || files.empty()) return;
  if (max == 1 && keyed && SettleByKey(query)) return;
  sketcher->SketchJoined(&q);
  query->sketched = true;
  FindAnchors(query);
  PrefetchBuckets(*query);
}

void Matcher::Impl::FindAnchors(Query* query) const {
  const RecordSketch& q = query->q;
  query->anchor_keys.clear();
  if (q.words >= verify.min_words) {
    thread_local std::vector<uint32_t> seen;
    // Each distinct shingle votes once: a phrase the dump record repeats
    // ("inches per hour" five times) must not outvote the record's anchors.
    // Keys are never 0, so a zeroed open-addressing set dedups them.
    size_t cap = 64;
    while (cap < 2 * q.shingles.size()) cap <<= 1;
    seen.assign(cap, 0);
    for (uint64_t h : q.shingles) {
      const uint32_t k = AnchorKey(h);
      size_t i = (k * 0x9E3779B1u) & (cap - 1);
      while (seen[i] != 0 && seen[i] != k) i = (i + 1) & (cap - 1);
      if (seen[i] == k) continue;
      seen[i] = k;
      query->anchor_keys.push_back(k);
    }
  }
}

void Matcher::Impl::PrefetchBuckets(const Query& query) const {
  const RecordSketch& q = query.q;
  for (const IndexFile& f : files) {
    f.exact.PrefetchBucket(ExactKey(q.record_key));
    f.exact.PrefetchBucket(ExactKey(Sketcher::FieldTag(q.record_key)));
    for (uint64_t fk : q.field_keys) f.exact.PrefetchBucket(ExactKey(fk));
    for (uint32_t k : query.anchor_keys) f.anchors.PrefetchBucket(k);
  }
}

void Matcher::Impl::LoadRanges(Query* query) const {
  query->ranges.resize(files.size());
  for (size_t fi = 0; fi < files.size(); ++fi) {
    files[fi].anchors.Ranges(query->anchor_keys, &query->ranges[fi]);
  }
  query->ranges_loaded = true;
}

void Matcher::Impl::CollectCandidates(const Query& query, std::vector<Candidate>* cands) const {
  const RecordSketch& q = query.q;
  cands->clear();
  const uint32_t record_key = ExactKey(q.record_key);
  const uint32_t whole_as_field = ExactKey(Sketcher::FieldTag(q.record_key));
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    const IndexFile& f = files[fi];
    const uint64_t hi = uint64_t{positions[fi]} << 32;
    f.exact.Lookup(record_key, [&](uint32_t o) { cands->push_back({hi | o, kRecordKeyHit}); });
    f.exact.Lookup(whole_as_field, [&](uint32_t o) { cands->push_back({hi | o, kWholeIsField}); });
    for (uint64_t fk : q.field_keys) {
      // A field shared by many records (a stock prompt) cannot single one out.
      if (f.exact.Count(ExactKey(fk)) > kMaxPerAnchor) continue;
      f.exact.Lookup(ExactKey(fk), [&](uint32_t o) { cands->push_back({hi | o, 1u << kFieldShift}); });
    }
    if (!query.anchor_keys.empty()) {
      // An anchor shared by many records (a stock phrase the builder could
      // not avoid) says little: skip it rather than flood the candidates.
      auto add = [&](size_t, uint32_t o) { cands->push_back({hi | o, 1}); };
      if (query.ranges_loaded) {
        f.anchors.LookupRanges(query.anchor_keys, query.ranges[fi], kMaxPerAnchor, add);
      } else {
        thread_local std::vector<uint32_t> ranges;
        f.anchors.LookupMany(query.anchor_keys, kMaxPerAnchor, &ranges, add);
      }
    }
  }
  if (cands->empty()) return;
  // Merge per record in an open-addressing table (linear in the entries).
  // The table is all empty between calls: the slots a call fills are listed
  // and emptied again, so neither clearing nor compacting walks the table.
  std::vector<Candidate>& cs = *cands;
  constexpr uint64_t kEmpty = ~uint64_t{0};
  thread_local std::vector<Candidate> table;
  thread_local std::vector<uint32_t> used;  // filled slots, in filling order
  size_t cap = 64;
  while (cap < 2 * cs.size()) cap <<= 1;
  if (table.size() < cap) table.resize(cap, Candidate{kEmpty, 0});
  const size_t mask = cap - 1;
  used.clear();
  for (const Candidate& c : cs) {
    size_t i = static_cast<size_t>((c.key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (table[i].key != kEmpty && table[i].key != c.key) i = (i + 1) & mask;
    Candidate& t = table[i];
    if (t.key == kEmpty) {
      t = c;
      used.push_back(static_cast<uint32_t>(i));
      continue;
    }
    const uint32_t hits = std::min<uint32_t>((t.info & kHitMask) + (c.info & kHitMask), kHitMask);
    const uint32_t fields_hit =
        std::min<uint32_t>(((t.info >> kFieldShift) & 0x3FF) + ((c.info >> kFieldShift) & 0x3FF),
                           0x3FF);
    const uint32_t flags = (t.info | c.info) & (kRecordKeyHit | kWholeIsField);
    t.info = flags | (fields_hit << kFieldShift) | hits;
  }
  const size_t w = used.size();
  if (w <= kMaxScored) {
    // All of them, in table order (as a walk over the table finds them).
    std::sort(used.begin(), used.end());
    cs.resize(w);
    for (size_t k = 0; k < w; ++k) cs[k] = table[used[k]];
  } else if (file_at.size() > kMaxPackedFiles) {  // positions, not just this matcher's files
    // The strongest kMaxScored, strongest first: exact flags first, then by
    // anchor hits, then the lower key.
    cs.resize(w);
    for (size_t k = 0; k < w; ++k) cs[k] = table[used[k]];
    std::partial_sort(cs.begin(), cs.begin() + kMaxScored, cs.end(),
                      [](const Candidate& a, const Candidate& b) {
                        if (a.info != b.info) return a.info > b.info;
                        return a.key < b.key;
                      });
    cs.resize(kMaxScored);
  } else {
    // The same, with each candidate ranked as one integer (the ordinals of
    // up to 256 files fit in 32 bits): its info, then its key reversed, so
    // the larger rank is the stronger candidate. The kept ranks form a
    // sorted list that a candidate enters through a min/max network: few
    // get past the weakest kept one, and those move the rest without
    // branches (a partial sort's comparisons are coin tosses here).
    uint64_t top[kMaxScored] = {};  // every rank is above 0 (info > 0)
    for (uint32_t slot : used) {
      const Candidate& t = table[slot];
      const uint32_t packed = static_cast<uint32_t>((t.key >> 32) << 24 | (t.key & 0xFFFFFF));
      const uint64_t x = uint64_t{t.info} << 32 | (0xFFFFFFFFu - packed);
      if (x <= top[kMaxScored - 1]) continue;
      for (size_t j = kMaxScored - 1; j > 0; --j) {
        top[j] = std::max(top[j], std::min(top[j - 1], x));
      }
      top[0] = std::max(top[0], x);
    }
    cs.resize(kMaxScored);
    for (size_t j = 0; j < kMaxScored; ++j) {
      const uint32_t packed = 0xFFFFFFFFu - static_cast<uint32_t>(top[j]);
      cs[j] = {uint64_t{packed >> 24} << 32 | (packed & 0xFFFFFF),
               static_cast<uint32_t>(top[j] >> 32)};
    }
  }
  for (uint32_t slot : used) table[slot].key = kEmpty;
}

Decision Matcher::Impl::EstimateDecision(const Scored& s, const RecordSketch& q) const {
  const double nq = q.shingle_count;
  if ((s.c.info & kWholeIsField) && s.j >= 0.1 && s.cont >= 0.5) {
    return Decision::kFragment;  // the dump record is one whole field
  }
  if (q.words < verify.min_words) return Decision::kReject;
  if (s.j >= verify.min_jaccard || (s.kept >= verify.min_kept && s.j >= 0.3)) {
    return Decision::kNear;
  }
  if (s.j >= verify.fragment_min_jaccard && s.cont >= verify.fragment_containment &&
      nq * 1.25 <= s.na) {
    return Decision::kFragment;
  }
  return Decision::kReject;
}

bool Plausible(const Scored& s, const VerifyParams& verify) {
  return s.decision != Decision::kReject || s.j >= verify.text_min_jaccard ||
         s.cont >= verify.text_min_containment;
}

void Matcher::Impl::WantedWords(const Query& query, std::vector<uint64_t>* ids) const {
  if (query.settled) return;
  // Mirrors VerifyWithWords: nothing when an exact fingerprint settled the
  // query or one candidate stands clear; else every whole-field hint and the
  // most similar plausible candidates (enough to cover those the hints may
  // displace, and those whose words turn out to be missing are not re-asked).
  size_t whole = 0;
  thread_local std::vector<const Scored*> order;
  order.clear();
  for (const Scored& s : query.scored) {
    if (s.decision == Decision::kExact) return;
    if (s.c.info & kWholeIsField) {
      ++whole;
      ids->push_back(s.r.record_id);
    } else {
      order.push_back(&s);
    }
  }
  std::sort(order.begin(), order.end(), [](const Scored* a, const Scored* b) {
    if (a->j != b->j) return a->j > b->j;
    return a->c.key < b->c.key;
  });
  if (whole == 0 && !order.empty()) {
    const double second = order.size() > 1 ? order[1]->j : 0.0;
    if (order[0]->decision == Decision::kNear && order[0]->j >= verify.confident_jaccard &&
        second <= order[0]->j - verify.confident_margin) {
      return;
    }
  }
  size_t wanted = 0;
  for (const Scored* s : order) {
    if (wanted == kMaxTextVerified + whole) break;
    if (!Plausible(*s, verify)) continue;
    ids->push_back(s->r.record_id);
    ++wanted;
  }
}

void Matcher::Impl::VerifyWithWords(Query* query, CandidateWords* words) const {
  // Which candidates the estimate cannot settle: any plausible one, unless a
  // single candidate stands far above the rest (no sibling competes).
  thread_local std::vector<Scored*> order;
  thread_local RecordWords rec;
  thread_local CompareScratch scratch;
  const RecordSketch& q = query->q;
  std::vector<Scored>* scored = &query->scored;
  order.clear();
  for (Scored& s : *scored) {
    if (s.decision == Decision::kExact) return;  // exact fingerprint: settled
  }
  const uint64_t whole_as_field = Sketcher::FieldTag(q.record_key);
  for (Scored& s : *scored) {
    if (s.c.info & kWholeIsField) {
      // The index keeps 32-bit keys with an 8-bit check, so a whole-field hit
      // is only a hint: confirm it against the record's 64-bit field
      // fingerprints, else judge the candidate like any other.
      if (words->Words(s.r.record_id, &rec).ok()) {
        const bool confirmed = std::find(rec.field_keys.begin(), rec.field_keys.end(),
                                         whole_as_field) != rec.field_keys.end();
        if (confirmed) {
          s.text_verified = true;
          continue;  // one whole field: settled
        }
        s.c.info &= ~kWholeIsField;
        s.decision = EstimateDecision(s, q);
        s.rank = std::max(s.j, s.decision == Decision::kFragment ? s.cont * 0.5 : 0.0);
      } else {
        continue;  // no words to compare: keep the estimate
      }
    }
    order.push_back(&s);
  }
  std::sort(order.begin(), order.end(), [](const Scored* a, const Scored* b) {
    if (a->j != b->j) return a->j > b->j;
    return a->c.key < b->c.key;
  });
  if (order.empty()) return;
  const double second = order.size() > 1 ? order[1]->j : 0.0;
  if (order[0]->decision == Decision::kNear && order[0]->j >= verify.confident_jaccard &&
      second <= order[0]->j - verify.confident_margin) {
    return;
  }
  bool have_query_words = false;
  size_t verified = 0;
  for (Scored* s : order) {
    if (verified == kMaxTextVerified) {
      // Not compared: keep only clear estimate decisions.
      if (s->j < verify.confident_jaccard) s->decision = Decision::kReject;
      continue;
    }
    if (!Plausible(*s, verify)) continue;
    if (!words->Words(s->r.record_id, &rec).ok()) continue;  // fall back to the estimate
    ++verified;
    if (!have_query_words) {
      WordsFromSketch(q, &query->words);
      have_query_words = true;
    }
    const ExactSimilarity e =
        CompareWords(query->words, rec, sketcher->params().shingle_words, &scratch);
    s->text_verified = true;
    s->r.similarity = e.jaccard;
    s->r.containment = e.containment;
    if (e.lcs == e.dump_words && e.dump_words == e.record_words && e.lcs > 0) {
      s->decision = Decision::kExact;  // the same words (fields perhaps reordered)
      s->r.kind = MatchKind::kExact;
      s->r.similarity = 1;
      s->r.containment = 1;
      s->rank = 10;
      continue;
    }
    if (e.jaccard >= verify.min_jaccard || e.aligned() >= verify.min_aligned) {
      s->decision = Decision::kNear;
    } else if (e.dump_words >= verify.fragment_min_words &&
               e.dump_words <= verify.fragment_max_share * e.record_words &&
               e.aligned_dump() >= verify.fragment_aligned &&
               e.containment >= verify.fragment_text_containment) {
      s->decision = Decision::kFragment;
    } else {
      s->decision = Decision::kReject;
    }
    s->rank = 2 + static_cast<double>(e.lcs) / (e.dump_words + 1.0) + 1e-3 * e.jaccard;
  }
}

void Matcher::Impl::Collect(size_t max, Query* query) const {
  std::vector<Candidate>& cands = query->cands;
  cands.clear();
  if (query->settled || !query->text || !query->sketched || files.empty()) return;
  // With key halves, SettleByKey already answered: a high-half hit whose
  // low half differs is another text.
  if (max == 1 && !keyed && SettleExact(query)) return;
  CollectCandidates(*query, &cands);
  const SketchParams& p = sketcher->params();
  for (const Candidate& c : cands) {  // their signatures are cache misses: overlap them
    const IndexFile& f = FileOf(c.key);
    const uint32_t ord = static_cast<uint32_t>(c.key);
    __builtin_prefetch(f.sigs + static_cast<size_t>(ord) * p.sig_bytes());
    __builtin_prefetch(f.filled + static_cast<size_t>(ord) * p.filled_bytes());
    __builtin_prefetch(f.counts + ord);
  }
}

void Matcher::Impl::Score(size_t max, Query* query) const {
  RecordSketch& q = query->q;
  std::vector<Scored>& scored = query->scored;
  const std::vector<Candidate>& cands = query->cands;
  if (query->settled) return;
  const SketchParams& p = sketcher->params();
  const double nq = q.shingle_count;
  for (const Candidate& c : cands) {
    const IndexFile& f = FileOf(c.key);
    const uint32_t ord = static_cast<uint32_t>(c.key);
    const uint8_t* sig = f.sigs + static_cast<size_t>(ord) * p.sig_bytes();
    const uint8_t* filled = f.filled + static_cast<size_t>(ord) * p.filled_bytes();
    Scored s;
    s.c = c;
    s.j = EstimateJaccardFilled(sig, filled, q, p);
    s.na = f.counts[ord];
    s.cont = nq > 0 ? std::min(1.0, s.j * (nq + s.na) / ((1 + s.j) * nq)) : 0;
    s.r.record_id = f.RecordId(ord);
    s.r.index = static_cast<uint32_t>(c.key >> 32);
    s.r.containment = s.cont;
    s.r.similarity = s.j;
    const uint32_t fields_hit = (c.info >> kFieldShift) & 0x3FF;
    const bool same_size = std::abs(nq - s.na) <= p.shingle_words * query->fields;
    if ((c.info & kRecordKeyHit) && SignatureMatches(q.sig.data(), sig, p) == p.bins() &&
        nq == s.na) {
      s.decision = Decision::kExact;
    } else if (fields_hit >= 2 && fields_hit == q.field_keys.size() && same_size && s.j >= 0.8) {
      s.decision = Decision::kExact;  // the same fields, in another order
    } else {
      const bool need_kept = s.j < verify.min_jaccard && s.j >= 0.3;
      if (need_kept && q.code_masks.empty()) sketcher->FillCodeMasks(&q);  // once, when needed
      s.kept = need_kept ? EstimateKept(sig, filled, q.code_masks, p) : 0.0;
      s.decision = EstimateDecision(s, q);
    }
    if (s.decision == Decision::kExact) {
      s.r.kind = MatchKind::kExact;
      s.r.similarity = 1;
      s.r.containment = 1;
      s.rank = 10;
      if (max == 1) {  // nothing ranks above an exact match
        scored.assign(1, s);
        query->settled = true;
        return;
      }
    } else if (s.decision == Decision::kFragment && (c.info & kWholeIsField)) {
      s.rank = 5;  // the dump record is one whole field of this record
    } else {
      s.rank = std::max(s.j, s.decision == Decision::kFragment ? s.cont * 0.5 : 0.0);
    }
    scored.push_back(s);
  }
}

void Matcher::Impl::Finish(Query* query, size_t max, CandidateWords* words,
                           std::vector<MatchResult>* out) const {
  std::vector<MatchResult>& results = *out;
  results.clear();
  std::vector<Scored>& scored = query->scored;
  if (words != nullptr && !query->settled) VerifyWithWords(query, words);
  thread_local std::vector<const Scored*> accepted;
  accepted.clear();
  for (Scored& s : scored) {
    if (s.decision == Decision::kReject) continue;
    if (s.decision == Decision::kNear) s.r.kind = MatchKind::kNear;
    if (s.decision == Decision::kFragment) s.r.kind = MatchKind::kFragment;
    accepted.push_back(&s);
  }
  std::sort(accepted.begin(), accepted.end(), [](const Scored* a, const Scored* b) {
    if (a->rank != b->rank) return a->rank > b->rank;
    if (a->r.index != b->r.index) return a->r.index < b->r.index;
    return a->r.record_id < b->r.record_id;
  });
  for (size_t i = 0; i < accepted.size() && i < max; ++i) results.push_back(accepted[i]->r);
}

namespace {

// Serves words by sketching texts held in memory (Matcher::WordsFromTexts).
class TextWords : public CandidateWords {
 public:
  TextWords(CandidateTexts* texts, const Sketcher* sketcher) : texts_(texts), sketcher_(sketcher) {}
  Status Words(uint64_t record_id, RecordWords* out) override {
    CUSTODY_RETURN_IF_ERROR(texts_->TextFields(record_id, &fields_));
    views_.assign(fields_.begin(), fields_.end());
    sketcher_->SketchWords(views_, &sketch_);
    WordsFromSketch(sketch_, out);
    return OkStatus();
  }

 private:
  CandidateTexts* texts_;
  const Sketcher* sketcher_;
  std::vector<std::string> fields_;
  std::vector<std::string_view> views_;
  RecordSketch sketch_;
};

}  // namespace

std::unique_ptr<CandidateWords> Matcher::WordsFromTexts(CandidateTexts* texts) const {
  return std::make_unique<TextWords>(texts, impl_->sketcher.get());
}

void Matcher::set_words(CandidateWords* words) { impl_->words = words; }

struct Matcher::ScoredBatch::Impl {
  std::vector<Matcher::Impl::Query> states;
  size_t size = 0;
};

Matcher::ScoredBatch::ScoredBatch() : impl_(std::make_unique<Impl>()) {}
Matcher::ScoredBatch::~ScoredBatch() = default;
size_t Matcher::ScoredBatch::size() const { return impl_->size; }
std::vector<ScoredCandidate>& Matcher::ScoredBatch::candidates(size_t i) {
  return impl_->states.at(i).scored;
}

void Matcher::ScoreBatch(std::span<const Fields> queries, size_t max, ScoredBatch* batch) const {
  std::vector<Impl::Query>& states = batch->impl_->states;
  if (states.size() < queries.size()) states.resize(queries.size());
  batch->impl_->size = queries.size();
  // A five-stage pipeline over the batch, so the table loads of one record
  // overlap the work on the others: normalize record i (and start loading
  // its exact bucket), settle or sketch record i-1 (and start loading its
  // anchor buckets), read record i-2's buckets (and start loading their
  // entries), look up record i-3's candidates, whose entries have arrived
  // (and start loading their signatures), then score record i-4.
  const size_t n = queries.size();
  for (size_t i = 0; i < n + 4; ++i) {
    if (i < n) impl_->NormalizeQuery(queries[i], max, &states[i]);
    if (i >= 1 && i - 1 < n) impl_->SketchQuery(max, &states[i - 1]);
    if (i >= 2 && i - 2 < n) impl_->LoadRanges(&states[i - 2]);
    if (i >= 3 && i - 3 < n) impl_->Collect(max, &states[i - 3]);
    if (i >= 4) impl_->Score(max, &states[i - 4]);
  }
}

void Matcher::MergeScored(std::span<const ScoredCandidate> others, size_t max,
                          std::vector<ScoredCandidate>* into) {
  if (others.empty()) return;
  into->insert(into->end(), others.begin(), others.end());
  std::vector<ScoredCandidate>& cs = *into;
  if (max == 1) {
    // One matcher stops at an exact copy: the first found, in file order.
    const ScoredCandidate* exact = nullptr;
    for (const auto& c : cs) {
      if (c.decision == Decision::kExact && (exact == nullptr || c.c.key < exact->c.key)) exact = &c;
    }
    if (exact != nullptr) {
      const ScoredCandidate keep = *exact;
      cs.assign(1, keep);
      return;
    }
  }
  // Each matcher scored its strongest candidates; one matcher over every
  // file scores the strongest of them all (CollectCandidates' order).
  if (cs.size() > kMaxScored) {
    std::partial_sort(cs.begin(), cs.begin() + kMaxScored, cs.end(),
                      [](const ScoredCandidate& a, const ScoredCandidate& b) {
                        if (a.c.info != b.c.info) return a.c.info > b.c.info;
                        return a.c.key < b.c.key;
                      });
    cs.resize(kMaxScored);
  }
}

namespace {

constexpr uint8_t kSketchText = 1;      // the record has text
constexpr uint8_t kSketchSketched = 2;  // its keys, shingles and signature follow

}  // namespace

void Matcher::SettleBatch(std::span<const Fields> queries, size_t max, ScoredBatch* batch) const {
  std::vector<Impl::Query>& states = batch->impl_->states;
  if (states.size() < queries.size()) states.resize(queries.size());
  batch->impl_->size = queries.size();
  // Normalize record i (and start loading its exact bucket), settle i-1.
  const size_t n = queries.size();
  for (size_t i = 0; i < n + 1; ++i) {
    if (i < n) impl_->NormalizeQuery(queries[i], max, &states[i]);
    if (i >= 1 && max == 1 && impl_->keyed && states[i - 1].text) impl_->SettleByKey(&states[i - 1]);
  }
}

void Matcher::ExportKeys(const ScoredBatch& batch, std::string* out) {
  const std::vector<Impl::Query>& states = batch.impl_->states;
  const size_t n = batch.impl_->size;
  out->clear();
  PutFixed32(out, static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    out->push_back(states[i].text ? 1 : 0);
    PutFixed32(out, static_cast<uint32_t>(states[i].fields));
    PutFixed64(out, states[i].q.record_key);
  }
}

Status Matcher::SettleKeys(std::string_view keys, size_t max, ScoredBatch* batch) const {
  ByteReader in(keys);
  uint32_t n = 0;
  if (!in.U32(&n) || n > keys.size() / 13) return DataLossError("split matching: a malformed key batch");
  std::vector<Impl::Query>& states = batch->impl_->states;
  if (states.size() < n) states.resize(n);
  batch->impl_->size = n;
  for (uint32_t i = 0; i < n; ++i) {
    Impl::Query& query = states[i];
    uint8_t text = 0;
    uint32_t fields = 0;
    if (!in.U8(&text) || text > 1 || !in.U32(&fields) || !in.U64(&query.q.record_key)) {
      batch->impl_->size = 0;
      return DataLossError("split matching: malformed key " + std::to_string(i) + " of " +
                           std::to_string(n));
    }
    query.text = text != 0;
    query.sketched = false;
    query.fields = fields;
    query.scored.clear();
    query.settled = false;
    query.q.joined.clear();
    if (query.text && max == 1 && impl_->keyed) impl_->SettleByKey(&query);
  }
  if (!in.done()) {
    batch->impl_->size = 0;
    return DataLossError("split matching: bytes past the last key");
  }
  return OkStatus();
}

void Matcher::ScoreUnsettled(size_t max, ScoredBatch* batch) const {
  std::vector<Impl::Query>& states = batch->impl_->states;
  const size_t n = batch->impl_->size;
  for (size_t i = 0; i < n + 3; ++i) {
    if (i < n) {
      Impl::Query& query = states[i];
      // An exact copy another matcher found by its key settles the query.
      query.settled = max == 1 && query.scored.size() == 1 &&
                      query.scored[0].decision == Decision::kExact;
      if (query.text && !query.settled) {
        impl_->sketcher->SketchJoined(&query.q);
        query.sketched = true;
        impl_->FindAnchors(&query);
        impl_->PrefetchBuckets(query);
      }
    }
    if (i >= 1 && i - 1 < n) impl_->LoadRanges(&states[i - 1]);
    if (i >= 2 && i - 2 < n) impl_->Collect(max, &states[i - 2]);
    if (i >= 3) impl_->Score(max, &states[i - 3]);
  }
}

void Matcher::ExportSketches(ScoredBatch* batch, std::string* out) const {
  const SketchParams& p = impl_->sketcher->params();
  std::vector<Impl::Query>& states = batch->impl_->states;
  const size_t n = batch->impl_->size;
  out->clear();
  PutFixed32(out, static_cast<uint32_t>(n));
  PutFixed32(out, static_cast<uint32_t>(p.sig_bytes()));
  for (size_t i = 0; i < n; ++i) {
    Impl::Query& query = states[i];
    RecordSketch& q = query.q;
    // ScoreUnsettled sketched every query with text that no exact copy
    // settled; a settled one is not scored further.
    const bool send = query.sketched && !query.settled;
    out->push_back(static_cast<char>((query.text ? kSketchText : 0) | (send ? kSketchSketched : 0)));
    PutFixed32(out, static_cast<uint32_t>(query.fields));
    PutFixed64(out, q.record_key);
    if (!send) continue;
    // The others need the shingles only for their code masks (Score's
    // kept estimate): those, and the anchors, travel instead.
    if (q.code_masks.empty()) impl_->sketcher->FillCodeMasks(&q);
    PutFixed32(out, q.words);
    PutFixed32(out, q.shingle_count);
    PutFixed32(out, static_cast<uint32_t>(q.field_keys.size()));
    PutFixed64s(out, q.field_keys);
    PutFixed32(out, static_cast<uint32_t>(query.anchor_keys.size()));
    PutFixed32s(out, query.anchor_keys);
    const size_t at = out->size();
    out->resize(at + 2 * p.bins());
    for (uint32_t b = 0; b < p.bins(); ++b) {
      (*out)[at + 2 * b] = static_cast<char>(q.code_masks[b]);
      (*out)[at + 2 * b + 1] = static_cast<char>(q.code_masks[b] >> 8);
    }
    out->append(reinterpret_cast<const char*>(q.sig.data()), p.sig_bytes());
    out->append(reinterpret_cast<const char*>(q.filled.data()), p.filled_bytes());
  }
}

Status Matcher::ScoreSketches(std::string_view sketches, size_t max, ScoredBatch* batch) const {
  const SketchParams& p = impl_->sketcher->params();
  ByteReader in(sketches);
  uint32_t n = 0, sig_bytes = 0;
  if (!in.U32(&n) || !in.U32(&sig_bytes) || n > sketches.size() / 13) {
    return DataLossError("split matching: a malformed sketch batch");
  }
  if (sig_bytes != p.sig_bytes()) {
    return InvalidArgumentError("split matching: sketches of " + std::to_string(sig_bytes) +
                                "-byte signatures, expected " + std::to_string(p.sig_bytes()));
  }
  std::vector<Impl::Query>& states = batch->impl_->states;
  if (states.size() < n) states.resize(n);
  batch->impl_->size = n;
  for (uint32_t i = 0; i < n; ++i) {
    Impl::Query& query = states[i];
    RecordSketch& q = query.q;
    uint8_t flags = 0;
    uint32_t fields = 0, words = 0, count = 0;
    thread_local std::string sig, filled, masks;
    bool ok = in.U8(&flags) && in.U32(&fields) && in.U64(&q.record_key) && flags <= 3;
    query.text = ok && (flags & kSketchText);
    query.sketched = ok && (flags & kSketchSketched);
    query.fields = fields;
    query.scored.clear();
    query.settled = false;
    query.ranges_loaded = false;
    query.anchor_keys.clear();
    q.joined.clear();  // the text stays with the matcher that read it
    q.code_masks.clear();
    q.word_hashes.clear();
    if (ok && query.sketched) {
      uint32_t shingles = 0;
      ok = query.text && in.U32(&words) && in.U32(&shingles) && in.U32(&count) &&
           in.U64s(count, &q.field_keys) && in.U32(&count) && in.U32s(count, &query.anchor_keys) &&
           in.Bytes(2 * p.bins(), &masks) && in.Bytes(p.sig_bytes(), &sig) &&
           in.Bytes(p.filled_bytes(), &filled);
      if (ok) {
        q.code_masks.resize(p.bins());
        for (uint32_t b = 0; b < p.bins(); ++b) {
          q.code_masks[b] = static_cast<uint16_t>(static_cast<uint8_t>(masks[2 * b]) |
                                                  static_cast<uint8_t>(masks[2 * b + 1]) << 8);
        }
      }
      q.sig.assign(sig.begin(), sig.end());
      q.filled.assign(filled.begin(), filled.end());
      q.words = words;
      q.shingle_count = shingles;
      q.shingles.clear();
    }
    if (!ok) {
      batch->impl_->size = 0;
      return DataLossError("split matching: malformed sketch " + std::to_string(i) + " of " +
                           std::to_string(n));
    }
  }
  if (!in.done()) {
    batch->impl_->size = 0;
    return DataLossError("split matching: bytes past the last sketch");
  }
  // ScoreBatch's pipeline from its second stage: the sketches are made,
  // and exact copies were settled by key before (SettleKeys).
  for (size_t i = 0; i < n + 3; ++i) {
    if (i < n && states[i].sketched) impl_->PrefetchBuckets(states[i]);
    if (i >= 1 && i - 1 < n) impl_->LoadRanges(&states[i - 1]);
    if (i >= 2 && i - 2 < n) impl_->Collect(max, &states[i - 2]);
    if (i >= 3) impl_->Score(max, &states[i - 3]);
  }
  return OkStatus();
}

namespace {
// A scored candidate on the wire: key, info, 7 estimates, record id, file
// position, decision, kind, text-verified.
constexpr size_t kWireCandidate = 8 + 4 + 7 * 8 + 8 + 4 + 3;
}  // namespace

void Matcher::ExportCandidates(ScoredBatch* batch, std::string* out) {
  std::vector<Impl::Query>& states = batch->impl_->states;
  const size_t n = batch->impl_->size;
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += states[i].scored.size();
  out->resize(4 + 4 * n + kWireCandidate * total);
  char* p = out->data();
  EncodeFixed32(p, static_cast<uint32_t>(n));
  p += 4;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<Scored>& cs = states[i].scored;
    EncodeFixed32(p, static_cast<uint32_t>(cs.size()));
    p += 4;
    for (const Scored& c : cs) {
      EncodeFixed64(p, c.c.key);
      EncodeFixed32(p + 8, c.c.info);
      const double ds[] = {c.j, c.kept, c.cont, c.na, c.rank, c.r.similarity, c.r.containment};
      for (size_t k = 0; k < 7; ++k) EncodeFixed64(p + 12 + 8 * k, std::bit_cast<uint64_t>(ds[k]));
      EncodeFixed64(p + 68, c.r.record_id);
      EncodeFixed32(p + 76, c.r.index);
      p[80] = static_cast<char>(c.decision);
      p[81] = static_cast<char>(c.r.kind);
      p[82] = c.text_verified ? 1 : 0;
      p += kWireCandidate;
    }
  }
}

Status Matcher::MergeCandidates(std::string_view in, size_t max, size_t files, ScoredBatch* into) {
  std::vector<Impl::Query>& states = into->impl_->states;
  const size_t n = into->impl_->size;
  const char* p = in.data();
  const char* end = in.data() + in.size();
  if (in.size() < 4 || DecodeFixed32(p) != n) {
    return DataLossError("split matching: candidates for " +
                         (in.size() < 4 ? std::string("no") : std::to_string(DecodeFixed32(p))) +
                         " records, expected " + std::to_string(n));
  }
  p += 4;
  std::vector<Scored> theirs;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t k = end - p >= 4 ? DecodeFixed32(p) : ~uint32_t{0};
    if (k == ~uint32_t{0} || k > static_cast<size_t>(end - p - 4) / kWireCandidate) {
      return DataLossError("split matching: malformed candidates of record " + std::to_string(i));
    }
    p += 4;
    theirs.assign(k, {});
    for (Scored& c : theirs) {
      c.c.key = DecodeFixed64(p);
      c.c.info = DecodeFixed32(p + 8);
      double* ds[] = {&c.j, &c.kept, &c.cont, &c.na, &c.rank, &c.r.similarity, &c.r.containment};
      for (size_t d = 0; d < 7; ++d) *ds[d] = std::bit_cast<double>(DecodeFixed64(p + 12 + 8 * d));
      c.r.record_id = DecodeFixed64(p + 68);
      c.r.index = DecodeFixed32(p + 76);
      const uint8_t decision = static_cast<uint8_t>(p[80]), kind = static_cast<uint8_t>(p[81]);
      if (c.r.index >= files || (c.c.key >> 32) != c.r.index || decision > 3 || kind > 2) {
        return DataLossError("split matching: a candidate out of range for record " +
                             std::to_string(i));
      }
      c.decision = static_cast<Decision>(decision);
      c.r.kind = static_cast<MatchKind>(kind);
      c.text_verified = p[82] != 0;
      p += kWireCandidate;
    }
    MergeScored(theirs, max, &states[i].scored);
  }
  if (p != end) return DataLossError("split matching: bytes past the last candidate");
  return OkStatus();
}

void Matcher::FinishBatch(ScoredBatch* batch, size_t max, CandidateWords* words,
                          std::vector<std::vector<MatchResult>>* results) const {
  thread_local std::vector<uint64_t> wanted;
  std::vector<Impl::Query>& states = batch->impl_->states;
  const size_t n = batch->impl_->size;
  if (words == nullptr) words = impl_->words;
  results->resize(n);
  wanted.clear();
  for (size_t i = 0; i < n; ++i) {
    Impl::Query& q = states[i];
    // Merged candidates may hold an exact copy that settles the query.
    q.settled = max == 1 && q.scored.size() == 1 && q.scored[0].decision == Decision::kExact;
    if (words != nullptr) impl_->WantedWords(q, &wanted);
  }
  if (words != nullptr && !wanted.empty()) {
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    words->Prefetch(wanted);
  }
  for (size_t i = 0; i < n; ++i) impl_->Finish(&states[i], max, words, &(*results)[i]);
}

void Matcher::MatchBatch(std::span<const Fields> queries, size_t max, CandidateWords* words,
                         std::vector<std::vector<MatchResult>>* results) const {
  thread_local ScoredBatch batch;
  ScoreBatch(queries, max, &batch);
  FinishBatch(&batch, max, words, results);
}

Status Matcher::SetFilePositions(std::vector<uint32_t> positions) {
  if (positions.size() != impl_->files.size()) {
    return InvalidArgumentError("matcher: expected " + std::to_string(impl_->files.size()) +
                                " file positions, found " + std::to_string(positions.size()));
  }
  for (size_t i = 1; i < positions.size(); ++i) {
    if (positions[i] <= positions[i - 1]) {
      return InvalidArgumentError("matcher: file positions must increase, found " +
                                  std::to_string(positions[i]) + " after " +
                                  std::to_string(positions[i - 1]));
    }
  }
  if (!positions.empty() && positions.back() == Impl::kNoFile) {
    return InvalidArgumentError("matcher: a file position out of range");
  }
  impl_->file_at.assign(positions.empty() ? 0 : positions.back() + 1, Impl::kNoFile);
  for (uint32_t i = 0; i < positions.size(); ++i) impl_->file_at[positions[i]] = i;
  impl_->positions = std::move(positions);
  return OkStatus();
}

std::vector<MatchResult> Matcher::Candidates(Fields fields, size_t max,
                                             CandidateWords* words) const {
  thread_local Impl::Query state;
  std::vector<MatchResult> r;
  if (words == nullptr) words = impl_->words;
  impl_->NormalizeQuery(fields, max, &state);
  impl_->SketchQuery(max, &state);
  impl_->Collect(max, &state);
  impl_->Score(max, &state);
  impl_->Finish(&state, max, words, &r);
  return r;
}

std::vector<MatchResult> Matcher::Candidates(Fields fields, size_t max,
                                             CandidateTexts* texts) const {
  TextWords words(texts, impl_->sketcher.get());
  return Candidates(fields, max, &words);
}

std::optional<MatchResult> Matcher::Match(Fields fields, CandidateWords* words) const {
  std::vector<MatchResult> r = Candidates(fields, 1, words);
  if (r.empty()) return std::nullopt;
  return r[0];
}

std::optional<MatchResult> Matcher::Match(Fields fields, CandidateTexts* texts) const {
  TextWords words(texts, impl_->sketcher.get());
  return Match(fields, &words);
}

size_t Matcher::index_count() const { return impl_->files.size(); }
std::string_view Matcher::label(size_t i) const { return impl_->files[i].label; }
uint64_t Matcher::record_count() const { return impl_->records; }
const SketchParams& Matcher::params() const { return impl_->sketcher->params(); }

}  // namespace custody::sketch
