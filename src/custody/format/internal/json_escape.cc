#include "custody/format/internal/json_escape.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace custody::format::internal {
namespace {

constexpr std::array<bool, 256> MakeNeedsEscape() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kNeedsEscape = MakeNeedsEscape();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

// True if one of the eight bytes of `w` needs escaping: below 0x20, '"' or
// '\\'. Exact (the classic "has a byte less than n" and "has a zero byte"
// tests have no false positives as a whole-word answer).
bool AnyNeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t below = (w - kOnes * 0x20) & ~w;
  const uint64_t q = (quote - kOnes) & ~quote;
  const uint64_t b = (backslash - kOnes) & ~backslash;
  return ((below | q | b) & kHigh) != 0;
}

}  // namespace

void AppendJsonEscaped(std::string_view s, std::string* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;
  while (p < end) {
#if defined(__SSE2__)
    // Sixteen bytes at a time while none needs escaping: c <= 0x1F
    // (unsigned: max(c, 0x1F) == 0x1F), '"' or '\\'.
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
      const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
      const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
      if (_mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(quote, backslash))) != 0) break;
      p += 16;
    }
#endif
    // Eight bytes at a time while none needs escaping.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (AnyNeedsEscape(w)) break;
      p += 8;
    }
    if (p == end) break;
    const auto c = static_cast<uint8_t>(*p);
    if (!kNeedsEscape[c]) {
      ++p;
      continue;
    }
    out->append(run, p - run);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(buf, 6);
      }
    }
    ++p;
    run = p;
  }
  out->append(run, end - run);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

void AppendJsonUnescaped(std::string_view body, std::string* out) {
  size_t i = 0;
  while (i < body.size()) {
    const size_t bs = body.find('\\', i);
    if (bs == std::string_view::npos) {
      out->append(body.substr(i));
      return;
    }
    out->append(body.substr(i, bs - i));
    if (bs + 1 >= body.size()) return;
    const char e = body[bs + 1];
    i = bs + 2;
    switch (e) {
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u':
        if (bs + 6 <= body.size()) {
          // Canonical form only uses \u00xx for control characters.
          out->push_back(static_cast<char>(HexValue(body[bs + 4]) * 16 + HexValue(body[bs + 5])));
          i = bs + 6;
        }
        break;
      default: out->push_back(e); break;  // '"', '\\', '/'
    }
  }
}

}  // namespace custody::format::internal
