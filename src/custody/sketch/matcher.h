// Matcher: answers "which indexed record does this dump record contain?"
// over one or more memory-mapped index files (docs/matching.md). Candidates
// come from exact fingerprints (whole record, each field) and from anchor
// shingles; every candidate is verified before it is reported: with the
// stored b-bit MinHash signature, and, when candidate words are given and the
// signature cannot settle it (ambiguous similarity, competing template
// siblings), against the record's words (record_words.h, exact_compare.h).
// Thread-safety: thread-compatible and safe for concurrent const use (Match
// and Candidates keep their scratch per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/sketch/candidate_texts.h"
#include "custody/sketch/candidate_words.h"
#include "custody/sketch/sketch_params.h"

namespace custody::sketch {

enum class MatchKind : uint8_t {
  kExact,     // same normalized text (or the same fields in another order)
  kNear,      // estimated word-shingle Jaccard >= VerifyParams::min_jaccard
  kFragment,  // the dump record is (mostly) contained in the vault record
};
// "exact", "near" or "fragment".
std::string_view MatchKindName(MatchKind kind);

struct MatchResult {
  uint64_t record_id = 0;
  MatchKind kind = MatchKind::kNear;
  // 1 for exact; otherwise the word-shingle Jaccard similarity (exact when
  // the candidate was compared with its text, else estimated).
  double similarity = 0;
  // Share of the dump record's shingles found in the record (exact or
  // estimated, as similarity).
  double containment = 0;
  // Which index file: its position in the paths given to Open (or the
  // position SetFilePositions gave it).
  uint32_t index = 0;
};

// Matching split over matchers that each hold some of the index files
// (custody-mpi scan). The matcher that read a batch of dump records
// normalizes it and settles exact copies by key on its files (SettleBatch)
// and exports the record keys (ExportKeys); every other matcher settles
// those keys on its files (SettleKeys) and exports what it found
// (ExportCandidates), which the first merges in (MergeCandidates). The
// first then sketches and scores the records no exact copy settled
// (ScoreUnsettled) and exports their sketches (ExportSketches: keys,
// shingle hashes and signatures under the index key; no text); every other
// matcher scores them on its files (ScoreSketches) and exports its
// candidates, which the first merges in and verifies with words
// (FinishBatch). That gives what one matcher over every file gives.
enum class CandidateDecision : uint8_t { kExact, kNear, kFragment, kReject };
struct MatchCandidate {
  uint64_t key = 0;   // file position << 32 | ordinal in the file
  uint32_t info = 0;  // how it was found: exact keys, fields and anchors hit
};
struct ScoredCandidate {
  MatchCandidate c;
  double j = 0, kept = 0, cont = 0, na = 0;  // estimates from the signature
  CandidateDecision decision = CandidateDecision::kReject;
  bool text_verified = false;
  double rank = 0;  // ordering among accepted candidates (higher first)
  MatchResult r;
};

class Matcher {
 public:
  // Maps and validates every file (on up to `threads` threads). kNotFound
  // for a missing file, kDataLoss for a corrupt one (with its path),
  // kUnauthenticated if a file was built with another index key,
  // kInvalidArgument if files disagree on parameters.
  static Result<std::unique_ptr<Matcher>> Open(Env* env, const std::vector<std::string>& paths,
                                               const crypto::SecretBytes& index_key,
                                               const VerifyParams& verify = {},
                                               size_t threads = 1);
  // As Open, over index file contents held in memory (tests, benchmarks).
  static Result<std::unique_ptr<Matcher>> FromBuffers(std::vector<std::string> files,
                                                      const crypto::SecretBytes& index_key,
                                                      const VerifyParams& verify = {});
  ~Matcher();

  // A dump record's raw (not normalized) text fields.
  using Fields = std::span<const std::string_view>;

  // The best verified match of a dump record, or nullopt if none passes
  // verification. `words` (else the one given to set_words, if any) serves
  // the words of candidates the signature cannot settle; without one,
  // decisions rest on the signature alone.
  std::optional<MatchResult> Match(Fields fields, CandidateWords* words = nullptr) const;
  // As Match, with candidate words sketched from texts held in memory.
  std::optional<MatchResult> Match(Fields fields, CandidateTexts* texts) const;
  // Up to `max` verified matches, best first (for attribution, which weighs
  // near-duplicates).
  std::vector<MatchResult> Candidates(Fields fields, size_t max,
                                      CandidateWords* words = nullptr) const;
  std::vector<MatchResult> Candidates(Fields fields, size_t max, CandidateTexts* texts) const;
  // Matches a batch: `(*results)[i]` is what Candidates(queries[i], max,
  // words) returns, but the words of every candidate the batch may need are
  // announced to `words` in one Prefetch first, so a store can read them
  // grouped by where they live.
  void MatchBatch(std::span<const Fields> queries, size_t max, CandidateWords* words,
                  std::vector<std::vector<MatchResult>>* results) const;
  // Split matching (see ScoredCandidate). A batch's queries held between
  // scoring and verification; reusable.
  class ScoredBatch {
   public:
    ScoredBatch();
    ~ScoredBatch();
    size_t size() const;
    // Query i's scored candidates; another matcher's are added with
    // MergeScored before FinishBatch.
    std::vector<ScoredCandidate>& candidates(size_t i);

   private:
    friend class Matcher;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  // Sketches and scores each query against this matcher's files, as
  // MatchBatch does, without verifying with words.
  void ScoreBatch(std::span<const Fields> queries, size_t max, ScoredBatch* batch) const;
  // Split matching, in the order of the calls (see above CandidateDecision).
  // Normalizes the queries and settles exact copies by key on this
  // matcher's files.
  void SettleBatch(std::span<const Fields> queries, size_t max, ScoredBatch* batch) const;
  // The batch's record keys, as SettleKeys reads them (little-endian;
  // docs/scale.md, "custody-mpi scan").
  static void ExportKeys(const ScoredBatch& batch, std::string* out);
  // Another matcher's keys, settled on this matcher's files into `*batch`
  // (then ExportCandidates). kDataLoss for malformed bytes.
  Status SettleKeys(std::string_view keys, size_t max, ScoredBatch* batch) const;
  // Sketches and scores, on this matcher's files, the queries of a
  // SettleBatch batch that no exact copy settled (after MergeCandidates
  // added the others' exact copies).
  void ScoreUnsettled(size_t max, ScoredBatch* batch) const;
  // The sketches of the batch's unsettled queries (after ScoreUnsettled),
  // as ScoreSketches reads them.
  void ExportSketches(ScoredBatch* batch, std::string* out) const;
  // Scores exported sketches against this matcher's files, as ScoreBatch
  // scores the records they came from past their exact keys (settled
  // before, by SettleKeys). kDataLoss for malformed bytes,
  // kInvalidArgument for sketches of other parameters.
  Status ScoreSketches(std::string_view sketches, size_t max, ScoredBatch* batch) const;
  // Every query's scored candidates, as MergeCandidates reads them.
  static void ExportCandidates(ScoredBatch* batch, std::string* out);
  // Adds exported candidates of the same queries (from a matcher over
  // other files) to `*into`, as MergeScored does. kDataLoss if they are
  // malformed, are not one list per query of `*into`, or name a file
  // position >= `files`.
  static Status MergeCandidates(std::string_view in, size_t max, size_t files,
                                ScoredBatch* into);
  // Adds `others` (a query's candidates from matchers over other files, keys
  // in the same file positions) to `*into`, keeping what one matcher over
  // all the files would have scored: an exact copy settles the query (the
  // one in the first file); else the strongest candidates, as many as one
  // matcher scores.
  static void MergeScored(std::span<const ScoredCandidate> others, size_t max,
                          std::vector<ScoredCandidate>* into);
  // Verifies the batch's candidates with `words` (nullptr: the default) and
  // sets `(*results)[i]` as MatchBatch would. The queries given to
  // ScoreBatch must still be valid.
  void FinishBatch(ScoredBatch* batch, size_t max, CandidateWords* words,
                   std::vector<std::vector<MatchResult>>* results) const;
  // Names file i by `positions[i]` (in candidate keys and results) instead
  // of i: a matcher over some of a list of files names them as a matcher
  // over the whole list does. kInvalidArgument unless there is one position
  // per file, strictly increasing.
  Status SetFilePositions(std::vector<uint32_t> positions);

  // The default source of candidate words (not owned; must outlive its use;
  // nullptr for none).
  void set_words(CandidateWords* words);
  // Candidate words sketched from `texts` (not owned) with this matcher's
  // keys; for tests and benchmarks that hold texts in memory.
  std::unique_ptr<CandidateWords> WordsFromTexts(CandidateTexts* texts) const;

  size_t index_count() const;
  // The label stored in index file `i` (e.g. "gsm8k@v1").
  std::string_view label(size_t i) const;
  uint64_t record_count() const;
  const SketchParams& params() const;

 private:
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::sketch
