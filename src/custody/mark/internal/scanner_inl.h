// Template bodies for scanner.h.
#pragma once

namespace custody::mark::internal {

inline bool IsAsciiAlpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

template <typename Fn>
void ForEachWordApostrophe(std::string_view text, Fn fn) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    size_t end;
    if (ProtectedSpanAt(text, i, &end)) {
      i = end;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (i > 0 && IsAsciiAlpha(static_cast<unsigned char>(text[i - 1]))) {
      if (c == '\'' && i + 1 < n && IsAsciiAlpha(static_cast<unsigned char>(text[i + 1]))) {
        fn(i, size_t{1});
        i += 1;
        continue;
      }
      if (c == 0xE2 && i + 3 < n && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
          static_cast<unsigned char>(text[i + 2]) == 0x99 &&
          IsAsciiAlpha(static_cast<unsigned char>(text[i + 3]))) {
        fn(i, size_t{3});
        i += 3;
        continue;
      }
    }
    ++i;
  }
}

}  // namespace custody::mark::internal
