// Canary records (see canary.h).
#include "custody/mark/canary.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <unordered_set>

#include "custody/crypto/crypto.h"
#include "custody/mark/internal/names.h"
#include "custody/mark/internal/scanner.h"

namespace custody::mark {
namespace {

using internal::EntityCategory;
using internal::IsAsciiAlpha;

struct Word {
  size_t field;
  size_t begin, end;  // the word's letters, without a possessive 's
  std::string lower;
  bool capitalized;   // first letter upper, rest lower
  bool all_lower;
};

bool IsAlnumByte(unsigned char c) {
  return IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c >= 0x80;
}

// Whole ASCII words of `text` (letters only; a trailing 's or ’s is split
// off), skipping protected spans.
void Words(std::string_view text, size_t field, std::vector<Word>* out) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    size_t pend;
    if (internal::ProtectedSpanAt(text, i, &pend)) {
      i = pend;
      continue;
    }
    if (!IsAsciiAlpha(text[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < n && IsAsciiAlpha(text[i])) ++i;
    size_t e = i;
    // Possessive suffix.
    size_t after = e;
    if (after + 1 < n && text[after] == '\'' && (text[after + 1] | 0x20) == 's') {
      after += 2;
    } else if (after + 3 < n && text.compare(after, 3, "\xE2\x80\x99") == 0 &&
               (text[after + 3] | 0x20) == 's') {
      after += 4;
    }
    bool left_ok = b == 0 || !IsAlnumByte(text[b - 1]);
    bool right_ok = after >= n || !IsAlnumByte(text[after]);
    if (after != e && !right_ok) {  // "it's" style contraction, not a possessive
      while (i < n && (IsAsciiAlpha(text[i]) || text[i] == '\'')) ++i;
      continue;
    }
    i = after;
    if (!left_ok || !right_ok) continue;
    Word w{field, b, e, std::string(text.substr(b, e - b)), false, true};
    bool upper_first = text[b] <= 'Z';
    bool rest_lower = true;
    for (size_t k = 0; k < w.lower.size(); ++k) {
      char c = w.lower[k];
      if (k > 0 && c <= 'Z') rest_lower = false;
      w.lower[k] = static_cast<char>(c | 0x20);
    }
    w.capitalized = upper_first && rest_lower;
    w.all_lower = !upper_first && rest_lower;
    out->push_back(std::move(w));
  }
}

struct Entity {
  EntityCategory category;
  int index;
  bool vowel_initial;
  std::vector<int> candidates;
  int chosen = -1;
};

bool StartsWithVowel(std::string_view w) {
  return !w.empty() && std::strchr("aeiou", w[0]) != nullptr;
}

}  // namespace

size_t CanaryCount(size_t release_size, double rate) {
  if (rate <= 0 || release_size == 0) return 0;
  double n = std::round(static_cast<double>(release_size) * rate);
  return std::max<size_t>(1, static_cast<size_t>(n));
}

Result<CanaryMaker> CanaryMaker::Create(const crypto::SecretBytes& mark_key) {
  if (mark_key.size() < 16 || mark_key.size() > 64) {
    return InvalidArgumentError("mark key: expected 16..64 bytes, found " +
                                std::to_string(mark_key.size()));
  }
  return CanaryMaker(crypto::DeriveKey(mark_key, "mark/canary"));
}

std::optional<Canary> CanaryMaker::Make(std::span<const TextField> source, MemberId member,
                                        uint64_t canary_index) const {
  const uint64_t member_id = static_cast<uint64_t>(member.value());
  std::vector<Word> words;
  for (size_t f = 0; f < source.size(); ++f) Words(source[f].value, f, &words);

  // Entities in order of first appearance. A name counts only when every
  // occurrence is capitalized; a noun only when every occurrence is lower case.
  std::vector<Entity> entities;
  std::vector<bool> rejected;
  auto find = [&](EntityCategory c, int idx) -> int {
    for (size_t k = 0; k < entities.size(); ++k) {
      if (entities[k].category == c && entities[k].index == idx) return static_cast<int>(k);
    }
    return -1;
  };
  std::vector<int> word_entity(words.size(), -1);
  for (size_t w = 0; w < words.size(); ++w) {
    EntityCategory c;
    int idx;
    bool plural;
    if (!internal::LookupEntity(words[w].lower, &c, &idx, &plural)) continue;
    int k = find(c, idx);
    if (k < 0) {
      entities.push_back(Entity{c, idx, StartsWithVowel(words[w].lower), {}, -1});
      rejected.push_back(false);
      k = static_cast<int>(entities.size()) - 1;
    }
    bool shape_ok = internal::IsNameCategory(c) ? words[w].capitalized : words[w].all_lower;
    if (!shape_ok) rejected[k] = true;
    word_entity[w] = k;
  }
  // Everything present in the record is excluded as a replacement.
  std::unordered_set<uint64_t> present;
  auto key = [](EntityCategory c, int idx) {
    return (static_cast<uint64_t>(c) << 32) | static_cast<uint32_t>(idx);
  };
  for (const Entity& e : entities) present.insert(key(e.category, e.index));

  std::string digest_input;
  for (const TextField& f : source) {
    digest_input.append(f.value);
    digest_input.push_back('\0');
  }
  crypto::Digest digest = crypto::Sha256(digest_input);
  std::string base_in = "canary";
  for (int i = 0; i < 8; ++i) base_in.push_back(static_cast<char>(canary_index >> (8 * i)));
  base_in.append(crypto::DigestBytes(digest));
  uint64_t base = crypto::Prf64(key_, base_in);

  // Mixed-radix choice: index t = (base + member_id) mod S.
  std::vector<int> active;
  for (size_t k = 0; k < entities.size() && active.size() < 6; ++k) {
    if (!rejected[k]) active.push_back(static_cast<int>(k));
  }
  if (active.empty()) return std::nullopt;
  unsigned __int128 space = 1;
  for (int k : active) {
    Entity& e = entities[k];
    auto list = internal::EntityList(e.category);
    for (int i = 0; i < static_cast<int>(list.size()); ++i) {
      if (present.count(key(e.category, i))) continue;
      if (!internal::IsNameCategory(e.category) &&
          StartsWithVowel(list[i].singular) != e.vowel_initial) {
        continue;
      }
      e.candidates.push_back(i);
    }
  }
  // Entities of one category draw without replacement, so radices shrink.
  std::vector<uint64_t> radix;
  for (size_t a = 0; a < active.size(); ++a) {
    const Entity& e = entities[active[a]];
    uint64_t before = 0;
    for (size_t b = 0; b < a; ++b) before += entities[active[b]].category == e.category;
    uint64_t r = e.candidates.size() > before ? e.candidates.size() - before : 0;
    if (r == 0) return std::nullopt;
    radix.push_back(r);
    space *= r;
  }
  if (space < kMinCanarySpace) return std::nullopt;
  unsigned __int128 t = (static_cast<unsigned __int128>(base) + member_id) % space;
  Canary canary;
  canary.false_match_probability = 1.0 / static_cast<double>(space);
  for (size_t a = 0; a < active.size(); ++a) {
    Entity& e = entities[active[a]];
    uint64_t digit = static_cast<uint64_t>(t % radix[a]);
    t /= radix[a];
    // The digit-th candidate not taken by an earlier entity of the category.
    for (int cand : e.candidates) {
      bool taken = false;
      for (size_t b = 0; b < a; ++b) {
        taken |= entities[active[b]].category == e.category && entities[active[b]].chosen == cand;
      }
      if (taken) continue;
      if (digit == 0) {
        e.chosen = cand;
        break;
      }
      --digit;
    }
    auto list = internal::EntityList(e.category);
    canary.substitutions.push_back(
        Substitution{std::string(list[e.index].singular), std::string(list[e.chosen].singular)});
  }

  // Rewrite every occurrence of a substituted entity, keeping its shape.
  canary.values.resize(source.size());
  std::vector<size_t> pos(source.size(), 0);
  for (size_t w = 0; w < words.size(); ++w) {
    int k = word_entity[w];
    if (k < 0 || entities[k].chosen < 0) continue;
    const Word& wd = words[w];
    std::string_view text = source[wd.field].value;
    std::string& out = canary.values[wd.field];
    out.append(text.substr(pos[wd.field], wd.begin - pos[wd.field]));
    auto list = internal::EntityList(entities[k].category);
    EntityCategory c;
    int idx;
    bool plural = false;
    internal::LookupEntity(wd.lower, &c, &idx, &plural);
    std::string rep(plural ? list[entities[k].chosen].plural : list[entities[k].chosen].singular);
    if (wd.capitalized) rep[0] = static_cast<char>(rep[0] - 32);
    out.append(rep);
    pos[wd.field] = wd.end;
  }
  for (size_t f = 0; f < source.size(); ++f) {
    canary.values[f].append(source[f].value.substr(pos[f]));
  }
  return canary;
}

CanaryMatch CanaryEvidence(std::span<const Substitution> substitutions,
                           std::span<const std::string_view> dump_fields) {
  std::vector<Word> words;
  for (size_t f = 0; f < dump_fields.size(); ++f) Words(dump_fields[f], f, &words);
  std::unordered_set<std::string> seen;
  for (const Word& w : words) seen.insert(w.lower);
  auto has = [&](const std::string& word, bool plural_too) {
    if (seen.count(word)) return true;
    if (!plural_too) return false;
    EntityCategory c;
    int idx;
    bool plural;
    if (!internal::LookupEntity(word, &c, &idx, &plural)) return false;
    auto list = internal::EntityList(c);
    return !list[idx].plural.empty() && seen.count(std::string(list[idx].plural)) > 0;
  };
  CanaryMatch m;
  m.total = static_cast<uint32_t>(substitutions.size());
  m.originals_absent = true;
  for (const Substitution& s : substitutions) {
    m.present += has(s.to, true);
    if (has(s.from, true)) m.originals_absent = false;
  }
  m.is_match = m.total > 0 && m.present == m.total && m.originals_absent;
  return m;
}

}  // namespace custody::mark
