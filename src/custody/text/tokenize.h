// Word tokenization and word shingles over normalized text (see
// normalize.h). A word is a maximal run of letters, digits and combining
// marks (Unicode categories L*, N*, M*); everything else separates words.
// So "don't" is the words "don" and "t", and "<<48/2=24>>24" is "48", "2",
// "24", "24". Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Calls `fn(std::string_view word)` for each word of `s`, in order.
template <typename Fn>
void ForEachWord(std::string_view s, Fn&& fn) {
  const size_t n = s.size();
  size_t i = 0;
  size_t start = 0;
  bool in_word = false;
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool word;
    size_t next;
    if (c < 0x80) {
      word = internal::IsAsciiWordByte(c);
      next = i + 1;
    } else {
      next = i;
      int32_t cp = DecodeUtf8(s, &next);
      word = cp >= 0 && internal::IsWordCodePoint(cp);
    }
    if (word) {
      if (!in_word) start = i, in_word = true;
    } else if (in_word) {
      fn(s.substr(start, i - start));
      in_word = false;
    }
    i = next;
  }
  if (in_word) fn(s.substr(start, n - start));
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
