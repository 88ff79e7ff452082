// KeyTable: the on-disk hash table used for exact fingerprints and anchors.
// 2^bits buckets addressed by the top bits of a 32-bit key; each entry is a
// u32 holding a 24-bit record ordinal and 8 more key bits as a check.
// Layout: u32 offsets[2^bits + 1], then u32 entries (docs/formats/index.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace custody::sketch::internal {

// Bucket bits for `n` entries: about eight to sixteen entries per bucket.
uint8_t KeyTableBits(uint64_t n);

// Appends the table for (key, ordinal) pairs to `out`: offsets then entries.
void BuildKeyTable(const std::vector<std::pair<uint32_t, uint32_t>>& items, uint8_t bits,
                   std::string* out);

// A read-only view of a table inside a mapped index file.
class KeyTableView {
 public:
  KeyTableView() = default;
  KeyTableView(const uint32_t* offsets, const uint32_t* entries, uint8_t bits)
      : offsets_(offsets), entries_(entries), bits_(bits) {}

  // Calls fn(ordinal) for every entry whose key may equal `key`.
  template <typename Fn>
  void Lookup(uint32_t key, Fn&& fn) const {
    uint32_t b = key >> (32 - bits_);
    uint32_t check = (key >> (24 - bits_)) & 0xFF;
    for (uint32_t i = offsets_[b], e = offsets_[b + 1]; i < e; ++i) {
      uint32_t v = entries_[i];
      if ((v >> 24) == check) fn(v & 0xFFFFFF);
    }
  }
  const uint32_t* bucket_ptr(uint32_t key) const { return offsets_ + (key >> (32 - bits_)); }

  // The number of entries whose key may equal `key`.
  uint32_t Count(uint32_t key) const {
    uint32_t b = key >> (32 - bits_);
    uint32_t check = (key >> (24 - bits_)) & 0xFF;
    uint32_t n = 0;
    for (uint32_t i = offsets_[b], e = offsets_[b + 1]; i < e; ++i) n += (entries_[i] >> 24) == check;
    return n;
  }

  // Batched lookups for large tables: LookupMany(keys, limit, fn) calls
  // fn(i, ordinal) for every entry that may equal keys[i], skipping keys
  // with more than `limit` entries, prefetching buckets and entries ahead
  // so cache misses overlap. `ranges` is scratch.
  template <typename Fn>
  void LookupMany(std::span<const uint32_t> keys, uint32_t limit, std::vector<uint32_t>* ranges,
                  Fn&& fn) const {
    const int shift = 32 - bits_;
    for (uint32_t k : keys) __builtin_prefetch(offsets_ + (k >> shift));
    ranges->resize(2 * keys.size());
    uint32_t* r = ranges->data();
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t b = keys[i] >> shift;
      r[2 * i] = offsets_[b];
      r[2 * i + 1] = offsets_[b + 1];
      __builtin_prefetch(entries_ + r[2 * i]);
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t check = (keys[i] >> (24 - bits_)) & 0xFF;
      if (r[2 * i + 1] - r[2 * i] > limit) {
        uint32_t n = 0;
        for (uint32_t j = r[2 * i], e = r[2 * i + 1]; j < e; ++j) n += (entries_[j] >> 24) == check;
        if (n > limit) continue;
      }
      for (uint32_t j = r[2 * i], e = r[2 * i + 1]; j < e; ++j) {
        const uint32_t v = entries_[j];
        if ((v >> 24) == check) fn(i, v & 0xFFFFFF);
      }
    }
  }

 private:
  const uint32_t* offsets_ = nullptr;
  const uint32_t* entries_ = nullptr;
  uint8_t bits_ = 1;
};

}  // namespace custody::sketch::internal
