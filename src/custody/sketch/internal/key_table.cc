#include "custody/sketch/internal/key_table.h"

#include <algorithm>

#include <bit>
#include <cstdlib>
#include <new>

#include <sys/mman.h>
#include <cstring>

namespace custody::sketch::internal {

uint8_t KeyTableBits(uint64_t n) {
  int bits = n <= 1 ? 0 : std::bit_width(n - 1);
  bits -= 4;
  if (bits < 4) bits = 4;
  if (bits > 24) bits = 24;
  return static_cast<uint8_t>(bits);
}

void BuildKeyTable(const std::vector<std::pair<uint32_t, uint32_t>>& items, uint8_t bits,
                   std::string* out) {
  const size_t nb = size_t{1} << bits;
  std::vector<uint32_t> offsets(nb + 1, 0);
  for (const auto& [key, ord] : items) ++offsets[(key >> (32 - bits)) + 1];
  for (size_t i = 1; i <= nb; ++i) offsets[i] += offsets[i - 1];
  std::vector<uint32_t> entries(items.size());
  std::vector<uint32_t> pos(offsets.begin(), offsets.end() - 1);
  for (const auto& [key, ord] : items) {
    uint32_t b = key >> (32 - bits);
    uint32_t check = (key >> (24 - bits)) & 0xFF;
    entries[pos[b]++] = (check << 24) | (ord & 0xFFFFFF);
  }
  // Sorted within each bucket (by check byte, then ordinal), so a lookup
  // binary-searches its check instead of reading the whole bucket.
  for (size_t b = 0; b < nb; ++b) {
    std::sort(entries.begin() + offsets[b], entries.begin() + offsets[b + 1]);
  }
  size_t start = out->size();
  out->resize(start + offsets.size() * 4 + entries.size() * 4);
  // memcpy with a null source is undefined even for zero bytes.
  if (!offsets.empty()) std::memcpy(out->data() + start, offsets.data(), offsets.size() * 4);
  if (!entries.empty()) {
    std::memcpy(out->data() + start + offsets.size() * 4, entries.data(), entries.size() * 4);
  }
}

void KeyBuckets::Free::operator()(KeyBucket* p) const { std::free(p); }

void KeyBuckets::Resize(size_t n) {
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t bytes = std::max<size_t>(n, 1) * sizeof(KeyBucket);
  void* p = nullptr;
  if (bytes >= kHuge) {
    p = std::aligned_alloc(kHuge, (bytes + kHuge - 1) / kHuge * kHuge);
#ifdef MADV_HUGEPAGE
    if (p != nullptr) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
  }
  if (p == nullptr) p = std::malloc(bytes);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<KeyBucket*>(p));
  size_ = n;
}

std::string SummarizeKeyTable(const uint32_t* offsets, const uint32_t* entries, uint8_t bits,
                              uint64_t records, KeyBuckets* out) {
  const size_t nb = size_t{1} << bits;
  out->Resize(nb);
  uint32_t max_ordinal = 0;
  for (size_t b = 0; b < nb; ++b) {
    const uint32_t begin = offsets[b], end = offsets[b + 1];
    uint64_t checks = 0;
    uint32_t descents = 0;
    for (uint32_t i = begin; i < end; ++i) {  // branch-free but for the loop
      const uint32_t e = entries[i];
      checks |= uint64_t{1} << ((e >> 24) & 63);
      max_ordinal = std::max(max_ordinal, e & 0xFFFFFF);
      descents += i > begin && entries[i - 1] > e;
    }
    if (descents > 0) return "table bucket " + std::to_string(b) + " not sorted";
    (*out)[b] = KeyBucket{begin, end, checks};
  }
  if (offsets[nb] > 0 && max_ordinal >= records) return "table entry ordinal out of range";
  return "";
}

}  // namespace custody::sketch::internal
