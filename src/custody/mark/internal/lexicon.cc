// The slot lexicon's tables. Policy (docs/marks.md, "Safe list"): an entry is
// here only if both renderings mean the same in every context the scanner's
// guards admit; words with a second meaning ("tire", "meter", "program") are
// left out.
#include "custody/mark/internal/lexicon.h"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace custody::mark::internal {
namespace {

struct PairSpec {
  SlotKind kind;
  Family family;
  const char* a;
  const char* b;
};

// Two-word <-> contraction pairs, and one-word pairs. forms[0] is listed
// first; which rendering a member gets is keyed per slot, so the order
// carries no meaning.
constexpr PairSpec kPairs[] = {
    // Negations.
    {SlotKind::kContraction, Family::kNeg, "do not", "don't"},
    {SlotKind::kContraction, Family::kNeg, "does not", "doesn't"},
    {SlotKind::kContraction, Family::kNeg, "did not", "didn't"},
    {SlotKind::kContraction, Family::kNeg, "is not", "isn't"},
    {SlotKind::kContraction, Family::kNeg, "are not", "aren't"},
    {SlotKind::kContraction, Family::kNeg, "was not", "wasn't"},
    {SlotKind::kContraction, Family::kNeg, "were not", "weren't"},
    {SlotKind::kContraction, Family::kNeg, "has not", "hasn't"},
    {SlotKind::kContraction, Family::kNeg, "have not", "haven't"},
    {SlotKind::kContraction, Family::kNeg, "had not", "hadn't"},
    {SlotKind::kContraction, Family::kNeg, "will not", "won't"},
    {SlotKind::kContraction, Family::kNeg, "would not", "wouldn't"},
    {SlotKind::kContraction, Family::kNeg, "could not", "couldn't"},
    {SlotKind::kContraction, Family::kNeg, "should not", "shouldn't"},
    {SlotKind::kContraction, Family::kNeg, "must not", "mustn't"},
    {SlotKind::kContraction, Family::kPlain, "cannot", "can't"},
    // Pronoun + be / will.
    {SlotKind::kContraction, Family::kBe, "i am", "i'm"},
    {SlotKind::kContraction, Family::kBe, "you are", "you're"},
    {SlotKind::kContraction, Family::kBe, "we are", "we're"},
    {SlotKind::kContraction, Family::kBe, "they are", "they're"},
    {SlotKind::kContraction, Family::kBeS, "he is", "he's"},
    {SlotKind::kContraction, Family::kBeS, "she is", "she's"},
    {SlotKind::kContraction, Family::kBeS, "it is", "it's"},
    {SlotKind::kContraction, Family::kBeS, "that is", "that's"},
    {SlotKind::kContraction, Family::kBeS, "there is", "there's"},
    {SlotKind::kContraction, Family::kBeS, "what is", "what's"},
    {SlotKind::kContraction, Family::kBeS, "who is", "who's"},
    {SlotKind::kContraction, Family::kBeS, "here is", "here's"},
    {SlotKind::kContraction, Family::kBeS, "where is", "where's"},
    {SlotKind::kContraction, Family::kWill, "i will", "i'll"},
    {SlotKind::kContraction, Family::kWill, "you will", "you'll"},
    {SlotKind::kContraction, Family::kWill, "he will", "he'll"},
    {SlotKind::kContraction, Family::kWill, "she will", "she'll"},
    {SlotKind::kContraction, Family::kWill, "it will", "it'll"},
    {SlotKind::kContraction, Family::kWill, "we will", "we'll"},
    {SlotKind::kContraction, Family::kWill, "they will", "they'll"},
    // US / UK spellings.
    {SlotKind::kSpelling, Family::kPlain, "color", "colour"},
    {SlotKind::kSpelling, Family::kPlain, "colors", "colours"},
    {SlotKind::kSpelling, Family::kPlain, "colored", "coloured"},
    {SlotKind::kSpelling, Family::kPlain, "colorful", "colourful"},
    {SlotKind::kSpelling, Family::kPlain, "coloring", "colouring"},
    {SlotKind::kSpelling, Family::kPlain, "favorite", "favourite"},
    {SlotKind::kSpelling, Family::kPlain, "favorites", "favourites"},
    {SlotKind::kSpelling, Family::kPlain, "neighbor", "neighbour"},
    {SlotKind::kSpelling, Family::kPlain, "neighbors", "neighbours"},
    {SlotKind::kSpelling, Family::kPlain, "neighborhood", "neighbourhood"},
    {SlotKind::kSpelling, Family::kPlain, "gray", "grey"},
    {SlotKind::kSpelling, Family::kPlain, "theater", "theatre"},
    {SlotKind::kSpelling, Family::kPlain, "theaters", "theatres"},
    {SlotKind::kSpelling, Family::kPlain, "traveled", "travelled"},
    {SlotKind::kSpelling, Family::kPlain, "traveling", "travelling"},
    {SlotKind::kSpelling, Family::kPlain, "traveler", "traveller"},
    {SlotKind::kSpelling, Family::kPlain, "travelers", "travellers"},
    {SlotKind::kSpelling, Family::kPlain, "canceled", "cancelled"},
    {SlotKind::kSpelling, Family::kPlain, "canceling", "cancelling"},
    {SlotKind::kSpelling, Family::kPlain, "labeled", "labelled"},
    {SlotKind::kSpelling, Family::kPlain, "labeling", "labelling"},
    {SlotKind::kSpelling, Family::kPlain, "totaled", "totalled"},
    {SlotKind::kSpelling, Family::kPlain, "totaling", "totalling"},
    {SlotKind::kSpelling, Family::kPlain, "fueled", "fuelled"},
    {SlotKind::kSpelling, Family::kPlain, "jewelry", "jewellery"},
    {SlotKind::kSpelling, Family::kPlain, "pajamas", "pyjamas"},
    {SlotKind::kSpelling, Family::kPlain, "donut", "doughnut"},
    {SlotKind::kSpelling, Family::kPlain, "donuts", "doughnuts"},
    {SlotKind::kSpelling, Family::kPlain, "catalog", "catalogue"},
    {SlotKind::kSpelling, Family::kPlain, "catalogs", "catalogues"},
    {SlotKind::kSpelling, Family::kPlain, "cozy", "cosy"},
    {SlotKind::kSpelling, Family::kPlain, "yogurt", "yoghurt"},
    {SlotKind::kSpelling, Family::kPlain, "mustache", "moustache"},
    {SlotKind::kSpelling, Family::kPlain, "aluminum", "aluminium"},
    {SlotKind::kSpelling, Family::kPlain, "liter", "litre"},
    {SlotKind::kSpelling, Family::kPlain, "liters", "litres"},
    {SlotKind::kSpelling, Family::kPlain, "milliliter", "millilitre"},
    {SlotKind::kSpelling, Family::kPlain, "milliliters", "millilitres"},
    {SlotKind::kSpelling, Family::kPlain, "kilometer", "kilometre"},
    {SlotKind::kSpelling, Family::kPlain, "kilometers", "kilometres"},
    {SlotKind::kSpelling, Family::kPlain, "centimeter", "centimetre"},
    {SlotKind::kSpelling, Family::kPlain, "centimeters", "centimetres"},
    {SlotKind::kSpelling, Family::kPlain, "millimeter", "millimetre"},
    {SlotKind::kSpelling, Family::kPlain, "millimeters", "millimetres"},
    {SlotKind::kSpelling, Family::kPlain, "flavor", "flavour"},
    {SlotKind::kSpelling, Family::kPlain, "flavors", "flavours"},
    {SlotKind::kSpelling, Family::kPlain, "flavored", "flavoured"},
    {SlotKind::kSpelling, Family::kPlain, "honor", "honour"},
    {SlotKind::kSpelling, Family::kPlain, "humor", "humour"},
    {SlotKind::kSpelling, Family::kPlain, "labor", "labour"},
    {SlotKind::kSpelling, Family::kPlain, "behavior", "behaviour"},
    {SlotKind::kSpelling, Family::kPlain, "harbor", "harbour"},
    {SlotKind::kSpelling, Family::kPlain, "rumor", "rumour"},
    {SlotKind::kSpelling, Family::kPlain, "savory", "savoury"},
    {SlotKind::kSpelling, Family::kPlain, "organize", "organise"},
    {SlotKind::kSpelling, Family::kPlain, "organized", "organised"},
    {SlotKind::kSpelling, Family::kPlain, "organizes", "organises"},
    {SlotKind::kSpelling, Family::kPlain, "organizing", "organising"},
    {SlotKind::kSpelling, Family::kPlain, "organization", "organisation"},
    {SlotKind::kSpelling, Family::kPlain, "realize", "realise"},
    {SlotKind::kSpelling, Family::kPlain, "realized", "realised"},
    {SlotKind::kSpelling, Family::kPlain, "realizes", "realises"},
    {SlotKind::kSpelling, Family::kPlain, "recognize", "recognise"},
    {SlotKind::kSpelling, Family::kPlain, "recognized", "recognised"},
    {SlotKind::kSpelling, Family::kPlain, "apologize", "apologise"},
    {SlotKind::kSpelling, Family::kPlain, "apologized", "apologised"},
    {SlotKind::kSpelling, Family::kPlain, "memorize", "memorise"},
    {SlotKind::kSpelling, Family::kPlain, "analyze", "analyse"},
    {SlotKind::kSpelling, Family::kPlain, "defense", "defence"},
    {SlotKind::kSpelling, Family::kPlain, "offense", "offence"},
    {SlotKind::kSpelling, Family::kPlain, "judgment", "judgement"},
    {SlotKind::kSpelling, Family::kPlain, "skillful", "skilful"},
    {SlotKind::kSpelling, Family::kPlain, "fulfill", "fulfil"},
    {SlotKind::kSpelling, Family::kPlain, "enroll", "enrol"},
    {SlotKind::kSpelling, Family::kPlain, "airplane", "aeroplane"},
    {SlotKind::kSpelling, Family::kPlain, "airplanes", "aeroplanes"},
    {SlotKind::kSpelling, Family::kPlain, "math", "maths"},
    {SlotKind::kSpelling, Family::kPlain, "dreamed", "dreamt"},
    {SlotKind::kSpelling, Family::kPlain, "leaped", "leapt"},
    // Synonyms that are interchangeable wherever either occurs.
    {SlotKind::kSynonym, Family::kPlain, "bought", "purchased"},
    {SlotKind::kSynonym, Family::kPlain, "anyone", "anybody"},
    {SlotKind::kSynonym, Family::kPlain, "everyone", "everybody"},
    {SlotKind::kSynonym, Family::kPlain, "someone", "somebody"},
    {SlotKind::kSynonym, Family::kPlain, "toward", "towards"},
    {SlotKind::kSynonym, Family::kPlain, "afterward", "afterwards"},
    {SlotKind::kSynonym, Family::kPlain, "among", "amongst"},
    {SlotKind::kSynonym, Family::kPlain, "bike", "bicycle"},
    {SlotKind::kSynonym, Family::kPlain, "bikes", "bicycles"},
    {SlotKind::kSynonym, Family::kPlain, "photo", "photograph"},
    {SlotKind::kSynonym, Family::kPlain, "photos", "photographs"},
    {SlotKind::kSynonym, Family::kPlain, "fridge", "refrigerator"},
    {SlotKind::kSynonym, Family::kPlain, "tv", "television"},
};

// Introductory words and phrases; `whitelist` ones accept only a
// pronoun-like or imperative next word ("First find ...", "Today she ...").
struct IntroSpec {
  const char* phrase;
  bool whitelist;
};
constexpr IntroSpec kIntros[] = {
    {"so", false},          {"then", false},       {"thus", false},
    {"therefore", false},   {"hence", false},      {"altogether", false},
    {"together", false},    {"overall", false},    {"finally", false},
    {"additionally", false}, {"however", false},   {"similarly", false},
    {"meanwhile", false},   {"consequently", false}, {"lastly", false},
    {"combined", false},   {"in total", false},
    {"this means", false},  {"in the beginning", false}, {"first", true},
    {"second", true},       {"third", true},       {"next", true},
    {"also", true},         {"now", true},         {"today", true},
    {"yesterday", true},    {"tomorrow", true},    {"tonight", true},
    {"currently", true},    {"initially", true},   {"originally", true},
    {"at first", true},
};

constexpr const char* kIntroWhitelist[] = {
    "he", "she", "they", "we", "i", "you", "it", "there", "the", "his", "her", "their",
    "our", "my", "let", "let's", "find", "calculate", "compute", "add", "multiply",
    "subtract", "divide", "figure", "determine", "convert", "we'll", "i'll", "we're",
    "they're", "he's", "she's", "it's", "there's"};
constexpr const char* kIntroBlacklist[] = {
    "far", "much", "many", "long", "that", "with", "as", "to", "of", "and", "or", "is",
    "was", "are", "were", "will", "would", "has", "had", "have", "big", "small", "few",
    "little", "often", "soon", "than", "by", "for", "not"};

struct RateSpec {
  const char* noun;
  const char* article;
};
constexpr RateSpec kRates[] = {{"day", "a"},    {"week", "a"},   {"month", "a"},
                               {"year", "a"},   {"hour", "an"},  {"minute", "a"},
                               {"second", "a"}};
constexpr const char* kRateBlacklist[] = {"ago", "later", "off", "care", "pass", "trip",
                                          "long", "old", "earlier", "before", "after"};

constexpr const char* kTimeNouns[] = {
    "day",     "week",    "month",   "year",     "hour",     "minute",  "morning",
    "afternoon", "evening", "night", "weekend",  "weekday",  "time",    "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "semester",
    "season",  "summer",  "winter"};

constexpr const char* kOxfordBlacklist[] = {
    "he", "she", "it", "they", "we", "i", "you", "him", "her", "them", "us", "me",
    "if", "when", "because", "since", "while", "but", "so", "then", "which", "that",
    "who", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can",
    "could", "do", "does", "did", "not", "there", "where", "how", "what", "after",
    "before", "until", "although", "though", "each", "every", "gets", "got", "get",
    "has", "makes", "made", "buys", "sells", "sold", "takes", "took", "gives", "gave",
    "spends", "spent", "pays", "paid", "earns", "earned", "said", "says"};

constexpr const char* kParticiples[] = {"been", "got", "gotten", "had", "done", "made",
                                        "seen", "gone", "taken", "given", "eaten",
                                        "written", "won", "lost", "spent", "left",
                                        "bought", "sold", "paid", "found", "read"};

struct Tables {
  std::vector<SlotClass> classes;
  std::vector<std::string> strings;  // owns class forms built at run time
  std::unordered_map<std::string_view, std::pair<int, int>> words;  // word -> class, form
  std::unordered_map<std::string_view, int> phrases;
  std::unordered_map<std::string_view, std::pair<int, int>> intros;  // phrase -> class, words
  std::vector<bool> intro_whitelist;  // by class id
  std::unordered_map<std::string_view, int> titles;
  std::unordered_map<std::string_view, int> rates;
  std::unordered_set<std::string_view> intro_white, intro_black, rate_black, time_nouns,
      oxford_black, participles;
  std::vector<std::pair<uint64_t, uint32_t>> flags;  // open addressing, power of 2
  int each_every = -1, times = -1, percent = -1, in_total = -1, ox_and = -1, ox_or = -1;

  int Add(SlotKind kind, Family family, RenderMode mode, std::string_view a,
          std::string_view b) {
    SlotClass c{kind, family, mode, {a, b}, 0};
    std::string key;
    key += static_cast<char>('0' + static_cast<int>(kind));
    key += '|';
    key += a;
    key += '|';
    key += b;
    c.key_hash = Hash64(key, 0x6d61726b);  // "mark"
    classes.push_back(c);
    intro_whitelist.push_back(false);
    return static_cast<int>(classes.size()) - 1;
  }

  Tables() {
    strings.reserve(16);  // no reallocation: views into these strings persist
    for (const PairSpec& p : kPairs) {
      int id = Add(p.kind, p.family, RenderMode::kReplace, p.a, p.b);
      std::string_view a(p.a), b(p.b);
      if (a.find(' ') != std::string_view::npos) {
        phrases.emplace(a, id);
      } else {
        words.emplace(a, std::make_pair(id, 0));
      }
      words.emplace(b, std::make_pair(id, 1));
    }
    for (const IntroSpec& s : kIntros) {
      std::string_view phrase(s.phrase);
      int id = Add(SlotKind::kIntroComma, Family::kPlain, RenderMode::kSuffix, phrase, "");
      // forms are the suffixes: "" and ","; the phrase text only keys the class.
      classes[id].forms[0] = "";
      classes[id].forms[1] = ",";
      int n = 1;
      for (char ch : phrase) n += ch == ' ';
      intros.emplace(phrase, std::make_pair(id, n));
      intro_whitelist[id] = s.whitelist;
    }
    for (const char* t : {"mr", "mrs"}) {
      int id = Add(SlotKind::kTitlePeriod, Family::kPlain, RenderMode::kSuffix, t, ".");
      classes[id].forms[0] = "";
      classes[id].forms[1] = ".";
      titles.emplace(t, id);
    }
    for (const RateSpec& r : kRates) {
      strings.push_back(std::string("rate:") + r.noun);
      int id = Add(SlotKind::kRate, Family::kPlain, RenderMode::kReplace, r.article, "per");
      // Distinguish the classes' identities by noun.
      classes[id].key_hash = Hash64(strings.back(), 0x6d61726b);
      rates.emplace(r.noun, id);
    }
    each_every = Add(SlotKind::kSynonym, Family::kPlain, RenderMode::kReplace, "each", "every");
    times = Add(SlotKind::kTimesSign, Family::kPlain, RenderMode::kReplace, "x", "*");
    percent = Add(SlotKind::kPercent, Family::kPlain, RenderMode::kReplace, "%", " percent");
    in_total = Add(SlotKind::kInTotal, Family::kPlain, RenderMode::kReplace, "in total",
                   "altogether");
    ox_and = Add(SlotKind::kOxfordComma, Family::kPlain, RenderMode::kReplace, " and", ", and");
    ox_or = Add(SlotKind::kOxfordComma, Family::kPlain, RenderMode::kReplace, " or", ", or");
    for (const char* w : kIntroWhitelist) intro_white.insert(w);
    for (const char* w : kIntroBlacklist) intro_black.insert(w);
    for (const char* w : kRateBlacklist) rate_black.insert(w);
    for (const char* w : kTimeNouns) time_nouns.insert(w);
    for (const char* w : kOxfordBlacklist) oxford_black.insert(w);
    for (const char* w : kParticiples) participles.insert(w);
    // Open addressing at most a quarter full, small enough to stay in L1.
    size_t flagged = words.size() + 2 * phrases.size() + intros.size() + titles.size() + 10;
    size_t slots = 256;
    while (slots < 4 * flagged) slots *= 2;
    flags.assign(slots, {0, 0});
    for (const auto& [w, v] : words) SetFlag(w, kFlagWordSite);
    for (const auto& [p, id] : phrases) {
      SetFlag(p.substr(0, p.find(' ')), kFlagPhraseFirst);
      SetFlag(p.substr(p.find(' ') + 1), kFlagPhraseSecond);
    }
    for (const auto& [p, v] : intros) SetFlag(p.substr(0, p.find(' ')), kFlagIntroFirst);
    for (const auto& [t, id] : titles) SetFlag(t, kFlagTitle);
    for (const char* w : {"each", "every", "a", "an", "per", "x", "in", "altogether"}) {
      SetFlag(w, kFlagOther);
    }
    SetFlag("and", kFlagConj);
    SetFlag("or", kFlagConj);
  }

  void SetFlag(std::string_view w, uint32_t flag) {
    uint64_t h = Hash64(w, kWordSeed);
    size_t mask = flags.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (flags[i].first == h || flags[i].first == 0) {
        flags[i].first = h;
        flags[i].second |= flag;
        return;
      }
    }
  }
};

const Tables& T() {
  static const Tables* t = new Tables();
  return *t;
}

}  // namespace

const WordFlagTable& WordFlagsTable() {
  static const WordFlagTable table{T().flags.data(), T().flags.size() - 1};
  return table;
}

uint32_t WordFlags(uint64_t word_hash) { return WordFlagsIn(WordFlagsTable(), word_hash); }

const SlotClass& ClassById(uint16_t id) { return T().classes[id]; }

int LookupWord(std::string_view lower, int* form) {
  const auto& m = T().words;
  auto it = m.find(lower);
  if (it == m.end()) return -1;
  *form = it->second.second;
  return it->second.first;
}

std::string_view CanonicalFirstWord(std::string_view lower) {
  int form = 0;
  int id = LookupWord(lower, &form);
  if (id < 0) return lower;
  std::string_view a = T().classes[id].forms[0];
  size_t sp = a.find(' ');
  return sp == std::string_view::npos ? lower : a.substr(0, sp);
}

int LookupPhrase(std::string_view w1, std::string_view w2) {
  char buf[48];
  if (w1.size() + w2.size() + 1 > sizeof(buf)) return -1;
  size_t n = 0;
  for (char c : w1) buf[n++] = c;
  buf[n++] = ' ';
  for (char c : w2) buf[n++] = c;
  const auto& m = T().phrases;
  auto it = m.find(std::string_view(buf, n));
  return it == m.end() ? -1 : it->second;
}

int LookupIntro(std::string_view w1, std::string_view w2, std::string_view w3, int* words) {
  const auto& m = T().intros;
  char buf[64];
  // Longest phrase first.
  for (int n = 3; n >= 1; --n) {
    std::string_view parts[3] = {w1, w2, w3};
    size_t len = 0;
    bool ok = true;
    for (int i = 0; i < n; ++i) {
      if (parts[i].empty() || len + parts[i].size() + 1 > sizeof(buf)) {
        ok = false;
        break;
      }
      if (i > 0) buf[len++] = ' ';
      for (char c : parts[i]) buf[len++] = c;
    }
    if (!ok) continue;
    auto it = m.find(std::string_view(buf, len));
    if (it != m.end() && it->second.second == n) {
      *words = n;
      return it->second.first;
    }
  }
  return -1;
}

bool IntroNeedsWhitelist(int class_id) { return T().intro_whitelist[class_id]; }
bool IntroNextWhitelisted(std::string_view next) { return T().intro_white.count(next) > 0; }
bool IntroNextBlacklisted(std::string_view next) { return T().intro_black.count(next) > 0; }

int LookupTitle(std::string_view lower) {
  auto it = T().titles.find(lower);
  return it == T().titles.end() ? -1 : it->second;
}
int LookupRateUnit(std::string_view noun) {
  auto it = T().rates.find(noun);
  return it == T().rates.end() ? -1 : it->second;
}
bool RateNextBlacklisted(std::string_view next) { return T().rate_black.count(next) > 0; }
bool IsTimeNoun(std::string_view noun) { return T().time_nouns.count(noun) > 0; }
int EachEveryClass() { return T().each_every; }
int TimesClass() { return T().times; }
int PercentClass() { return T().percent; }
int InTotalClass() { return T().in_total; }
int OxfordClass(std::string_view conj) {
  if (conj == "and") return T().ox_and;
  if (conj == "or") return T().ox_or;
  return -1;
}
bool OxfordItemBlacklisted(std::string_view w) { return T().oxford_black.count(w) > 0; }

bool LooksLikeParticiple(std::string_view w) {
  if (T().participles.count(w) > 0) return true;
  if (w.size() >= 4 && (w.ends_with("ed") || w.ends_with("en"))) return true;
  return false;
}

}  // namespace custody::mark::internal
