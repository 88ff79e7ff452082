// Tests of Marker: determinism, byte-exact preservation outside slots,
// read-back of member symbols, keyed rendering flips, fragile layer.
#include "custody/mark/mark.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "custody/text/normalize.h"

namespace custody::mark {
namespace {

crypto::SecretBytes TestKey(char fill = 7) {
  return crypto::SecretBytes::FromBytes(std::string(32, fill));
}

Marker MakeMarker(MarkOptions o = {}, char fill = 7) {
  auto m = Marker::Create(TestKey(fill), o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

const char* kQuestion =
    "Mr. Smith does not own a bike, so he bought 3 apples, 2 pears, and 5 plums for $4 a day. "
    "He's going to the theater every week. I am sure it is 20% of the total. First find how "
    "many he bought in total?";
const char* kAnswer =
    "He bought 3 + 2 + 5 = <<3+2+5=10>>10 fruits.\nSo he paid 10 x 4 = $<<10*4=40>>40 in "
    "total.\nThus, the answer is 40.\n#### 40";

std::vector<TextField> Fields() { return {{"question", kQuestion}, {"answer", kAnswer}}; }

std::vector<std::string> Numbers(std::string_view s) {
  std::vector<std::string> out;
  static const std::regex re(R"(<<[^>]*>>|[0-9]+(?:[.,][0-9]+)*)");
  std::string str(s);
  for (auto it = std::sregex_iterator(str.begin(), str.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back(it->str());
  }
  return out;
}

TEST(MarkerTest, CreateRejectsBadKeyAndCutoff) {
  EXPECT_FALSE(Marker::Create(crypto::SecretBytes::FromBytes("short")).ok());
  MarkOptions o;
  o.bias_cutoff = 0.5;
  EXPECT_FALSE(Marker::Create(TestKey(), o).ok());
  o.bias_cutoff = 0;
  EXPECT_FALSE(Marker::Create(TestKey(), o).ok());
}

TEST(MarkerTest, DeterministicForFixedKey) {
  Marker a = MakeMarker(), b = MakeMarker();
  auto fields = Fields();
  MarkedRecord ra = a.Mark(RecordId(11), MemberId(3), fields), rb = b.Mark(RecordId(11), MemberId(3), fields);
  EXPECT_EQ(ra.values, rb.values);
  EXPECT_GE(ra.slots, 12u);
  Marker other_key = MakeMarker({}, 9);
  int differing = 0;
  for (uint64_t m = 0; m < 8; ++m) {
    differing += other_key.Mark(RecordId(11), MemberId(m), fields).values != a.Mark(RecordId(11), MemberId(m), fields).values;
  }
  EXPECT_GT(differing, 0);
}

TEST(MarkerTest, NumbersAndAnnotationsAreByteIdentical) {
  Marker mk = MakeMarker();
  auto fields = Fields();
  for (uint64_t member = 0; member < 20; ++member) {
    MarkedRecord r = mk.Mark(RecordId(5), MemberId(member), fields);
    ASSERT_EQ(r.values.size(), 2u);
    EXPECT_EQ(Numbers(r.values[0]), Numbers(kQuestion));
    EXPECT_EQ(Numbers(r.values[1]), Numbers(kAnswer));
  }
}

TEST(MarkerTest, ReadBackGivesEveryMemberSymbol) {
  Marker mk = MakeMarker();
  auto fields = Fields();
  for (uint64_t member = 0; member < 30; ++member) {
    MarkedRecord r = mk.Mark(RecordId(42), MemberId(member), fields);
    std::vector<std::string_view> views(r.values.begin(), r.values.end());
    std::vector<SlotObservation> obs = mk.ReadSlots(RecordId(42), views);
    ASSERT_EQ(obs.size(), r.slots);
    for (const SlotObservation& o : obs) {
      ASSERT_GE(o.symbol, 0);
      EXPECT_EQ(o.symbol == 1, mk.MemberSymbol(RecordId(42), MemberId(member), o.slot_id));
      EXPECT_EQ(o.symbol, mk.ObservedSymbol(RecordId(42), o.slot_id, o.rendering));
      EXPECT_DOUBLE_EQ(o.bias, mk.Bias(RecordId(42), o.slot_id));
    }
    // Normalized dumps read the same.
    std::vector<std::string> norm;
    for (const auto& v : r.values) norm.push_back(text::NormalizeForMatch(v));
    std::vector<std::string_view> nviews(norm.begin(), norm.end());
    std::vector<SlotObservation> nobs = mk.ReadSlots(RecordId(42), nviews);
    ASSERT_EQ(nobs.size(), obs.size());
    for (size_t i = 0; i < obs.size(); ++i) {
      EXPECT_EQ(nobs[i].slot_id, obs[i].slot_id);
      EXPECT_EQ(nobs[i].symbol, obs[i].symbol);
    }
  }
}

TEST(MarkerTest, SlotIdsSurviveFieldRenameReorderAndDrop) {
  Marker mk = MakeMarker();
  MarkedRecord r = mk.Mark(RecordId(42), MemberId(1), Fields());
  std::vector<std::string_view> both = {r.values[0], r.values[1]};
  std::vector<std::string_view> swapped = {r.values[1], r.values[0]};
  std::vector<std::string_view> answer_only = {r.values[1]};
  auto a = mk.ReadSlots(RecordId(42), both), b = mk.ReadSlots(RecordId(42), swapped), c = mk.ReadSlots(RecordId(42), answer_only);
  auto symbols = [](const std::vector<SlotObservation>& v) {
    std::map<uint64_t, int> m;
    for (auto& o : v) m[o.slot_id] = o.symbol;
    return m;
  };
  EXPECT_EQ(symbols(a), symbols(b));
  auto sa = symbols(a);
  for (auto& [id, sym] : symbols(c)) EXPECT_EQ(sa.at(id), sym);
  EXPECT_GT(c.size(), 0u);
}

TEST(MarkerTest, RenderingFlipIsBalancedSoForcedNormalizerAccusesNoOne) {
  // A normalizer that forces rendering 0 everywhere yields symbol = flip,
  // which must agree with any member's symbol about half the time.
  Marker mk = MakeMarker();
  int agree = 0, total = 0, ones = 0;
  for (uint64_t rec = 0; rec < 400; ++rec) {
    for (uint64_t slot = 0; slot < 10; ++slot) {
      int y = mk.ObservedSymbol(RecordId(rec), slot * 977 + 1, 0);
      ones += y;
      for (uint64_t member = 0; member < 5; ++member) {
        agree += y == static_cast<int>(mk.MemberSymbol(RecordId(rec), MemberId(member), slot * 977 + 1));
        ++total;
      }
    }
  }
  // 4000 flips: a 6-sigma band around one half.
  EXPECT_NEAR(ones / 4000.0, 0.5, 0.05);
  EXPECT_NEAR(static_cast<double>(agree) / total, 0.5, 0.03);
}

TEST(MarkerTest, MembersDiffer) {
  Marker mk = MakeMarker();
  auto fields = Fields();
  int differing_slots = 0;
  MarkedRecord a = mk.Mark(RecordId(7), MemberId(1), fields);
  MarkedRecord b = mk.Mark(RecordId(7), MemberId(2), fields);
  std::vector<std::string_view> va(a.values.begin(), a.values.end()),
      vb(b.values.begin(), b.values.end());
  auto oa = mk.ReadSlots(RecordId(7), va), ob = mk.ReadSlots(RecordId(7), vb);
  ASSERT_EQ(oa.size(), ob.size());
  for (size_t i = 0; i < oa.size(); ++i) differing_slots += oa[i].rendering != ob[i].rendering;
  EXPECT_GT(differing_slots, 0);
}

TEST(MarkerTest, FragileLayerCorroboratesOnlyTheOwner) {
  MarkOptions o;
  o.fragile = true;
  Marker mk = MakeMarker(o);
  std::vector<TextField> fields = {{"q", "Tom's cat isn't Ann's and it's Bob's, don't ask Sue's mom's friend's dad's."}};
  MarkedRecord r = mk.Mark(RecordId(3), MemberId(17), fields);
  EXPECT_GE(r.fragile_marks, 8u);
  std::vector<std::string_view> v = {r.values[0]};
  FragileAgreement own = mk.ReadFragile(RecordId(3), MemberId(17), v);
  EXPECT_EQ(own.agree, own.total);
  EXPECT_EQ(own.total, r.fragile_marks);
  int perfect_others = 0;
  for (uint64_t m = 100; m < 140; ++m) {
    FragileAgreement f = mk.ReadFragile(RecordId(3), MemberId(m), v);
    perfect_others += f.agree == f.total;
  }
  EXPECT_LT(perfect_others, 3);
  // The robust slots read the same with and without the fragile layer.
  Marker plain = MakeMarker();
  MarkedRecord p = plain.Mark(RecordId(3), MemberId(17), fields);
  std::vector<std::string_view> pv = {p.values[0]};
  auto a = mk.ReadSlots(RecordId(3), v), b = plain.ReadSlots(RecordId(3), pv);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].symbol, b[i].symbol);
}

TEST(MarkerTest, ConflictingDuplicateSlotIsErased) {
  Marker mk = MakeMarker();
  // The same context in two fields gives the same slot id; if a dump shows
  // both renderings, the slot is erased rather than guessed.
  std::vector<std::string_view> f = {"I do not know.", "I don't know."};
  auto obs = mk.ReadSlots(RecordId(1), f);
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].rendering, -1);
  EXPECT_EQ(obs[0].symbol, -1);
}

TEST(MarkerTest, InvalidUtf8PassesThroughUntouched) {
  Marker mk = MakeMarker();
  std::string bad = "caf\xC3 \xFF do not \xE2\x80";
  std::vector<TextField> fields = {{"q", bad}};
  MarkedRecord r = mk.Mark(RecordId(1), MemberId(1), fields);
  EXPECT_EQ(r.values[0].substr(0, 8), bad.substr(0, 8));
  EXPECT_EQ(r.values[0].substr(r.values[0].size() - 2), "\xE2\x80");
}

}  // namespace
}  // namespace custody::mark
