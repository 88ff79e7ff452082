// The slot scanner: a single-pass lexer into units, then site detection over
// the units (pass 1: words, phrases, intro commas, titles, rates, signs;
// pass 2: Oxford commas over the rendering-free unit sequence), then slot ids
// from each site's neighbouring units. See scanner.h for the invariant.
#include "custody/mark/internal/scanner.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "custody/mark/internal/lexicon.h"

namespace custody::mark::internal {
namespace {

enum class UnitType : uint8_t { kWord, kNumber, kPunct, kProtected, kOther };

struct Unit {
  UnitType type;
  bool space_before;
  char punct;  // kPunct: ASCII stand-in (curly quotes -> ' or ", dashes -> -)
  uint8_t case_pattern;
  uint32_t begin, end;
  uint32_t lower_off;
  uint32_t lower_len;
  uint64_t hash;   // words: Hash64(lower, kWordSeed); numbers: Hash64(digits, 1)
  uint32_t flags;  // words: WordFlags(hash)
};

// A unit of the rendering-free sequence: a plain unit or a whole site.
struct Canon {
  uint64_t hash;      // context identity; 0 for punctuation (skipped in contexts)
  int32_t unit;       // first unit index
  int32_t site;       // index into the field's sites, or -1
  uint32_t end_byte;  // end of the unit or site in the text
};

struct Scratch {
  // The units of the field are units[0, unit_count). `units` only grows, so
  // a unit is written straight into its slot: building one on the stack and
  // copying it in (push_back, emplace_back) stalls on store forwarding.
  std::vector<Unit> units;
  size_t unit_count = 0;
  std::string lower;
  // The rendering-free sequence is canon[0, canon_count); grown only, and
  // written in place, as `units`.
  std::vector<Canon> canon;
  size_t canon_count = 0;
  // Indices into canon of the sites and of the plain words "and"/"or" (the
  // only entries AssignIds and OxfordPass act on), so neither walks it all.
  std::vector<int32_t> site_entries;
  std::vector<int32_t> conj_entries;
  std::vector<Site> sites;
  std::vector<std::pair<uint64_t, uint32_t>> occurrences;
};

// Decodes one UTF-8 code point at s[i]; returns its length (1 for an invalid
// byte, with *cp = 0xFFFD).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (c < 0xC2 || c > 0xF4 || i + len > s.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  uint32_t v = c & (0x3F >> (len - 1));
  for (size_t k = 1; k < len; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (d & 0x3F);
  }
  *cp = v;
  return len;
}

bool IsUnicodeSpace(uint32_t cp) {
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
// Code points NormalizeForMatch deletes (default-ignorable / format).
bool IsIgnorable(uint32_t cp) {
  return cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) ||
         cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E);
}
char PunctStandIn(uint32_t cp) {
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033: case 0xAB: case 0xBB:
      return '"';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212: return '-';
    case 0x2026: return '.';
    default: return 0;
  }
}

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// An apostrophe inside a word at s[i]: returns its byte length, else 0.
size_t WordApostropheAt(std::string_view s, size_t i) {
  if (s[i] == '\'') return i + 1 < s.size() && IsAsciiAlpha(s[i + 1]) ? 1 : 0;
  if (static_cast<unsigned char>(s[i]) == 0xE2 && i + 3 < s.size() &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) == 0x99 && IsAsciiAlpha(s[i + 3])) {
    return 3;
  }
  return 0;
}

constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void Lex(std::string_view s, Scratch* sc) {
  const uint64_t kWordSeedMix = Mix64(kWordSeed);
  sc->unit_count = 0;
  const WordFlagTable& flag_table = WordFlagsTable();
  // Every lower-case byte comes from at least one input byte, so `lower`
  // never needs to grow while lexing.
  if (sc->lower.size() < s.size()) sc->lower.resize(s.size());
  char* const lower = sc->lower.data();
  uint32_t lower_n = 0;
  bool space = true;
  size_t i = 0;
  const size_t n = s.size();
  auto push = [&](UnitType t, size_t b, size_t e, char p) -> Unit& {
    if (sc->unit_count == sc->units.size()) {
      sc->units.resize(std::max<size_t>(64, 2 * sc->units.size()));
    }
    Unit& u = sc->units[sc->unit_count++];
    u.type = t;
    u.space_before = space;
    u.punct = p;
    u.case_pattern = 0;
    u.begin = static_cast<uint32_t>(b);
    u.end = static_cast<uint32_t>(e);
    u.lower_off = 0;
    u.lower_len = 0;
    u.hash = 0;
    u.flags = 0;
    space = false;
    return u;
  };
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      ++i;
      continue;
    }
    size_t pend;
    if ((c == '<' || c == '`' || c == 'h' || c == 'H' || c == 'w' || c == 'W') &&
        ProtectedSpanAt(s, i, &pend)) {
      push(UnitType::kProtected, i, pend, 0);
      i = pend;
      continue;
    }
    if (IsAsciiAlpha(c)) {
      size_t b = i;
      const uint32_t off = lower_n;
      int upper = 0, letters = 0;
      bool first_upper = c <= 'Z';
      // Hash64(lower, kWordSeed), computed while lowering.
      uint64_t h = kFnvBasis ^ kWordSeedMix;
      while (i < n) {
        unsigned char d = static_cast<unsigned char>(s[i]);
        if (IsAsciiAlpha(d)) {
          upper += d <= 'Z';
          ++letters;
          const unsigned char lc = d | 0x20;
          lower[lower_n++] = static_cast<char>(lc);
          h = (h ^ lc) * kFnvPrime;
          ++i;
          continue;
        }
        size_t a = WordApostropheAt(s, i);
        if (a == 0) break;
        lower[lower_n++] = '\'';
        h = (h ^ static_cast<unsigned char>('\'')) * kFnvPrime;
        i += a;
      }
      Unit& u = push(UnitType::kWord, b, i, 0);
      u.lower_off = off;
      u.lower_len = lower_n - off;
      u.case_pattern = (letters >= 2 && upper == letters) ? 2 : first_upper ? 1 : 0;
      u.hash = Mix64(h ^ u.lower_len);
      u.flags = WordFlagsIn(flag_table, u.hash);
      continue;
    }
    if (IsDigit(c)) {
      size_t b = i;
      const uint32_t off = lower_n;
      while (i < n) {
        unsigned char d = static_cast<unsigned char>(s[i]);
        if (IsDigit(d) || ((d == '.' || d == ',') && i + 1 < n && IsDigit(s[i + 1]))) {
          lower[lower_n++] = static_cast<char>(d);
          ++i;
        } else {
          break;
        }
      }
      Unit& u = push(UnitType::kNumber, b, i, 0);
      u.lower_off = off;
      u.lower_len = lower_n - off;
      u.hash = Hash64(std::string_view(lower + off, u.lower_len), 1);
      continue;
    }
    if (c < 0x80) {
      push(UnitType::kPunct, i, i + 1, static_cast<char>(c));
      ++i;
      continue;
    }
    uint32_t cp;
    size_t len = DecodeUtf8(s, i, &cp);
    if (IsUnicodeSpace(cp)) {
      space = true;
    } else if (IsIgnorable(cp)) {
      // dropped by normalization: neither space nor unit
    } else if (char p = PunctStandIn(cp)) {
      push(UnitType::kPunct, i, i + len, p);
    } else {
      push(UnitType::kOther, i, i + len, 0);
    }
    i += len;
  }
}

class FieldScanner {
 public:
  FieldScanner(std::string_view text, Scratch* sc) : s_(text), sc_(sc), u_(sc->units.data(), sc->unit_count) {}

  void Run(std::vector<Site>* out);

 private:
  int N() const { return static_cast<int>(u_.size()); }
  std::string_view Lower(int k) const {
    return std::string_view(sc_->lower).substr(u_[k].lower_off, u_[k].lower_len);
  }
  bool IsWord(int k) const { return k >= 0 && k < N() && u_[k].type == UnitType::kWord; }
  bool IsNumber(int k) const { return k >= 0 && k < N() && u_[k].type == UnitType::kNumber; }
  bool IsPunct(int k, char p) const {
    return k >= 0 && k < N() && u_[k].type == UnitType::kPunct && u_[k].punct == p;
  }
  // A word separated from the previous unit by white space.
  bool SpacedWord(int k) const { return IsWord(k) && u_[k].space_before; }
  // The lower-case word at k if it is a spaced word, else "".
  std::string_view SpacedLower(int k) const { return SpacedWord(k) ? Lower(k) : ""; }

  bool LeftOk(int k) const {
    if (k == 0 || u_[k].space_before) return true;
    const Unit& p = u_[k - 1];
    return p.type == UnitType::kPunct && std::strchr("(\"'[{", p.punct) != nullptr;
  }
  bool RightOk(int k) const {
    if (k + 1 >= N() || u_[k + 1].space_before) return true;
    const Unit& nx = u_[k + 1];
    if (nx.type != UnitType::kPunct) return false;
    if (nx.punct == '.') {
      return k + 2 >= N() || u_[k + 2].space_before || u_[k + 2].type == UnitType::kPunct;
    }
    return std::strchr(",;:!?)\"']}", nx.punct) != nullptr;
  }
  bool Eligible(int k) const { return IsWord(k) && LeftOk(k) && RightOk(k); }
  bool SentenceStart(int k) const {
    if (k == 0) return true;
    if (!u_[k].space_before) return false;
    const Unit& p = u_[k - 1];
    if (p.type != UnitType::kPunct || std::strchr(".!?", p.punct) == nullptr) return false;
    if (p.punct == '.' && IsWord(k - 2) && !u_[k - 1].space_before &&
        (u_[k - 2].flags & kFlagTitle) && LookupTitle(Lower(k - 2)) >= 0) {
      return false;
    }
    return true;
  }
  bool FamilyGuard(Family f, int next) const {
    switch (f) {
      case Family::kPlain:
      case Family::kNeg:
        return true;
      case Family::kBe:
      case Family::kWill:
      case Family::kBeS: {
        if (!(k_in(next) && u_[next].space_before &&
              (u_[next].type == UnitType::kWord || u_[next].type == UnitType::kNumber))) {
          return false;
        }
        if (u_[next].type == UnitType::kWord) {
          std::string_view w = Lower(next);
          if (w == "not") return false;
          if (f == Family::kBeS && LooksLikeParticiple(w)) return false;
        }
        return true;
      }
    }
    return false;
  }
  bool k_in(int k) const { return k >= 0 && k < N(); }

  // Pass-1 matchers at unit k; each returns the number of units consumed
  // (0 if no site) and appends the site.
  int MatchIntro(int k);
  int MatchWordSites(int k);
  int MatchNumberSites(int k);
  int MatchTimesStar(int k);
  void AddSite(int class_id, uint32_t begin, uint32_t end, uint32_t keep_end, int r,
               uint8_t case_pattern);
  void PushCanon(uint64_t hash, int32_t unit, int32_t site, uint32_t end_byte) {
    if (sc_->canon_count == sc_->canon.size()) {
      sc_->canon.resize(std::max<size_t>(64, 2 * sc_->canon.size()));
    }
    Canon& c = sc_->canon[sc_->canon_count++];
    c.hash = hash;
    c.unit = unit;
    c.site = site;
    c.end_byte = end_byte;
    if (site >= 0) sc_->site_entries.push_back(static_cast<int32_t>(sc_->canon_count - 1));
  }
  void OxfordPass();
  void AssignIds();

  std::string_view s_;
  Scratch* sc_;
  std::span<const Unit> u_;
};

void FieldScanner::AddSite(int class_id, uint32_t begin, uint32_t end, uint32_t keep_end,
                           int r, uint8_t case_pattern) {
  Site st;
  st.begin = begin;
  st.end = end;
  st.keep_end = keep_end;
  st.class_id = static_cast<uint16_t>(class_id);
  st.kind = ClassById(st.class_id).kind;
  st.rendering = static_cast<uint8_t>(r);
  st.case_pattern = case_pattern;
  sc_->sites.push_back(st);
}

int FieldScanner::MatchIntro(int k) {
  if (!SentenceStart(k) || !LeftOk(k)) return 0;
  std::string_view w2 = SpacedLower(k + 1), w3 = w2.empty() ? "" : SpacedLower(k + 2);
  int words = 0;
  int id = LookupIntro(Lower(k), w2, w3, &words);
  if (id < 0) return 0;
  int last = k + words - 1;
  if (!RightOk(last)) return 0;
  int r = 0, next = last + 1;
  if (IsPunct(next, ',') && !u_[next].space_before) {
    r = 1;
    ++next;
  }
  std::string_view nw = SpacedWord(next) && (u_[next].flags & kFlagWordSite)
                            ? CanonicalFirstWord(Lower(next))
                            : SpacedLower(next);
  if (nw.empty() && !(IsNumber(next) && u_[next].space_before)) return 0;
  if (!nw.empty()) {
    if (IntroNeedsWhitelist(id) ? !IntroNextWhitelisted(nw) : IntroNextBlacklisted(nw)) {
      return 0;
    }
  } else if (IntroNeedsWhitelist(id)) {
    return 0;
  }
  uint32_t keep_end = u_[last].end;
  uint32_t end = r ? u_[last + 1].end : keep_end;
  AddSite(id, u_[k].begin, end, keep_end, r, u_[k].case_pattern);
  return next - k;
}

int FieldScanner::MatchWordSites(int k) {
  if (!LeftOk(k)) return 0;
  std::string_view w = Lower(k);
  // Title abbreviation with or without its period.
  const uint32_t flags = u_[k].flags;
  int id = (flags & kFlagTitle) ? LookupTitle(w) : -1;
  if (id >= 0) {
    if (IsPunct(k + 1, '.') && !u_[k + 1].space_before && SpacedWord(k + 2)) {
      AddSite(id, u_[k].begin, u_[k + 1].end, u_[k].end, 1, 0);
      return 2;
    }
    if (SpacedWord(k + 1)) {
      AddSite(id, u_[k].begin, u_[k].end, u_[k].end, 0, 0);
      return 1;
    }
    return 0;
  }
  // "altogether" / "in total" closing a clause.
  auto closes = [&](int j) {
    return k_in(j) && u_[j].type == UnitType::kPunct && !u_[j].space_before &&
           std::strchr(".?!,", u_[j].punct) != nullptr;
  };
  if (w == "altogether" && closes(k + 1)) {
    AddSite(InTotalClass(), u_[k].begin, u_[k].end, u_[k].end, 1, u_[k].case_pattern);
    return 1;
  }
  if (w == "in" && SpacedLower(k + 1) == "total" && closes(k + 2)) {
    AddSite(InTotalClass(), u_[k].begin, u_[k + 1].end, u_[k + 1].end, 0, u_[k].case_pattern);
    return 2;
  }
  // Two-word phrase with a contracted twin.
  if ((flags & kFlagPhraseFirst) && SpacedWord(k + 1) && (u_[k + 1].flags & kFlagPhraseSecond) &&
      RightOk(k + 1)) {
    id = LookupPhrase(w, Lower(k + 1));
    if (id >= 0 && FamilyGuard(ClassById(id).family, k + 2)) {
      AddSite(id, u_[k].begin, u_[k + 1].end, u_[k + 1].end, 0, u_[k].case_pattern);
      return 2;
    }
  }
  if (!RightOk(k)) return 0;
  int form = 0;
  id = (flags & kFlagWordSite) ? LookupWord(w, &form) : -1;
  if (id >= 0) {
    if (!FamilyGuard(ClassById(id).family, k + 1)) return 0;
    AddSite(id, u_[k].begin, u_[k].end, u_[k].end, form, u_[k].case_pattern);
    return 1;
  }
  if ((w == "each" || w == "every") && IsTimeNoun(SpacedLower(k + 1))) {
    AddSite(EachEveryClass(), u_[k].begin, u_[k].end, u_[k].end, w == "every",
            u_[k].case_pattern);
    return 1;
  }
  if ((w == "a" || w == "an" || w == "per") && u_[k].space_before) {
    std::string_view noun = SpacedLower(k + 1);
    id = noun.empty() ? -1 : LookupRateUnit(noun);
    if (id < 0 || !RightOk(k + 1)) return 0;
    if (w != "per" && w != ClassById(id).forms[0]) return 0;
    bool after_number = IsNumber(k - 1) || (IsWord(k - 1) && Lower(k - 1).ends_with('s') &&
                                            u_[k - 1].space_before && IsNumber(k - 2));
    if (!after_number) return 0;
    if (IsWord(k + 2) && RateNextBlacklisted(Lower(k + 2))) return 0;
    AddSite(id, u_[k].begin, u_[k].end, u_[k].end, w == "per", u_[k].case_pattern);
    return 1;
  }
  if (w == "x" && u_[k].space_before && IsNumber(k - 1) && k + 1 < N() &&
      u_[k + 1].space_before &&
      (IsNumber(k + 1) || (IsPunct(k + 1, '$') && IsNumber(k + 2) && !u_[k + 2].space_before))) {
    AddSite(TimesClass(), u_[k].begin, u_[k].end, u_[k].end, 0, 0);
    return 1;
  }
  return 0;
}

int FieldScanner::MatchTimesStar(int k) {
  if (u_[k].space_before && IsNumber(k - 1) && k + 1 < N() && u_[k + 1].space_before &&
      (IsNumber(k + 1) || (IsPunct(k + 1, '$') && IsNumber(k + 2) && !u_[k + 2].space_before))) {
    AddSite(TimesClass(), u_[k].begin, u_[k].end, u_[k].end, 1, 0);
    return 1;
  }
  return 0;
}

// "20% of" / "20 percent of": the site spans from the number's end.
int FieldScanner::MatchNumberSites(int k) {
  int j = k + 1;
  if (IsPunct(j, '%') && !u_[j].space_before && SpacedWord(j + 1)) {
    AddSite(PercentClass(), u_[k].end, u_[j].end, u_[k].end, 0, 0);
    return 1;
  }
  if (SpacedWord(j) && Lower(j) == "percent" && RightOk(j) && SpacedWord(j + 1)) {
    AddSite(PercentClass(), u_[k].end, u_[j].end, u_[k].end, 1, 0);
    return 1;
  }
  return 0;
}

void FieldScanner::Run(std::vector<Site>* out) {
  sc_->sites.clear();
  sc_->canon_count = 0;
  sc_->site_entries.clear();
  sc_->conj_entries.clear();
  int k = 0;
  while (k < N()) {
    const Unit& u = u_[k];
    int consumed = 0;
    size_t before = sc_->sites.size();
    if (u.type == UnitType::kWord) {
      if (u.flags & kFlagIntroFirst) consumed = MatchIntro(k);
      if (consumed == 0 && (u.flags & ~(kFlagIntroFirst | kFlagConj | kFlagPhraseSecond)) != 0) {
        consumed = MatchWordSites(k);
      }
    } else if (u.type == UnitType::kPunct && u.punct == '*') {
      consumed = MatchTimesStar(k);
    } else if (u.type == UnitType::kNumber) {
      // The number itself stays a plain unit; a percent site follows it.
      PushCanon(u.hash, k, -1, u.end);
      if (MatchNumberSites(k) > 0) {
        const Site& st = sc_->sites.back();
        PushCanon(ClassById(st.class_id).key_hash, k + 1,
                  static_cast<int32_t>(sc_->sites.size() - 1), st.end);
        k += 2;
        continue;
      }
      ++k;
      continue;
    }
    if (consumed > 0 && sc_->sites.size() > before) {
      const Site& st = sc_->sites.back();
      PushCanon(ClassById(st.class_id).key_hash, k,
                static_cast<int32_t>(sc_->sites.size() - 1), st.end);
      k += consumed;
      continue;
    }
    uint64_t h = 0;
    switch (u.type) {
      case UnitType::kWord: h = u.hash; break;
      case UnitType::kProtected: h = 0x70726f74ULL; break;
      case UnitType::kOther: h = 0x6f746872ULL; break;
      default: h = 0; break;
    }
    PushCanon(h, k, -1, u.end);
    if (u.type == UnitType::kWord && (u.flags & kFlagConj)) {
      sc_->conj_entries.push_back(static_cast<int32_t>(sc_->canon_count - 1));
    }
    ++k;
  }
  OxfordPass();
  AssignIds();
  std::sort(sc_->sites.begin(), sc_->sites.end(),
            [](const Site& a, const Site& b) { return a.begin < b.begin; });
  out->insert(out->end(), sc_->sites.begin(), sc_->sites.end());
}

void FieldScanner::OxfordPass() {
  const std::span<Canon> c(sc_->canon.data(), sc_->canon_count);
  const int m_count = static_cast<int>(c.size());
  auto plain_word = [&](int m) {
    return m >= 0 && m < m_count && c[m].site < 0 && c[m].unit >= 0 &&
           u_[c[m].unit].type == UnitType::kWord;
  };
  auto itemish = [&](int m) {
    if (m < 0 || m >= m_count) return false;
    if (c[m].site >= 0) {
      SlotKind kd = sc_->sites[c[m].site].kind;
      return kd == SlotKind::kSpelling || kd == SlotKind::kSynonym;
    }
    if (c[m].unit < 0) return false;
    const Unit& u = u_[c[m].unit];
    if (u.type == UnitType::kNumber) return true;
    return u.type == UnitType::kWord && !OxfordItemBlacklisted(Lower(c[m].unit));
  };
  auto plain_comma = [&](int m) {
    return m >= 0 && c[m].site < 0 && c[m].hash == 0 && IsPunct(c[m].unit, ',');
  };
  // Every plain word flagged as a conjunction, in order (the entries this
  // pass changes are the conjunction itself and the comma before it).
  for (const int32_t m : sc_->conj_entries) {
    if (m < 1 || m + 1 >= m_count) continue;
    if (!plain_word(m) || !(u_[c[m].unit].flags & kFlagConj)) continue;
    int uk = c[m].unit;
    int id = OxfordClass(Lower(uk));
    if (id < 0 || !u_[uk].space_before || !RightOk(uk)) continue;
    if (!itemish(m + 1) || !u_[c[m + 1].unit].space_before) continue;
    int r = 0, item_end = m - 1;
    if (plain_comma(m - 1) && !u_[c[m - 1].unit].space_before) {
      r = 1;
      item_end = m - 2;
    }
    int j = item_end, items = 0;
    while (items < 3 && itemish(j)) {
      --j;
      ++items;
    }
    if (items == 0 || !plain_comma(j) || u_[c[j].unit].space_before || !itemish(j - 1)) continue;
    uint32_t begin = c[item_end].end_byte;
    AddSite(id, begin, u_[uk].end, begin, r, u_[uk].case_pattern);
    int site_index = static_cast<int>(sc_->sites.size()) - 1;
    c[m].site = site_index;
    c[m].hash = ClassById(static_cast<uint16_t>(id)).key_hash;
    sc_->site_entries.push_back(m);
    if (r == 1) c[m - 1].unit = -1;  // the comma belongs to the site now
  }
}

void FieldScanner::AssignIds() {
  const std::span<const Canon> c(sc_->canon.data(), sc_->canon_count);
  const int m_count = static_cast<int>(c.size());
  sc_->occurrences.clear();
  // In sequence order, as occurrence counts depend on it (OxfordPass added
  // its sites after the others).
  std::sort(sc_->site_entries.begin(), sc_->site_entries.end());
  for (const int32_t m : sc_->site_entries) {
    uint64_t ctx[4] = {0, 0, 0, 0};
    int got = 0;
    for (int j = m - 1; j >= 0 && got < 2; --j) {
      if (c[j].hash != 0) ctx[1 - got++] = c[j].hash;
    }
    got = 0;
    for (int j = m + 1; j < m_count && got < 2; ++j) {
      if (c[j].hash != 0) ctx[2 + got++] = c[j].hash;
    }
    uint64_t h = c[m].hash;
    for (uint64_t x : ctx) h = Mix64(h * 0x9e3779b97f4a7c15ULL + x);
    uint32_t occ = 0;
    for (auto& [base, count] : sc_->occurrences) {
      if (base == h) {
        occ = ++count;
        break;
      }
    }
    if (occ == 0) sc_->occurrences.emplace_back(h, 0);
    sc_->sites[c[m].site].slot_id = Mix64(h + occ * 0xbf58476d1ce4e5b9ULL);
  }
}

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

char ApplyCaseChar(char ch, bool upper) {
  return upper && ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
}

}  // namespace

bool ProtectedSpanAt(std::string_view s, size_t i, size_t* end) {
  const size_t n = s.size();
  char c = s[i];
  if (c == '<') {
    if (i + 1 >= n || s[i + 1] != '<') return false;
    size_t e = s.find(">>", i + 2);
    *end = e == std::string_view::npos ? n : e + 2;
    return true;
  }
  if (c == '`') {
    size_t fence = s.compare(i, 3, "```") == 0 ? 3 : 1;
    size_t e = s.find(fence == 3 ? "```" : "`", i + fence);
    *end = e == std::string_view::npos ? n : e + fence;
    return true;
  }
  if (c == 'h' || c == 'H' || c == 'w' || c == 'W') {
    if (i > 0 && (IsAsciiAlpha(s[i - 1]) || IsDigit(s[i - 1]))) return false;
    auto starts = [&](std::string_view p) {
      if (i + p.size() > n) return false;
      for (size_t k = 0; k < p.size(); ++k) {
        if ((s[i + k] | 0x20) != p[k]) return false;
      }
      return true;
    };
    if (!(starts("http://") || starts("https://") || starts("www."))) return false;
    size_t e = i;
    while (e < n && !(s[e] == ' ' || s[e] == '\n' || s[e] == '\t' || s[e] == '\r')) ++e;
    *end = e;
    return true;
  }
  return false;
}

void ScanField(std::string_view text, std::vector<Site>* sites) {
  Scratch& sc = ThreadScratch();
  Lex(text, &sc);
  FieldScanner(text, &sc).Run(sites);
}

void RenderSite(const Site& site, int r, std::string_view text, std::string* out) {
  const SlotClass& cls = ClassById(site.class_id);
  if (cls.mode == RenderMode::kSuffix) {
    out->append(text.substr(site.begin, site.keep_end - site.begin));
    out->append(cls.forms[r]);
    return;
  }
  std::string_view form = cls.forms[r];
  bool first_done = false;
  for (char ch : form) {
    bool letter = IsAsciiAlpha(static_cast<unsigned char>(ch));
    bool up = site.case_pattern == 2 || (site.case_pattern == 1 && letter && !first_done);
    if (letter) first_done = true;
    out->push_back(ApplyCaseChar(ch, up));
  }
}

}  // namespace custody::mark::internal
