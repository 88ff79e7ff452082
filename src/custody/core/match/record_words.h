// The vault side of the matcher's exact verification (sketch::CandidateWords):
// a candidate record's words (sketch/record_words.h) read from the sealed word
// file beside its segment (docs/formats/words.md), one ~1 KiB block per point
// read, and, for a batch, read in storage order with each block opened once
// (Prefetch). Vault versions written before word files existed are served
// from their segments (decrypted, parsed and sketched), each segment decoded
// at most once per batch. Plaintext stays in memory only.
//
// VaultWordStore holds what every thread shares (committed versions, their
// segments and data keys, open word files); VaultRecordWords is one thread's
// reader over it, with that thread's buffers and counters.
// Thread-safety: VaultWordStore is safe for concurrent use once opened;
// a VaultRecordWords belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/match/match_plan.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/format/record.h"
#include "custody/sketch/candidate_words.h"
#include "custody/sketch/sketcher.h"
#include "custody/store/catalog.h"
#include "custody/store/segment.h"
#include "custody/store/word_file.h"

namespace custody::core {

class VaultWordStore {
 public:
  using Version = WordSource;

  // Loads every committed dataset version of `plan` (shredded ones too,
  // without a key); `env` must outlive the store. `max_open_files` bounds
  // the word files kept open.
  static Result<std::unique_ptr<VaultWordStore>> Open(Env* env, const MatchPlan& plan,
                                                      size_t max_open_files = 256);
  // As above, with the plan of `custody`'s vault (PlanMatch); `custody` is
  // not used after Open, but its Env must outlive the store.
  static Result<std::unique_ptr<VaultWordStore>> Open(Custody& custody,
                                                      size_t max_open_files = 256);

  // The version holding `record_id`, or nullptr.
  const Version* VersionFor(uint64_t record_id) const;
  // The segment of `v` holding `record_id`, or nullptr.
  const store::SegmentInfo* SegmentFor(const Version& v, uint64_t record_id) const;
  // The word file beside segment `seg` of `v`, opened once and kept (up to
  // max_open_files, least recently used closed first). kNotFound if the
  // segment has none (written before word files), kDataLoss if it is corrupt.
  Result<std::shared_ptr<const store::WordFileReader>> WordFile(const Version& v,
                                                               const store::SegmentInfo& seg);
  // Absolute path of a vault-relative path.
  std::string Path(const std::string& rel) const;
  Env* env() const { return env_; }
  const sketch::Sketcher& sketcher() const { return *sketcher_; }
  uint64_t file_opens() const { return file_opens_.load(); }

 private:
  VaultWordStore() = default;

  Env* env_ = nullptr;
  std::string root_;
  std::vector<std::unique_ptr<Version>> versions_;  // by first_record_id
  std::unique_ptr<sketch::Sketcher> sketcher_;
  size_t max_open_files_ = 256;
  std::mutex mu_;  // guards files_, lru_ and missing_
  struct OpenFile {
    std::shared_ptr<const store::WordFileReader> reader;  // shared with readers mid-use
    std::list<std::string>::iterator lru;
  };
  std::map<std::string, OpenFile> files_;
  std::list<std::string> lru_;  // most recently used first
  std::set<std::string> missing_;  // segments without a word file (older vaults)
  std::atomic<uint64_t> file_opens_{0};
};

class VaultRecordWords : public sketch::CandidateWords {
 public:
  // `store` must outlive this object. `max_segments` bounds the decoded
  // segments kept for versions without word files (each up to 4 MiB).
  // `max_cache_bytes` bounds the words entries kept from earlier batches
  // (0: none): a candidate that comes back, as the popular records of a
  // templated corpus do, is not read and decrypted again.
  explicit VaultRecordWords(VaultWordStore& store, size_t max_segments = 8,
                            size_t max_cache_bytes = size_t{16} << 20);
  ~VaultRecordWords() override;

  // The words of `record_id` as indexed at ingest. kNotFound if no committed
  // version holds it; kFailedPrecondition if its dataset was shredded;
  // kDataLoss if its word file or segment was tampered with.
  Status Words(uint64_t record_id, sketch::RecordWords* out) override;
  // Reads the words of `record_ids` grouped by word-file block (or segment),
  // opening each at most once, and keeps them until the next Prefetch.
  void Prefetch(std::span<const uint64_t> record_ids) override;

  uint64_t lookups() const { return lookups_; }
  uint64_t prefetched() const { return prefetched_; }
  // Word-file blocks opened (each ~1 KiB) and segments decoded (legacy path).
  uint64_t block_reads() const { return block_reads_; }
  uint64_t segment_reads() const { return segment_reads_; }
  // The first error met (OK if none), for reports; a shredded dataset's
  // missing words are not an error.
  const Status& first_error() const { return first_error_; }

 private:
  struct CachedSegment {
    const VaultWordStore::Version* version;
    int seq;
    store::SegmentContents contents;
  };
  // Appends the words entry of `id` to `*entry`.
  Status ReadEntry(uint64_t id, std::string* entry);
  // Entries of earlier batches: two generations of up to half the budget
  // each; when the recent one is full it becomes the older one and the
  // older one is dropped, and an older entry asked for again is copied back
  // into the recent one. Each generation is an arena of entries and an
  // open-addressing table of ids (a lookup is a probe or two).
  struct CacheGeneration {
    std::vector<uint64_t> keys;   // id + 1 per slot; 0: empty
    std::vector<uint64_t> spans;  // per slot: arena offset << 32 | length
    std::string arena;
    size_t entries = 0;
    // The entry of `id`, or nullopt.
    std::optional<std::string_view> Find(uint64_t id) const;
    // False if full (by entries or by `max_bytes`).
    bool Add(uint64_t id, std::string_view entry, size_t max_bytes);
    void Clear();
  };
  // The cached entry of `id`, or nullopt; valid until the next Remember.
  std::optional<std::string_view> Cached(uint64_t id);
  // Caches `entry` (not a view into the cache) as the entry of `id`.
  void Remember(uint64_t id, std::string_view entry);
  Status ReadFromWordFile(const VaultWordStore::Version& v, const store::SegmentInfo& seg,
                          uint64_t id, std::string* entry);
  Status ReadFromSegment(const VaultWordStore::Version& v, const store::SegmentInfo& seg,
                         uint64_t id, std::string* entry);
  void Note(const Status& s);

  VaultWordStore& store_;
  size_t max_segments_;
  // The word file of the segment last read (a segment of the store's
  // versions, which do not move), kept while reads stay in that segment.
  const store::SegmentInfo* file_segment_ = nullptr;
  std::shared_ptr<const store::WordFileReader> file_;
  // The block last opened, kept while reads stay in it.
  const store::WordFileReader* block_file_ = nullptr;
  std::shared_ptr<const store::WordFileReader> block_owner_;
  store::WordBlock block_;
  std::list<CachedSegment> segments_;  // legacy path; most recently used first
  // The current batch's prefetched entries: ids ascending, entry ends in arena.
  std::vector<uint64_t> batch_ids_;
  std::vector<uint32_t> batch_ends_;
  std::string batch_arena_;
  // Entries of earlier batches, in two generations (Remember).
  size_t max_cache_bytes_;
  CacheGeneration recent_, older_;
  std::string entry_;
  // Legacy path scratch.
  std::vector<format::TextField> extracted_;
  std::vector<std::string_view> views_;
  sketch::RecordSketch sketch_;
  sketch::RecordWords words_;
  uint64_t lookups_ = 0, prefetched_ = 0, block_reads_ = 0, segment_reads_ = 0;
  Status first_error_;
};

}  // namespace custody::core
