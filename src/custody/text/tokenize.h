// Word tokenization and word shingles over normalized text (see
// normalize.h). A word is a maximal run of letters, digits and combining
// marks (Unicode categories L*, N*, M*); everything else separates words.
// So "don't" is the words "don" and "t", and "<<48/2=24>>24" is "48", "2",
// "24", "24". Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "custody/text/utf8.h"

namespace custody::text {

namespace internal {
// True for ASCII bytes that are word characters ([A-Za-z0-9]).
inline constexpr bool IsAsciiWordByte(unsigned char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26 || static_cast<unsigned char>(c - '0') < 10;
}
// True if the non-ASCII code point `cp` is a word character.
bool IsWordCodePoint(int32_t cp);
}  // namespace internal

namespace internal {
// Byte classes for ForEachWord: 1 ASCII word byte, 2 a non-ASCII lead or
// continuation byte (decoded), 0 a separator.
struct WordByteTable {
  unsigned char cls[256];
  constexpr WordByteTable() : cls() {
    for (int c = 0; c < 256; ++c) cls[c] = c >= 0x80 ? 2 : IsAsciiWordByte(static_cast<unsigned char>(c)) ? 1 : 0;
  }
};
inline constexpr WordByteTable kWordBytes;
}  // namespace internal

// Calls `fn(std::string_view word)` for each word of `s`, in order.
template <typename Fn>
void ForEachWord(std::string_view s, Fn&& fn) {
  const size_t n = s.size();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* cls = internal::kWordBytes.cls;
  // Is the (non-ASCII) code point at `i` a word character? Advances `i`.
  auto word_cp = [&](size_t* i) {
    int32_t cp = DecodeUtf8(s, i);
    return cp >= 0 && internal::IsWordCodePoint(cp);
  };
  size_t i = 0;
  while (i < n) {
    // Separators.
    size_t start;
    for (;;) {
      while (i < n && cls[p[i]] == 0) ++i;
      if (i == n) return;
      if (cls[p[i]] == 1) break;
      size_t next = i;
      if (word_cp(&next)) break;
      i = next;
    }
    start = i;
    // Word bytes: eight ASCII bytes at a time, then byte by byte, code
    // points when met.
    for (;;) {
      bool ended = false;  // the word ends at an ASCII separator found below
      while (i + 8 <= n) {
        uint64_t x;
        std::memcpy(&x, p + i, 8);
        constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
        if (x & kHigh) break;  // a non-ASCII byte: the byte loop decides
        const uint64_t lower = x | (0x20 * kOnes);
        const uint64_t alpha = (lower + 0x1F * kOnes) & ~(lower + 0x05 * kOnes);  // a..z
        const uint64_t digit = (x + 0x50 * kOnes) & ~(x + 0x46 * kOnes);          // 0..9
        const uint64_t other = ~(alpha | digit) & kHigh;
        if (other != 0) {
          i += static_cast<size_t>(__builtin_ctzll(other)) >> 3;
          ended = true;
          break;
        }
        i += 8;
      }
      if (ended) break;
      while (i < n && cls[p[i]] == 1) ++i;
      if (i == n || cls[p[i]] == 0) break;
      size_t next = i;
      if (!word_cp(&next)) break;
      i = next;
    }
    fn(s.substr(start, i - start));
  }
}

// The words of `s` (views into `s`).
std::vector<std::string_view> Words(std::string_view s);

// The word k-shingles of `words`: each run of `k` consecutive words joined by
// one space. A text with fewer than `k` (but at least one) words has one
// shingle, all its words. `k` must be at least 1.
std::vector<std::string> WordShingles(const std::vector<std::string_view>& words, size_t k);

// Jaccard similarity of the word k-shingle sets of two texts (normalized by
// the caller). Two texts without words have similarity 1; one empty, 0.
double ShingleJaccard(std::string_view a, std::string_view b, size_t k);

// Share of the k-shingles of `a` that also occur in `b` (containment of a in b).
double ShingleContainment(std::string_view a, std::string_view b, size_t k);

}  // namespace custody::text
