// Tests of RecordMarker: the one-pass Apply equals the plain reference
// (extract every text field, mark, re-escape every value) on random records
// with nested values, escapes, typographic punctuation and every slot kind.
#include "custody/core/release/marking.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "custody/format/record.h"

namespace custody::core {
namespace {

mark::Marker MakeMarker(bool fragile) {
  mark::MarkOptions o;
  o.fragile = fragile;
  auto m = mark::Marker::Create(crypto::SecretBytes::FromBytes(std::string(32, 5)), o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

// A random field body, as JSON source text (escapes written as escapes).
std::string RandomBody(std::mt19937_64& rng) {
  static const char* kPieces[] = {
      "do", "not", "don't", "Do", "NOT", "it", "is", "it's", "He", "he's", "been", "So", "so",
      ",", ".", "!", "?", "First", "find", "the", "In", "total", "in", "altogether", "Mr",
      "Mr.", "Mrs", "Lee", "color", "colour", "bought", "purchased", "each", "every", "day",
      "a", "an", "per", "hour", "$", "5", "12", "3.5", "x", "*", "20%", "percent", "of", "and",
      "or", "red,", "blue", "apples", "<<3*4=12>>", "`code`", "http://x.y/z", "www.a.b",
      "\\n", "\\t", "\\\"", "\\\\", "\\u0001", "\\u001f", "\xE2\x80\x99", "\xE2\x80\x9C",
      "\xC2\xA0", "\xE2\x80\x94", "\xE2\x80\xA6", "caf\xC3\xA9", "I", "am", "I'm", "they",
      "will", "they'll", "won't", "cannot", "can't", "Today", "we", "ago", "miles", "It",
      "He'll", "favorite", "neighbor", "'", "(", ")", "-", "/"};
  std::string s;
  const int n = static_cast<int>(rng() % 30);
  for (int k = 0; k < n; ++k) {
    if (k > 0 && rng() % 5 != 0) s += rng() % 7 != 0 ? " " : "\\n";
    s += kPieces[rng() % (sizeof(kPieces) / sizeof(kPieces[0]))];
  }
  return s;
}

std::string RandomRecord(std::mt19937_64& rng) {
  auto f = [&] { return "\"" + RandomBody(rng) + "\""; };
  switch (rng() % 5) {
    case 0: return "{\"question\":" + f() + ",\"answer\":" + f() + "}";
    case 1:
      return "{\"a\":{\"b\":" + f() + ",\"c\":[" + f() + ",1,true,null]},\"n\":3.5,\"question\":" +
             f() + "}";
    case 2:
      return "{\"k\\\"ey\":" + f() + ",\"list\":[" + f() + ",{\"question\":" + f() + "}],\"z\":" +
             f() + "}";
    case 3: return "{\"question\":[],\"answer\":{},\"x\":" + f() + "}";
    default: return "{\"answer\":" + f() + ",\"n\":[[" + f() + "],[]],\"question\":\"\"}";
  }
}

TEST(RecordMarkerTest, OnePassApplyEqualsTheReference) {
  const mark::Marker plain = MakeMarker(false);
  const mark::Marker fragile = MakeMarker(true);
  const std::vector<std::vector<std::string>> selections = {
      {}, {"question"}, {"a.b", "answer"}, {"list", "a"}, {"n"}, {"missing"}};
  std::mt19937_64 rng(2024);
  std::vector<std::string> records;
  while (records.size() < 3000) {
    auto c = format::CanonicalizeJson(RandomRecord(rng));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    records.push_back(*c);
  }
  uint64_t slots = 0;
  std::string fast, reference;
  for (const auto& sel : selections) {
    for (const mark::Marker* m : {&plain, &fragile}) {
      RecordMarker a(m, sel), b(m, sel);
      for (size_t r = 0; r < records.size(); ++r) {
        const uint64_t member = 1 + r % 3;
        const uint32_t n = a.Apply(RecordId(r), MemberId(member), records[r], &fast);
        const uint32_t n_ref = b.ApplyReference(RecordId(r), MemberId(member), records[r], &reference);
        ASSERT_EQ(fast, reference) << records[r];
        ASSERT_EQ(n, n_ref) << records[r];
        slots += n;
      }
    }
  }
  EXPECT_GT(slots, 10000u);  // the records do carry slots
}

}  // namespace
}  // namespace custody::core
