// Tests of the slot scanner: which sites it finds, that both renderings of a
// site give the same slot id, and that guarded contexts are left alone.
#include "custody/mark/internal/scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "custody/text/normalize.h"

namespace custody::mark::internal {
namespace {

std::vector<Site> Scan(std::string_view text) {
  std::vector<Site> sites;
  ScanField(text, &sites);
  return sites;
}

// Renders every site of `text` with rendering `r(i)`.
template <typename Fn>
std::string RenderAll(std::string_view text, Fn r) {
  std::vector<Site> sites = Scan(text);
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < sites.size(); ++i) {
    out.append(text.substr(pos, sites[i].begin - pos));
    RenderSite(sites[i], r(i), text, &out);
    pos = sites[i].end;
  }
  out.append(text.substr(pos));
  return out;
}

struct Case {
  const char* text;
  SlotKind kind;
  const char* other;  // the text with the site in its other rendering
};

TEST(ScannerTest, FindsEachKindAndItsTwin) {
  const Case cases[] = {
      {"She does not like it.", SlotKind::kContraction, "She doesn't like it."},
      {"Don't go there.", SlotKind::kContraction, "Do not go there."},
      {"We know it is 5 miles away.", SlotKind::kContraction, "We know it's 5 miles away."},
      {"I am going home.", SlotKind::kContraction, "I'm going home."},
      {"Tom cannot swim.", SlotKind::kContraction, "Tom can't swim."},
      {"He sold 5 apples. So he has 3 left.", SlotKind::kIntroComma,
       "He sold 5 apples. So, he has 3 left."},
      {"First find the total cost.", SlotKind::kIntroComma, "First, find the total cost."},
      {"He had red, blue, and green pens.", SlotKind::kOxfordComma,
       "He had red, blue and green pens."},
      {"Her favorite food is rice.", SlotKind::kSpelling, "Her favourite food is rice."},
      {"Tim purchased a hat.", SlotKind::kSynonym, "Tim bought a hat."},
      {"He reads every day.", SlotKind::kSynonym, "He reads each day."},
      {"Mr. Lee has a dog.", SlotKind::kTitlePeriod, "Mr Lee has a dog."},
      {"Weng earns $12 an hour for it.", SlotKind::kRate, "Weng earns $12 per hour for it."},
      {"She runs 3 miles a day now.", SlotKind::kRate, "She runs 3 miles per day now."},
      {"Read 12 x 2 = <<12*2=24>>24 pages.", SlotKind::kTimesSign,
       "Read 12 * 2 = <<12*2=24>>24 pages."},
      {"He got 20% of the votes.", SlotKind::kPercent, "He got 20 percent of the votes."},
      {"How many are there in total?", SlotKind::kInTotal, "How many are there altogether?"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::vector<Site> a = Scan(c.text);
    std::vector<Site> b = Scan(c.other);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].kind, c.kind);
    EXPECT_EQ(a[0].slot_id, b[0].slot_id);
    EXPECT_NE(a[0].rendering, b[0].rendering);
    EXPECT_EQ(RenderAll(c.text, [&](size_t) { return 1 - a[0].rendering; }), c.other);
    EXPECT_EQ(RenderAll(c.other, [&](size_t) { return 1 - b[0].rendering; }), c.text);
  }
}

TEST(ScannerTest, GuardedContextsAreNotSlots) {
  const char* texts[] = {
      "So far he has 3.",              // "So, far" would change meaning
      "He's been there twice.",        // "he has been"
      "Today is Monday.",              // "Today, is"
      "I know where it is.",           // contraction cannot end a clause
      "First place goes to Ann.",      // "First, place"
      "It happened in April and May.",  // months are not list items here
      "Go to www.color.com now.",      // URLs are protected
      "Compute `do not` here.",        // code is protected
      "See <<color=do not>> there.",   // annotations are protected
      "He paid 3x4 dollars.",          // no spaced sign
      "The well-known color-coded map.",  // joined words are not slots
      "She spent 2 hours a day ago.",  // blacklisted rate follower
      "She is not here.",              // handled once, as "is not"
  };
  for (const char* t : texts) {
    SCOPED_TRACE(t);
    std::vector<Site> sites = Scan(t);
    if (std::string_view(t) == "She is not here.") {
      ASSERT_EQ(sites.size(), 1u);
      EXPECT_EQ(std::string_view(t).substr(sites[0].begin, sites[0].end - sites[0].begin),
                "is not");
    } else {
      EXPECT_TRUE(sites.empty()) << sites.size() << " site(s), first kind "
                                 << static_cast<int>(sites.empty() ? 0 : (int)sites[0].kind);
    }
  }
}

TEST(ScannerTest, SlotIdsIgnoreNeighbourRenderingsAndNormalization) {
  const std::string text =
      "Mr. Smith does not own a bike. So he bought 3 apples, 2 pears, and 5 plums for $4 a "
      "day. He's going to the theater every week, isn't he? I am sure it is 20% of the "
      "total. How many did he buy in total?";
  std::vector<Site> base = Scan(text);
  ASSERT_GE(base.size(), 10u);
  for (int pattern = 0; pattern < 8; ++pattern) {
    std::string v = RenderAll(text, [&](size_t i) { return static_cast<int>((i * 7 + pattern) % 3 == 0); });
    for (const std::string& t : {v, text::NormalizeForMatch(v)}) {
      SCOPED_TRACE(t);
      std::vector<Site> got = Scan(t);
      ASSERT_EQ(got.size(), base.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].slot_id, base[i].slot_id) << i;
        EXPECT_EQ(got[i].kind, base[i].kind) << i;
      }
    }
  }
}

TEST(ScannerTest, SameContextTwiceGetsDistinctIds) {
  std::vector<Site> s = Scan("I do not know. I do not know.");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].slot_id, s[1].slot_id);
}

TEST(ScannerTest, CaseIsKept) {
  std::vector<Site> s = Scan("DO NOT enter. Don't run.");
  ASSERT_EQ(s.size(), 2u);
  std::string out = RenderAll("DO NOT enter. Don't run.", [&](size_t i) { return 1 - s[i].rendering; });
  EXPECT_EQ(out, "DON'T enter. Do not run.");
}

TEST(ScannerTest, CurlyApostrophesAndSpecialSpacesRead) {
  std::vector<Site> a = Scan("She doesn't like it.");
  std::vector<Site> b = Scan("She\xC2\xA0" "doesn\xE2\x80\x99t like it.");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].slot_id, b[0].slot_id);
  EXPECT_EQ(a[0].rendering, b[0].rendering);
}

TEST(ScannerTest, WordApostrophesSkipProtectedSpans) {
  std::vector<size_t> at;
  ForEachWordApostrophe("don't <<it's>> Tom\xE2\x80\x99s `a'b`",
                        [&](size_t i, size_t) { at.push_back(i); });
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0], 3u);
  EXPECT_EQ(at[1], 18u);
}

}  // namespace
}  // namespace custody::mark::internal
