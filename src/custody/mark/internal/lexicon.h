// The slot lexicon: every pair of equivalent renderings the scanner knows,
// and the word lists its guards use. Private to the mark module.
// Entries are identified by a hash of their text (`key_hash`), never by their
// position in the table, so reordering or extending the table does not change
// the slot ids of existing releases (removing an entry erases its slots).
// Thread-safety: the tables are built once (function-local statics) and
// read-only afterwards.
#pragma once

#include <cstdint>
#include <utility>
#include <string_view>

#include "custody/base/hash.h"
#include "custody/mark/slot_kind.h"

namespace custody::mark::internal {

// Which guard applies to a two-word/contraction class.
enum class Family : uint8_t {
  kPlain,  // no guard beyond word boundaries
  kNeg,    // "do not" / "don't"
  kBe,     // "he is" / "he's": next unit must be a word or number, not "not"
  kBeS,    // as kBe, and the contraction ends in 's: next word must not look
           // like a past participle ("he's been" means "he has been")
  kWill,   // "he will" / "he'll": as kBe
};

// How a site's rendering is written.
enum class RenderMode : uint8_t {
  kReplace,  // the site's bytes become forms[r], with the source's case
  kSuffix,   // the bytes up to keep_end are kept, then forms[r] is appended
};

struct SlotClass {
  SlotKind kind;
  Family family;
  RenderMode mode;
  std::string_view forms[2];
  uint64_t key_hash;  // stable identity: hash of kind and both forms
};

// Returns the class with index `id` (as stored in a Site).
const SlotClass& ClassById(uint16_t id);

// Single-word lookup: a word (lower case, ASCII apostrophe) that is one
// rendering of a class (spelling pairs, synonyms, "cannot"/"can't", and the
// contracted form of two-word classes). Returns the class id or -1; sets
// *form to the rendering index the word is.
int LookupWord(std::string_view lower, int* form);
// The first word of `lower`'s rendering-free form: "he'll" -> "he",
// "don't" -> "do"; any other word is returned unchanged. Guards that look at
// a neighbouring word use this so that the neighbour's own rendering does not
// decide whether a site exists.
std::string_view CanonicalFirstWord(std::string_view lower);
// Two-word lookup: "do" + "not" -> the class whose forms[0] is "do not".
int LookupPhrase(std::string_view w1, std::string_view w2);

// Introductory words and phrases ("so", "in total") that may take a comma at
// the start of a sentence. Returns the class id or -1; sets *words to the
// number of words of the phrase starting with `w1` (`w2`, `w3` may be empty).
int LookupIntro(std::string_view w1, std::string_view w2, std::string_view w3, int* words);
// True if the intro class only accepts a whitelisted next word.
bool IntroNeedsWhitelist(int class_id);
bool IntroNextWhitelisted(std::string_view next);
bool IntroNextBlacklisted(std::string_view next);

// Title abbreviations ("mr", "mrs", "ms"): class id or -1.
int LookupTitle(std::string_view lower);
// Rate classes: "day" -> class with forms {"a", "per"}; "hour" -> {"an", "per"}.
int LookupRateUnit(std::string_view noun);
bool RateNextBlacklisted(std::string_view next);
// Time nouns after "each"/"every".
bool IsTimeNoun(std::string_view noun);
int EachEveryClass();
int TimesClass();
int PercentClass();
int InTotalClass();
int OxfordClass(std::string_view conj);  // "and" / "or", else -1
// Words that cannot be part of a list item (pronouns, verbs, subordinators).
bool OxfordItemBlacklisted(std::string_view w);
// Words after "he's"/"it's" that suggest "has" ("been", "got", "-ed").
bool LooksLikeParticiple(std::string_view w);

// Pre-filter flags of a word, looked up by the word's Hash64(lower, kWordSeed)
// in one probe; a word with no flags cannot start a site (other than as an
// intro, which has its own flag). Flags are a filter only: matchers still
// check the exact word, and a word that a lookup would find always has the
// lookup's flag (kFlagTitle: LookupTitle, kFlagWordSite: LookupWord,
// kFlagPhraseFirst/kFlagPhraseSecond: LookupPhrase's two words).
enum WordFlag : uint32_t {
  kFlagIntroFirst = 1u << 0,
  kFlagTitle = 1u << 1,
  kFlagPhraseFirst = 1u << 2,
  kFlagWordSite = 1u << 3,
  kFlagOther = 1u << 4,  // each/every, a/an/per, x, in, altogether
  kFlagConj = 1u << 5,   // and/or
  kFlagPhraseSecond = 1u << 6,  // second word of a two-word phrase ("not", "is")
};
inline constexpr uint64_t kWordSeed = 2;
uint32_t WordFlags(uint64_t word_hash);

// The table WordFlags probes, for callers that look up many words: fetch it
// once and probe it inline (WordFlagsIn gives WordFlags' answer).
struct WordFlagTable {
  const std::pair<uint64_t, uint32_t>* slots;  // open addressing, 0 = empty
  size_t mask;                                 // slot count - 1 (a power of 2)
};
const WordFlagTable& WordFlagsTable();
inline uint32_t WordFlagsIn(const WordFlagTable& t, uint64_t word_hash) {
  for (size_t i = word_hash & t.mask;; i = (i + 1) & t.mask) {
    if (t.slots[i].first == word_hash) return t.slots[i].second;
    if (t.slots[i].first == 0) return 0;
  }
}

// 64-bit hash used for slot ids and contexts (FNV-1a with a final mix).
// Inline: the lexer hashes every word and number.
inline uint64_t Mix64(uint64_t x) { return Fmix64(x); }
inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) {
  uint64_t h = 0xcbf29ce484222325ULL ^ Mix64(seed);
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix64(h ^ s.size());
}

}  // namespace custody::mark::internal
