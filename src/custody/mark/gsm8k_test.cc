// Variant marks and canaries over the public gsm8k training set
// (../shared/data/gsm8k-train.jsonl; skipped when absent). Prints the
// figures docs/marks.md reports.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "custody/mark/canary.h"
#include "custody/mark/mark.h"
#include "custody/text/normalize.h"

namespace custody::mark {
namespace {

struct Record {
  std::string question, answer;
};

const std::vector<Record>* Gsm8k() {
  static const std::vector<Record>* records = [] {
    auto* out = new std::vector<Record>();
    std::ifstream in(std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      out->push_back({j.value("question", ""), j.value("answer", "")});
    }
    return out;
  }();
  return records;
}

#define REQUIRE_GSM8K()                                                    \
  if (Gsm8k()->empty()) {                                                  \
    GTEST_SKIP() << "../shared/data/gsm8k-train.jsonl not found";          \
  }

Marker MakeMarker() {
  auto m = Marker::Create(crypto::SecretBytes::FromBytes(std::string(32, 0x42)));
  EXPECT_TRUE(m.ok());
  return std::move(m).value();
}

std::vector<std::string> Protected(std::string_view s) {
  static const std::regex re(R"(<<[^>]*>>|[0-9]+(?:[.,][0-9]+)*)");
  std::vector<std::string> out;
  std::string str(s);
  for (auto it = std::sregex_iterator(str.begin(), str.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back(it->str());
  }
  return out;
}

// The adversary's normalization: NFKC + case folding + white-space collapse +
// quote uncurling (all inside NormalizeForMatch).
std::string Normalize(std::string_view s) { return text::NormalizeForMatch(s); }

std::string CsvQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Parses one RFC 4180 row (fields may contain quotes, commas and newlines).
std::vector<std::string> CsvParse(std::string_view row) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    char c = row[i];
    if (quoted) {
      if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

TEST(Gsm8kMarkTest, ReleasePreservesNumbersParsesAndDiffersBetweenMembers) {
  REQUIRE_GSM8K();
  Marker mk = MakeMarker();
  const auto& recs = *Gsm8k();
  std::map<int, int> slots_hist, diff_hist;
  std::map<std::string, int> kind_count;
  double slots_sum = 0, diff_sum = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    std::vector<TextField> f = {{"question", recs[i].question}, {"answer", recs[i].answer}};
    MarkedRecord a = mk.Mark(RecordId(i), MemberId(1001), f);
    MarkedRecord b = mk.Mark(RecordId(i), MemberId(1002), f);
    for (int k = 0; k < 2; ++k) {
      std::string_view src = k == 0 ? recs[i].question : recs[i].answer;
      ASSERT_EQ(Protected(a.values[k]), Protected(src)) << "record " << i;
    }
    // JSONL round trip.
    nlohmann::json j = {{"question", a.values[0]}, {"answer", a.values[1]}};
    auto back = nlohmann::json::parse(j.dump(), nullptr, false);
    ASSERT_FALSE(back.is_discarded()) << "record " << i;
    ASSERT_EQ(back["question"].get<std::string>(), a.values[0]);
    ASSERT_EQ(back["answer"].get<std::string>(), a.values[1]);
    // CSV round trip.
    auto row = CsvParse(CsvQuote(a.values[0]) + "," + CsvQuote(a.values[1]));
    ASSERT_EQ(row.size(), 2u);
    ASSERT_EQ(row[0], a.values[0]);
    ASSERT_EQ(row[1], a.values[1]);

    std::vector<std::string_view> va(a.values.begin(), a.values.end()),
        vb(b.values.begin(), b.values.end());
    auto oa = mk.ReadSlots(RecordId(i), va), ob = mk.ReadSlots(RecordId(i), vb);
    ASSERT_EQ(oa.size(), ob.size());
    int diff = 0;
    for (size_t s = 0; s < oa.size(); ++s) {
      diff += oa[s].rendering != ob[s].rendering;
      ++kind_count[std::string(SlotKindName(oa[s].kind))];
    }
    slots_sum += oa.size();
    diff_sum += diff;
    ++slots_hist[std::min<int>(static_cast<int>(oa.size()), 10)];
    ++diff_hist[std::min(diff, 10)];
  }
  double n = static_cast<double>(recs.size());
  std::printf("records: %zu\nrobust slots per record: mean %.3f\n", recs.size(), slots_sum / n);
  std::printf("slots differing between two members per record: mean %.3f\n", diff_sum / n);
  std::printf("distribution of slots per record (10 = 10 or more):\n");
  for (auto& [k, v] : slots_hist) std::printf("  %2d: %5d (%.1f%%)\n", k, v, 100.0 * v / n);
  std::printf("distribution of differing slots per record:\n");
  for (auto& [k, v] : diff_hist) std::printf("  %2d: %5d (%.1f%%)\n", k, v, 100.0 * v / n);
  std::printf("slots by kind (per record):\n");
  for (auto& [k, v] : kind_count) std::printf("  %-13s %.3f\n", k.c_str(), v / n);
  EXPECT_GE(slots_sum / n, 2.0);
  EXPECT_GT(diff_sum, 0);
}

TEST(Gsm8kMarkTest, SymbolsSurviveNormalization) {
  REQUIRE_GSM8K();
  Marker mk = MakeMarker();
  const auto& recs = *Gsm8k();
  size_t total = 0, recovered = 0, wrong = 0, owner_mismatch = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    std::vector<TextField> f = {{"question", recs[i].question}, {"answer", recs[i].answer}};
    const uint64_t member = 7 + i % 13;
    MarkedRecord r = mk.Mark(RecordId(i), MemberId(member), f);
    std::vector<std::string_view> v(r.values.begin(), r.values.end());
    std::map<uint64_t, int> truth;
    for (const auto& o : mk.ReadSlots(RecordId(i), v)) {
      truth[o.slot_id] = o.symbol;
      owner_mismatch += o.symbol != static_cast<int>(mk.MemberSymbol(RecordId(i), MemberId(member), o.slot_id));
    }
    std::vector<std::string> norm = {Normalize(r.values[0]), Normalize(r.values[1])};
    std::vector<std::string_view> nv(norm.begin(), norm.end());
    std::map<uint64_t, int> seen;
    for (const auto& o : mk.ReadSlots(RecordId(i), nv)) seen[o.slot_id] = o.symbol;
    for (auto& [id, sym] : truth) {
      ++total;
      auto it = seen.find(id);
      if (it == seen.end()) continue;
      if (it->second == sym) {
        ++recovered;
      } else {
        ++wrong;
      }
    }
  }
  double rate = static_cast<double>(recovered) / static_cast<double>(total);
  std::printf("slots: %zu, recovered after normalization: %.4f, wrong: %zu\n", total, rate, wrong);
  EXPECT_EQ(owner_mismatch, 0u);
  EXPECT_GE(rate, 0.99);
}

TEST(Gsm8kMarkTest, ForcedRenderingIsBalancedAgainstEveryMember) {
  REQUIRE_GSM8K();
  Marker mk = MakeMarker();
  const auto& recs = *Gsm8k();
  // A normalizer that always writes rendering 0: the symbol it leaves is the
  // keyed flip. Agreement with each member's symbol must be about one half.
  std::vector<int> agree(5, 0);
  int total = 0;
  for (size_t i = 0; i < recs.size(); i += 3) {
    std::vector<std::string_view> v = {recs[i].question, recs[i].answer};
    for (const auto& o : mk.ReadSlots(RecordId(i), v)) {
      int y = mk.ObservedSymbol(RecordId(i), o.slot_id, 0);
      for (int m = 0; m < 5; ++m) agree[m] += y == static_cast<int>(mk.MemberSymbol(RecordId(i), MemberId(m), o.slot_id));
      ++total;
    }
  }
  ASSERT_GT(total, 3000);
  for (int m = 0; m < 5; ++m) {
    double frac = static_cast<double>(agree[m]) / total;
    std::printf("member %d agreement with forced rendering: %.4f over %d slots\n", m, frac, total);
    EXPECT_NEAR(frac, 0.5, 6 * 0.5 / std::sqrt(static_cast<double>(total)));
  }
}

TEST(Gsm8kMarkTest, CanariesAreUniqueAndNeverASourceRecord) {
  REQUIRE_GSM8K();
  auto cm_or = CanaryMaker::Create(crypto::SecretBytes::FromBytes(std::string(32, 0x42)));
  ASSERT_TRUE(cm_or.ok());
  const CanaryMaker& cm = *cm_or;
  const auto& recs = *Gsm8k();
  std::set<std::pair<std::string, std::string>> sources;
  for (const auto& r : recs) sources.insert({r.question, r.answer});
  std::set<std::pair<std::string, std::string>> canaries;
  int made = 0, tried = 0;
  double log10_fmp = 0;
  for (size_t i = 0; i < recs.size(); i += 7) {
    std::vector<TextField> f = {{"question", recs[i].question}, {"answer", recs[i].answer}};
    for (uint64_t member = 1; member <= 3; ++member) {
      ++tried;
      auto c = cm.Make(f, MemberId(member), i);
      if (!c) continue;
      ++made;
      log10_fmp += std::log10(c->false_match_probability);
      std::pair<std::string, std::string> key{c->values[0], c->values[1]};
      EXPECT_EQ(sources.count(key), 0u) << "record " << i;
      EXPECT_TRUE(canaries.insert(key).second) << "record " << i;
      EXPECT_EQ(Protected(c->values[0]), Protected(recs[i].question));
      EXPECT_EQ(Protected(c->values[1]), Protected(recs[i].answer));
      std::vector<std::string_view> own(c->values.begin(), c->values.end());
      EXPECT_TRUE(CanaryEvidence(c->substitutions, own).is_match);
      std::vector<std::string_view> src = {recs[i].question, recs[i].answer};
      EXPECT_FALSE(CanaryEvidence(c->substitutions, src).is_match);
    }
  }
  std::printf("canary sources usable: %.3f; geometric-mean false-match probability: 1e%.2f\n",
              static_cast<double>(made) / tried, log10_fmp / made);
  EXPECT_GT(made, tried * 3 / 10);
}

}  // namespace
}  // namespace custody::mark
