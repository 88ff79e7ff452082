#include "custody/text/normalize.h"

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdlib>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <functional>
#include <vector>

#include "custody/text/utf8.h"

namespace custody::text {
namespace {

// ASCII classes for the fast path: 0 drop (control), 1 space, 2 keep, 3 upper.
struct AsciiTable {
  unsigned char cls[128];
  constexpr AsciiTable() : cls() {
    for (int c = 0; c < 128; ++c) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        cls[c] = 1;
      } else if (c < 0x20 || c == 0x7F) {
        cls[c] = 0;
      } else if (c >= 'A' && c <= 'Z') {
        cls[c] = 3;
      } else {
        cls[c] = 2;
      }
    }
  }
};
constexpr AsciiTable kAscii;

void NormalizeAscii(std::string_view s, std::string* out) {
  out->resize(s.size());
  char* o = out->data();
  size_t n = 0;
  bool pending_space = false;
  for (unsigned char c : s) {
    switch (kAscii.cls[c]) {
      case 0:
        break;
      case 1:
        pending_space = n > 0;
        break;
      case 2:
        if (pending_space) o[n++] = ' ', pending_space = false;
        o[n++] = static_cast<char>(c);
        break;
      default:
        if (pending_space) o[n++] = ' ', pending_space = false;
        o[n++] = static_cast<char>(c | 0x20);
        break;
    }
  }
  out->resize(n);
}

// Look-alike letters (after case folding) to their Latin base letter; quotes
// and dashes to ASCII. Returns the replacement or `cp` unchanged.
int32_t MapConfusable(int32_t cp) {
  switch (cp) {
    // Cyrillic
    case 0x0430: return 'a';
    case 0x0435: return 'e';
    case 0x043E: return 'o';
    case 0x0440: return 'p';
    case 0x0441: return 'c';
    case 0x0443: return 'y';
    case 0x0445: return 'x';
    case 0x0456: return 'i';
    case 0x0458: return 'j';
    case 0x0455: return 's';
    case 0x0501: return 'd';
    case 0x04BB: return 'h';
    case 0x051B: return 'q';
    case 0x051D: return 'w';
    case 0x04CF: return 'l';
    case 0x0475: return 'v';
    // Greek
    case 0x03BF: return 'o';
    case 0x03B1: return 'a';
    case 0x03B9: return 'i';
    case 0x03BA: return 'k';
    case 0x03BD: return 'v';
    case 0x03C1: return 'p';
    case 0x03C4: return 't';
    case 0x03C5: return 'u';
    case 0x03C7: return 'x';
    case 0x03F2: return 'c';
    case 0x03F3: return 'j';
    // Latin look-alikes
    case 0x0131: return 'i';  // dotless i
    case 0x0261: return 'g';  // script g
    case 0x0251: return 'a';  // alpha-like a
    case 0x01C0: return 'l';  // dental click
    // Quotes
    case 0x2018: case 0x2019: case 0x201A: case 0x201B:
    case 0x2032: case 0x2035: case 0x02BC: case 0x02B9: case 0x00B4:
      return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F:
    case 0x2033: case 0x2036: case 0x00AB: case 0x00BB: case 0x02BA:
      return '"';
    // Dashes and minus signs
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
    case 0x2015: case 0x2212: case 0x2043: case 0xFE58: case 0xFE63:
      return '-';
    default:
      return cp;
  }
}

bool IsSpace(int32_t cp) {
  if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
    return true;
  }
  return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool IsDropped(int32_t cp) {
  utf8proc_category_t cat = utf8proc_category(cp);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF;
}

// `lead_space` / `trail_space` (optional): whether white space came before
// the first / after the last character kept (it was trimmed from `out`).
void NormalizeUnicode(std::string_view s, std::string* out, bool* lead_space = nullptr,
                      bool* trail_space = nullptr) {
  out->clear();
  bool lead = false;
  std::string clean;
  if (!IsValidUtf8(s)) {
    clean = DropInvalidUtf8(s);
    s = clean;
  }
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t len = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                     UTF8PROC_CASEFOLD | UTF8PROC_IGNORE));
  if (len < 0) {
    // Cannot happen on valid UTF-8 except on allocation failure; fall back to
    // the unmapped text so the function stays total.
    std::free(mapped);
    NormalizeAscii(s, out);
    if (lead_space != nullptr) *lead_space = false;
    if (trail_space != nullptr) *trail_space = false;
    return;
  }
  std::string_view m(reinterpret_cast<const char*>(mapped), static_cast<size_t>(len));
  out->reserve(m.size());
  bool pending_space = false;
  bool recompose = false;  // a removal or mapping may let marks compose anew
  size_t i = 0;
  while (i < m.size()) {
    int32_t cp = DecodeUtf8(m, &i);
    if (cp < 0) continue;
    if (IsSpace(cp)) {
      pending_space = !out->empty();
      lead |= out->empty();
      continue;
    }
    if (IsDropped(cp)) {
      recompose = true;
      continue;
    }
    int32_t mapped_cp = MapConfusable(cp);
    recompose |= mapped_cp != cp;
    cp = mapped_cp;
    if (pending_space) {
      out->push_back(' ');
      pending_space = false;
    }
    AppendUtf8(cp, out);
  }
  std::free(mapped);
  if (recompose) {
    // Canonical composition again, so that the result is a fixed point.
    utf8proc_uint8_t* composed = nullptr;
    utf8proc_ssize_t clen = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(out->data()),
        static_cast<utf8proc_ssize_t>(out->size()), &composed,
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (clen >= 0) out->assign(reinterpret_cast<const char*>(composed), static_cast<size_t>(clen));
    std::free(composed);
  }
  if (lead_space != nullptr) *lead_space = lead;
  if (trail_space != nullptr) *trail_space = pending_space;
}

}  // namespace

bool IsAsciiSpace(unsigned char c) { return kAscii.cls[c & 0x7F] == 1 && c < 0x80; }

namespace {

// Normalized forms of recently seen non-ASCII runs: words repeat (Zipf), and
// utf8proc costs far more than a lookup. Direct-mapped by a hash of the run
// (one probe, no chains); a colliding run replaces the slot.
class RunCache {
 public:
  struct Slot {
    bool used = false;
    bool lead_space = false, trail_space = false;  // see NormalizeUnicode
    std::string run, norm;
  };

  const Slot& Get(std::string_view run) {
    Slot& slot = slots_[XXH3_64bits(run.data(), run.size()) & (kSlots - 1)];
    if (slot.used && slot.run == run) return slot;
    slot.used = true;
    slot.run.assign(run);
    NormalizeUnicode(run, &slot.norm, &slot.lead_space, &slot.trail_space);
    return slot;
  }

 private:
  static constexpr size_t kSlots = 1 << 12;
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
};

// The ASCII form of the typographic quote or dash encoded at s[i] (U+2013,
// U+2014, U+2018, U+2019, U+201C, U+201D), or 0 if there is none there.
inline char DirectPunct(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i]) != 0xE2 || i + 2 >= s.size() ||
      static_cast<unsigned char>(s[i + 1]) != 0x80) {
    return 0;
  }
  switch (static_cast<unsigned char>(s[i + 2])) {
    case 0x93: case 0x94: return '-';
    case 0x98: case 0x99: return '\'';
    case 0x9C: case 0x9D: return '"';
    default: return 0;
  }
}

}  // namespace

void NormalizeForMatchInto(std::string_view s, std::string* out) {
  out->clear();
  NormalizeForMatchAppend(s, out);
}

void NormalizeForMatchAppend(std::string_view s, std::string* out) {
  // One pass over the bytes with the ASCII rules. A run between ASCII white
  // space that holds a non-ASCII byte is undone and normalized as a whole
  // through utf8proc (memoized): composition and case mapping never cross
  // ASCII white space, so the result equals normalizing the whole text.
  // Typographic quotes and dashes (DirectPunct) are mapped in place and
  // also bound runs: they are starters that compose with nothing and have
  // no decomposition, so splitting there changes nothing either, and a word
  // in quotes stays on the ASCII path.
  thread_local RunCache cache;
  const size_t len = s.size();
  const size_t base = out->size();
  out->resize(base + len + 16);
  char* o = out->data() + base;
  size_t n = 0;
  bool pending = false;
  size_t run_in = 0;         // input position where the current run started
  size_t run_out = 0;        // output size when the current run started
  bool run_pending = false;  // `pending` when the current run started
  size_t i = 0;
  size_t scalar_until = 0;  // after a block that needs the byte rules
  // After a block of `width` input bytes was copied to o + n lower-cased
  // (no double space, none leading after a space): `last_space` is the
  // position of its last space, or -1.
  auto took_block = [&](size_t width, int last_space) {
    const size_t start = n;
    n += width;
    if (last_space >= 0) {
      run_out = start + static_cast<size_t>(last_space);
      run_pending = run_out > 0;
      run_in = i + static_cast<size_t>(last_space) + 1;
      if (static_cast<size_t>(last_space) == width - 1) {  // it waits for the next word
        --n;
        pending = true;
      }
    }
    i += width;
  };
  while (i < len) {
#if defined(__SSE2__)
    if (i >= scalar_until && i + 16 <= len) {
      // Sixteen bytes at once, the same test and mapping as the eight-byte
      // block below (signed compares: bytes >= 0x80 count as below 0x20).
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                       _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
      const unsigned sp = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' '))));
      if (_mm_movemask_epi8(bad) == 0 && (sp & (sp << 1)) == 0 && !((sp & 1) && (pending || n == 0))) {
        const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                                            _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
        x = _mm_or_si128(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
        if (pending) o[n++] = ' ', pending = false;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + n), x);
        took_block(16, sp == 0 ? -1 : 31 - __builtin_clz(sp));
        continue;
      }
    }
#endif
    if (i >= scalar_until && i + 8 <= len) {
      // Eight bytes at once when they are printable ASCII with single
      // spaces: the output is then the bytes lower-cased (same rules).
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
      const bool plain = (((x - 0x20 * kOnes) & ~x) | x | (x + kOnes)) & kHigh;  // < 0x20, >= 0x7F
      const uint64_t y = x ^ (0x20 * kOnes);
      const uint64_t sp = ~(((y & ~kHigh) + ~kHigh) | y | ~kHigh);  // 0x80 in each space byte
      const bool first_space = (x & 0xFF) == ' ';
      if (!plain && (sp & (sp << 8)) == 0 && !(first_space && (pending || n == 0))) {
        const uint64_t upper = ((x + 0x3F * kOnes) & ~(x + 0x25 * kOnes)) & kHigh;  // 'A'..'Z'
        x |= upper >> 2;
        if (pending) o[n++] = ' ', pending = false;
        std::memcpy(o + n, &x, 8);
        took_block(8, sp == 0 ? -1 : (63 - __builtin_clzll(sp)) / 8);
        continue;
      }
      scalar_until = i + 8;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const char ascii = DirectPunct(s, i)) {
        if (pending) o[n++] = ' ', pending = false;
        o[n++] = ascii;
        i += 3;
        run_in = i;
        run_out = n;
        run_pending = false;
        continue;
      }
      const size_t b = run_in;
      size_t e = i;
      while (e < len && !IsAsciiSpace(static_cast<unsigned char>(s[e])) && !DirectPunct(s, e)) ++e;
      n = run_out;
      pending = run_pending;
      const RunCache::Slot& slot = cache.Get(s.substr(b, e - b));
      const std::string& piece = slot.norm;
      // White space inside the run that was trimmed at its ends still
      // separates it from a neighbouring quote or dash.
      if (slot.lead_space) pending = n > 0;
      if (!piece.empty()) {
        const size_t need = n + 1 + piece.size() + (len - e) + 16;
        if (base + need > out->size()) {
          out->resize(base + need);
          o = out->data() + base;
        }
        if (pending) o[n++] = ' ', pending = false;
        std::memcpy(o + n, piece.data(), piece.size());
        n += piece.size();
      }
      if (slot.trail_space) pending = n > 0;
      i = e;
      continue;
    }
    switch (kAscii.cls[c]) {
      case 0:
        break;
      case 1:
        pending = n > 0;
        run_out = n;
        run_pending = pending;
        run_in = i + 1;
        break;
      case 2:
        if (pending) o[n++] = ' ', pending = false;
        o[n++] = static_cast<char>(c);
        break;
      default:
        if (pending) o[n++] = ' ', pending = false;
        o[n++] = static_cast<char>(c | 0x20);
        break;
    }
    ++i;
  }
  out->resize(base + n);
}

namespace internal {
std::string NormalizeReference(std::string_view s) {
  std::string out;
  NormalizeUnicode(s, &out);
  return out;
}
}  // namespace internal

std::string NormalizeForMatch(std::string_view s) {
  std::string out;
  NormalizeForMatchInto(s, &out);
  return out;
}

}  // namespace custody::text
