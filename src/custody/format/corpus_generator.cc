#include "custody/format/corpus_generator.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "custody/format/internal/json_escape.h"
#include "custody/format/internal/words.h"
#include "custody/format/writer.h"

namespace custody::format {
namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t j = std::min(s.find(' ', i), s.size());
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The vocabulary: common words, then a deterministic synthetic tail, with a
// Zipf (s = 1.15) cumulative distribution over ranks.
struct Vocabulary {
  std::vector<std::string> words;
  std::vector<uint32_t> cdf;  // scaled to 2^32
  std::vector<std::string_view> names, items, contractions, british, american, non_ascii, topics,
      subjects;

  Vocabulary() {
    for (auto w : Split(internal::kCommonWords)) words.emplace_back(w);
    static constexpr std::string_view kOnsets[] = {"b", "br", "c", "ch", "cl", "d", "dr", "f",
                                                   "fl", "g", "gr", "h", "j", "k", "l", "m",
                                                   "n", "p", "pl", "pr", "r", "s", "sh", "st",
                                                   "t", "th", "tr", "v", "w", "z"};
    static constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "io"};
    static constexpr std::string_view kCodas[] = {"", "", "n", "r", "s", "l", "t", "m", "nd", "st", "ng"};
    static constexpr std::string_view kSuffixes[] = {"", "", "", "", "tion", "ness", "ment", "ing",
                                                     "ed", "ly", "er", "ic"};
    uint64_t x = 0x5eed0f7a11ULL;  // fixed: the vocabulary never depends on the user's seed
    constexpr size_t kTail = 30000;
    for (size_t k = 0; k < kTail; ++k) {
      std::string w;
      const uint64_t r = SplitMix64(&x);
      const size_t syllables = 1 + r % 3;
      uint64_t bits = SplitMix64(&x);
      for (size_t s = 0; s < syllables; ++s) {
        w.append(kOnsets[bits % std::size(kOnsets)]);
        bits /= std::size(kOnsets);
        w.append(kVowels[bits % std::size(kVowels)]);
        bits /= std::size(kVowels);
        w.append(kCodas[bits % std::size(kCodas)]);
        bits /= std::size(kCodas);
      }
      w.append(kSuffixes[(r >> 8) % std::size(kSuffixes)]);
      words.push_back(std::move(w));
    }
    std::vector<double> weight(words.size());
    double total = 0;
    for (size_t r = 0; r < words.size(); ++r) {
      weight[r] = std::pow(static_cast<double>(r) + 2.7, -1.15);
      total += weight[r];
    }
    cdf.resize(words.size());
    double acc = 0;
    for (size_t r = 0; r < words.size(); ++r) {
      acc += weight[r];
      cdf[r] = static_cast<uint32_t>(std::min(4294967295.0, acc / total * 4294967296.0));
    }
    cdf.back() = 0xffffffffu;
    names = Split(internal::kPersonNames);
    items = Split(internal::kPluralItems);
    contractions = Split(internal::kContractions);
    british = Split(internal::kBritishSpellings);
    american = Split(internal::kAmericanSpellings);
    non_ascii = Split(internal::kNonAsciiWords);
    topics = Split(internal::kTopics);
    subjects = Split(internal::kSubjects);
  }
};

const Vocabulary& Vocab() {
  static const Vocabulary v;
  return v;
}

void AppendUnderscored(std::string_view s, std::string* out) {
  for (char c : s) out->push_back(c == '_' ? ' ' : c);
}

void AppendNumber(uint64_t n, std::string* out) { out->append(std::to_string(n)); }

}  // namespace

CorpusGenerator::CorpusGenerator(uint64_t seed) : seed_(seed) {
  uint64_t x = seed;
  for (auto& s : state_) s = SplitMix64(&x);
  Vocab();
}

// xoshiro256**.
uint64_t CorpusGenerator::NextRandom() {
  const uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = std::rotl(state_[3], 45);
  return result;
}

uint64_t CorpusGenerator::Below(uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(NextRandom()) * n) >> 64);
}

bool CorpusGenerator::Chance(uint32_t per_mille) { return Below(1000) < per_mille; }

template <typename T>
static std::string_view Pick(const std::vector<T>& v, uint64_t r) {
  return v[r % v.size()];
}

void CorpusGenerator::AppendWord(std::string* s) {
  const Vocabulary& v = Vocab();
  const uint32_t roll = static_cast<uint32_t>(Below(1000));
  if (roll < 25) {
    s->append(Pick(v.names, NextRandom()));
  } else if (roll < 45) {
    AppendNumber(Below(Chance(800) ? 100 : 10000), s);
  } else if (roll < 65) {
    s->append(Pick(v.contractions, NextRandom()));
  } else if (roll < 78) {
    const size_t k = Below(v.british.size());
    s->append(Chance(500) ? v.british[k] : v.american[k]);
  } else if (roll < 86) {
    AppendUnderscored(Pick(v.non_ascii, NextRandom()), s);
  } else {
    const uint32_t u = static_cast<uint32_t>(NextRandom() >> 32);
    const size_t rank = static_cast<size_t>(std::upper_bound(v.cdf.begin(), v.cdf.end(), u) - v.cdf.begin());
    s->append(v.words[std::min(rank, v.words.size() - 1)]);
  }
}

void CorpusGenerator::AppendList3(std::string* s) {
  const Vocabulary& v = Vocab();
  const size_t a = Below(v.items.size());
  const size_t b = (a + 1 + Below(v.items.size() - 1)) % v.items.size();
  size_t c = (b + 1 + Below(v.items.size() - 1)) % v.items.size();
  if (c == a) c = (c + 1) % v.items.size();
  if (c == b) c = (c + 1) % v.items.size();
  s->append(v.items[a]);
  s->append(", ");
  s->append(v.items[b]);
  s->append(Chance(500) ? ", and " : " and ");  // with and without the Oxford comma
  s->append(v.items[c]);
}

void CorpusGenerator::AppendSentence(std::string* s, size_t min_words, size_t spread) {
  const size_t n = min_words + Below(spread);
  const size_t start = s->size();
  const size_t list_at = Chance(120) ? Below(n) : n;
  const size_t dash_at = Chance(80) ? 2 + Below(n) : n + 1;
  const bool quote = Chance(50);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s->push_back(' ');
    if (i == dash_at) s->append("— ");
    if (i == list_at) {
      AppendList3(s);
      continue;
    }
    AppendWord(s);
  }
  if (quote) {
    s->append(" “");
    AppendWord(s);
    s->push_back(' ');
    AppendWord(s);
    s->append("”");
  }
  if (s->size() > start && (*s)[start] >= 'a' && (*s)[start] <= 'z') (*s)[start] -= 32;
  const uint32_t end = static_cast<uint32_t>(Below(100));
  s->push_back(end < 5 ? '?' : end < 8 ? '!' : '.');
}

size_t CorpusGenerator::ResponseSentences() {
  // Long-tailed: mostly a few sentences, sometimes a few dozen.
  const double u = (static_cast<double>(NextRandom() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  return 1 + std::min<size_t>(29, static_cast<size_t>(-std::log(u) * 4.0));
}

void CorpusGenerator::AppendParagraphs(std::string* s, size_t sentences) {
  size_t in_paragraph = 0;
  const size_t per_paragraph = 3 + Below(4);
  for (size_t i = 0; i < sentences; ++i) {
    if (i > 0) s->append(in_paragraph == 0 ? "\n\n" : " ");
    AppendSentence(s, 6, 16);
    if (++in_paragraph == per_paragraph) in_paragraph = 0;
  }
}

void CorpusGenerator::MakeMath(std::string* p, std::string* r) {
  const Vocabulary& v = Vocab();
  const std::string_view who = Pick(v.names, NextRandom());
  std::string_view other = Pick(v.names, NextRandom());
  if (other == who) other = "a friend";
  const std::string_view item = Pick(v.items, NextRandom());
  if (Chance(500)) {
    const uint64_t a = 5 + Below(60), b = 2 + Below(30), c = 1 + Below(a + b);
    const uint64_t sum = a + b, left = sum - c;
    *p = std::string(who) + " has " + std::to_string(a) + " " + std::string(item) + ". " +
         std::string(who) + " buys " + std::to_string(b) + " more and gives " + std::to_string(c) +
         " to " + std::string(other) + ". How many " + std::string(item) + " does " +
         std::string(who) + " have now?";
    *r = std::string(who) + " starts with " + std::to_string(a) + " " + std::string(item) +
         ". After buying " + std::to_string(b) + " more, " + std::string(who) + " has " +
         std::to_string(a) + " + " + std::to_string(b) + " = <<" + std::to_string(a) + "+" +
         std::to_string(b) + "=" + std::to_string(sum) + ">>" + std::to_string(sum) + " " +
         std::string(item) + ". After giving " + std::to_string(c) + " away, there are " +
         std::to_string(sum) + " - " + std::to_string(c) + " = <<" + std::to_string(sum) + "-" +
         std::to_string(c) + "=" + std::to_string(left) + ">>" + std::to_string(left) +
         " left.\n#### " + std::to_string(left);
  } else {
    const uint64_t price = 2 + Below(48), k = 2 + Below(12), total = price * k;
    *p = "A box of " + std::string(item) + " costs $" + std::to_string(price) + ". " +
         std::string(who) + " buys " + std::to_string(k) + " boxes for the school fair. How " +
         "much does " + std::string(who) + " spend in total?";
    *r = "Each box costs $" + std::to_string(price) + ", and " + std::string(who) + " buys " +
         std::to_string(k) + " of them, so it's " + std::to_string(price) + " * " +
         std::to_string(k) + " = <<" + std::to_string(price) + "*" + std::to_string(k) + "=" +
         std::to_string(total) + ">>" + std::to_string(total) + " dollars.\n#### " +
         std::to_string(total);
  }
  // A line of story in front of the question, so that two problems built on
  // the same template are no more alike than two real ones.
  std::string story;
  AppendSentence(&story, 8, 12);
  *p = story + " " + *p;
  if (Chance(300)) {
    r->append("\n\n");
    AppendSentence(r, 6, 10);
  }
}

void CorpusGenerator::MakeExplain(std::string* p, std::string* r) {
  const Vocabulary& v = Vocab();
  p->assign("Explain ");
  AppendUnderscored(Pick(v.subjects, NextRandom()), p);
  if (Chance(500)) {
    p->append(" to ");
    p->append(Pick(v.names, NextRandom()));
  } else {
    p->append(" in simple terms");
  }
  p->append(". ");
  AppendSentence(p, 5, 15);
  AppendParagraphs(r, ResponseSentences());
}

void CorpusGenerator::MakeListing(std::string* p, std::string* r) {
  const Vocabulary& v = Vocab();
  p->assign("List three ways to use ");
  p->append(Pick(v.items, NextRandom()));
  p->append(" when learning about ");
  AppendUnderscored(Pick(v.subjects, NextRandom()), p);
  p->append(". ");
  AppendSentence(p, 4, 10);
  for (int i = 1; i <= 3; ++i) {
    if (i > 1) r->push_back('\n');
    r->append(std::to_string(i));
    r->append(". ");
    AppendSentence(r, 5, 14);
  }
  if (Chance(400)) {
    r->append("\n\n");
    AppendParagraphs(r, 1 + Below(3));
  }
}

void CorpusGenerator::MakeTranslate(std::string* p, std::string* r) {
  const Vocabulary& v = Vocab();
  static constexpr std::string_view kLanguages[] = {"French", "German", "Spanish", "Japanese",
                                                    "Chinese", "Portuguese"};
  p->assign("Translate “");
  AppendSentence(p, 5, 10);
  p->append("” into ");
  p->append(kLanguages[Below(std::size(kLanguages))]);
  p->append(".");
  r->assign("Here's a translation: ‘");
  for (size_t i = 0, n = 5 + Below(10); i < n; ++i) {
    if (i > 0) r->push_back(' ');
    if (Chance(400)) {
      AppendUnderscored(Pick(v.non_ascii, NextRandom()), r);
    } else {
      AppendWord(r);
    }
  }
  r->append("’ — ");
  AppendSentence(r, 6, 12);
}

void CorpusGenerator::MakeGeneral(std::string* p, std::string* r) {
  const Vocabulary& v = Vocab();
  if (Chance(500)) {
    p->assign("Write a short paragraph about ");
    AppendUnderscored(Pick(v.subjects, NextRandom()), p);
    p->append(" for ");
    p->append(Pick(v.names, NextRandom()));
    p->append(". ");
  } else {
    p->clear();
  }
  AppendSentence(p, 8, 20);
  if (Chance(400)) {
    p->push_back(' ');
    AppendSentence(p, 6, 12);
  }
  AppendParagraphs(r, ResponseSentences());
}

void CorpusGenerator::Next(std::string* out) {
  const Vocabulary& v = Vocab();
  prompt_.clear();
  response_.clear();
  const uint32_t kind = static_cast<uint32_t>(Below(100));
  std::string_view topic;
  if (kind < 25) {
    MakeMath(&prompt_, &response_);
    topic = "math";
  } else {
    topic = Pick(v.topics, NextRandom());
    if (kind < 45) {
      MakeExplain(&prompt_, &response_);
    } else if (kind < 60) {
      MakeListing(&prompt_, &response_);
    } else if (kind < 70) {
      MakeTranslate(&prompt_, &response_);
      topic = "language";
    } else {
      MakeGeneral(&prompt_, &response_);
    }
  }
  uint64_t id_state = seed_ ^ (count_ * 0xd1b54a32d192ed03ULL);
  const uint64_t id = SplitMix64(&id_state);
  static constexpr char kHex[] = "0123456789abcdef";
  char id_text[17];
  for (int i = 0; i < 16; ++i) id_text[i] = kHex[(id >> (60 - 4 * i)) & 15];
  id_text[16] = '\0';
  ++count_;
  // Keys in canonical (sorted) order: id, prompt, response, topic.
  out->assign("{\"id\":\"");
  out->append(id_text, 16);
  out->append("\",\"prompt\":");
  internal::AppendJsonString(prompt_, out);
  out->append(",\"response\":");
  internal::AppendJsonString(response_, out);
  out->append(",\"topic\":");
  internal::AppendJsonString(topic, out);
  out->push_back('}');
}

Result<uint64_t> GenerateCorpusFile(Env* env, const std::string& path, uint64_t records,
                                    uint64_t seed) {
  CUSTODY_ASSIGN_OR_RETURN(auto writer, RecordWriter::Create(env, path, OutputFormat::kJsonl));
  CorpusGenerator gen(seed);
  std::string record;
  for (uint64_t i = 0; i < records; ++i) {
    gen.Next(&record);
    CUSTODY_RETURN_IF_ERROR(writer->WriteCanonical(record));
  }
  CUSTODY_RETURN_IF_ERROR(writer->Finish());
  return writer->bytes();
}

}  // namespace custody::format
