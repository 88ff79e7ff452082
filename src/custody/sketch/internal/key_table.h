// KeyTable: the on-disk hash table used for exact fingerprints and anchors.
// 2^bits buckets addressed by the top bits of a 32-bit key; each entry is a
// u32 holding a 24-bit record ordinal and 8 more key bits as a check,
// sorted within the bucket (check in the top byte, so by check then ordinal).
// Layout: u32 offsets[2^bits + 1], then u32 entries (docs/formats/index.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace custody::sketch::internal {

// Bucket bits for `n` entries: about eight to sixteen entries per bucket.
uint8_t KeyTableBits(uint64_t n);

// What a lookup needs of one bucket, in a quarter of a cache line: its entry
// range and which values of the low 6 bits of the check byte occur in it.
// Built in memory when a table is opened (not stored): most probes of a dump
// record's shingles find no anchor, and this answers them without reading
// the bucket's entries.
struct KeyBucket {
  uint32_t begin;
  uint32_t end;
  uint64_t checks;  // bit c set iff some entry's check byte has low bits c
};

// A table's bucket summaries: megabytes written on every open, so they are
// not zeroed first and sit on huge pages where the kernel offers them (a
// fault per 2 MiB, not per 4 KiB).
class KeyBuckets {
 public:
  // Room for `n` summaries, contents unspecified.
  void Resize(size_t n);
  KeyBucket* data() { return data_.get(); }
  const KeyBucket* data() const { return data_.get(); }
  size_t size() const { return size_; }
  KeyBucket& operator[](size_t i) { return data_[i]; }

 private:
  struct Free {
    void operator()(KeyBucket* p) const;
  };
  std::unique_ptr<KeyBucket[], Free> data_;
  size_t size_ = 0;
};

// Fills `out` with the summary of a table whose offsets are valid, checking
// its entries on the way (one pass over them, as every open makes): returns
// "" or what is wrong (an entry's ordinal >= `records`, a bucket not sorted).
std::string SummarizeKeyTable(const uint32_t* offsets, const uint32_t* entries, uint8_t bits,
                              uint64_t records, KeyBuckets* out);

// Appends the table for (key, ordinal) pairs to `out`: offsets then entries.
void BuildKeyTable(const std::vector<std::pair<uint32_t, uint32_t>>& items, uint8_t bits,
                   std::string* out);

// A read-only view of a table inside a mapped index file.
class KeyTableView {
 public:
  KeyTableView() = default;
  // `buckets` (SummarizeKeyTable of the same table) may be null: lookups then
  // read the offsets and entries alone.
  KeyTableView(const uint32_t* offsets, const uint32_t* entries, uint8_t bits,
               const KeyBucket* buckets = nullptr)
      : offsets_(offsets), entries_(entries), buckets_(buckets), bits_(bits) {}

  // Calls fn(ordinal) for every entry whose key may equal `key`, in
  // ordinal order.
  template <typename Fn>
  void Lookup(uint32_t key, Fn&& fn) const {
    const uint32_t check = (key >> (24 - bits_)) & 0xFF;
    const auto [begin, end] = Range(key);
    for (const uint32_t* e = First(begin, end, check), *last = entries_ + end;
         e != last && (*e >> 24) == check; ++e) {
      fn(*e & 0xFFFFFF);
    }
  }

  // Starts loading the bucket `key` falls in.
  void PrefetchBucket(uint32_t key) const {
    const uint32_t b = key >> (32 - bits_);
    __builtin_prefetch(buckets_ != nullptr ? static_cast<const void*>(buckets_ + b)
                                           : static_cast<const void*>(offsets_ + b));
  }

  // The number of entries whose key may equal `key`.
  uint32_t Count(uint32_t key) const {
    const uint32_t check = (key >> (24 - bits_)) & 0xFF;
    const auto [begin, end] = Range(key);
    const uint32_t* first = First(begin, end, check);
    const uint32_t* last = std::lower_bound(first, entries_ + end, uint64_t{check + 1} << 24);
    return static_cast<uint32_t>(last - first);
  }

  // Two-step batched lookups, for pipelining across queries: Ranges reads
  // the buckets of `keys` (start them with PrefetchBucket) into `ranges` and
  // starts loading their entries; LookupRanges later visits them, as
  // LookupMany does.
  void Ranges(std::span<const uint32_t> keys, std::vector<uint32_t>* ranges) const {
    ranges->resize(2 * keys.size());
    uint32_t* r = ranges->data();
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto [begin, end] = Range(keys[i]);
      r[2 * i] = begin;
      r[2 * i + 1] = end;
      if (begin == end) continue;  // ruled out by the summary, or empty
      __builtin_prefetch(entries_ + begin);
      __builtin_prefetch(entries_ + end - 1);
    }
  }
  template <typename Fn>
  void LookupRanges(std::span<const uint32_t> keys, const std::vector<uint32_t>& ranges,
                    uint32_t limit, Fn&& fn) const {
    const uint32_t* r = ranges.data();
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t check = (keys[i] >> (24 - bits_)) & 0xFF;
      const uint32_t* end = entries_ + r[2 * i + 1];
      const uint32_t* first = First(r[2 * i], r[2 * i + 1], check);
      // Sorted: more than `limit` entries iff the one `limit` places on
      // still has the check (a stock phrase's key can hold thousands).
      if (static_cast<size_t>(end - first) > limit && (first[limit] >> 24) == check) continue;
      for (const uint32_t* e = first; e != end && (*e >> 24) == check; ++e) fn(i, *e & 0xFFFFFF);
    }
  }

  // Batched lookups for large tables: LookupMany(keys, limit, fn) calls
  // fn(i, ordinal) for every entry that may equal keys[i], skipping keys
  // with more than `limit` entries, prefetching buckets and entries ahead
  // so cache misses overlap. `ranges` is scratch.
  template <typename Fn>
  void LookupMany(std::span<const uint32_t> keys, uint32_t limit, std::vector<uint32_t>* ranges,
                  Fn&& fn) const {
    for (uint32_t k : keys) PrefetchBucket(k);
    Ranges(keys, ranges);
    LookupRanges(keys, *ranges, limit, std::forward<Fn>(fn));
  }

 private:
  // The entry range of `key`'s bucket; empty when the summary shows no entry
  // with `key`'s check.
  std::pair<uint32_t, uint32_t> Range(uint32_t key) const {
    const uint32_t b = key >> (32 - bits_);
    if (buckets_ == nullptr) return {offsets_[b], offsets_[b + 1]};
    const KeyBucket& kb = buckets_[b];
    const uint32_t c = (key >> (24 - bits_)) & 63;
    return {kb.begin, ((kb.checks >> c) & 1) ? kb.end : kb.begin};
  }

  // The first entry of [begin, end) whose check is at least `check`.
  // Branch-free (std::lower_bound's branches are a coin toss here and their
  // mispredictions cost more than the search): the select compiles to a
  // conditional move.
  const uint32_t* First(uint32_t begin, uint32_t end, uint32_t check) const {
    const uint32_t target = check << 24;
    const uint32_t* base = entries_ + begin;
    size_t n = end - begin;
    if (n == 0) return base;
    while (n > 1) {
      const size_t half = n / 2;
      base += (base[half] < target) ? half : 0;
      n -= half;
    }
    return base + (*base < target);
  }

  const uint32_t* offsets_ = nullptr;
  const uint32_t* entries_ = nullptr;
  const KeyBucket* buckets_ = nullptr;
  uint8_t bits_ = 1;
};

}  // namespace custody::sketch::internal
