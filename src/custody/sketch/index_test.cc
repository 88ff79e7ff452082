#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/sketch/candidate_texts.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/index_format.h"
#include "custody/sketch/internal/key_table.h"
#include "custody/sketch/matcher.h"

namespace custody::sketch {
namespace {

crypto::SecretBytes Key(char c) { return crypto::SecretBytes::FromBytes(std::string(32, c)); }

// A small synthetic corpus of distinct two-field records.
std::vector<std::pair<std::string, std::string>> Corpus(int n) {
  std::vector<std::pair<std::string, std::string>> out;
  uint64_t x = 12345;
  auto word = [&]() {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    static const char* kWords[] = {"apple", "river", "stone", "cloud", "seven", "market",
                                   "green", "table", "window", "yellow", "paper", "train",
                                   "silver", "garden", "orange", "bridge", "candle", "forest"};
    return std::string(kWords[(x >> 33) % 18]) + std::to_string((x >> 40) % 50);
  };
  for (int i = 0; i < n; ++i) {
    std::string q, a;
    for (int w = 0; w < 25; ++w) q += word() + " ";
    for (int w = 0; w < 40; ++w) a += word() + " ";
    out.emplace_back(q, a);
  }
  return out;
}

std::string BuildIndex(const std::vector<std::pair<std::string, std::string>>& corpus,
                       uint64_t base_id, const crypto::SecretBytes& key) {
  IndexBuilderOptions opt;
  opt.label = "test@v1";
  auto b = std::move(IndexBuilder::Create(key, opt)).value();
  for (size_t i = 0; i < corpus.size(); ++i) {
    std::string_view f[] = {corpus[i].first, corpus[i].second};
    EXPECT_TRUE(b->Add(base_id + i, f).ok());
  }
  return std::move(b->Serialize()).value();
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = Corpus(300);
    bytes_ = BuildIndex(corpus_, 1000, Key('k'));
    matcher_ = std::move(Matcher::FromBuffers({bytes_}, Key('k'))).value();
  }
  std::optional<MatchResult> Match(std::vector<std::string_view> f) { return matcher_->Match(f); }

  std::vector<std::pair<std::string, std::string>> corpus_;
  std::string bytes_;
  std::unique_ptr<Matcher> matcher_;
};

TEST_F(IndexTest, ExactMatchIgnoresFormattingAndFieldOrder) {
  auto r = Match({corpus_[7].first, corpus_[7].second});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1007u);
  EXPECT_EQ(r->kind, MatchKind::kExact);
  std::string upper = corpus_[8].first;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  r = Match({upper + "\n\n" + corpus_[8].second});  // merged, upper-cased
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1008u);
  EXPECT_EQ(r->kind, MatchKind::kExact);
  r = Match({corpus_[9].second, corpus_[9].first});  // fields swapped
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1009u);
  EXPECT_EQ(r->kind, MatchKind::kExact);
  EXPECT_EQ(matcher_->label(0), "test@v1");
  EXPECT_EQ(matcher_->record_count(), 300u);
}

TEST_F(IndexTest, NearAndFragmentMatches) {
  std::string edited = corpus_[20].second;
  edited.replace(0, 12, "completely new words ");
  auto r = Match({corpus_[20].first, edited});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1020u);
  EXPECT_EQ(r->kind, MatchKind::kNear);
  // A single field alone is a fragment.
  r = Match({corpus_[21].second});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1021u);
  EXPECT_EQ(r->kind, MatchKind::kFragment);
  // Truncated to about 60%.
  std::string joined = corpus_[22].first + corpus_[22].second;
  r = Match({std::string_view(joined).substr(0, joined.size() * 6 / 10)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 1022u);
}

TEST_F(IndexTest, UnrelatedTextDoesNotMatch) {
  auto other = Corpus(320);  // same generator: the last 20 are new records
  for (int i = 300; i < 320; ++i) {
    EXPECT_FALSE(Match({other[i].first, other[i].second})) << i;
  }
  EXPECT_FALSE(Match({"apple1 river2"}));
  EXPECT_FALSE(Match({""}));
}

// The index keeps 32-bit exact keys with an 8-bit check, so with one tiny
// table about one query in two thousand hits a field's key by chance. Such a
// "whole field" hint must be confirmed against the record's real text: a
// dump record that only shares half its words with a field is no match.
TEST(IndexWholeFieldTest, ChanceKeyHitsAreConfirmedAgainstTheText) {
  auto corpus = Corpus(1);
  const std::string bytes = BuildIndex(corpus, 7, Key('w'));
  struct Texts : CandidateTexts {
    std::vector<std::string> fields;
    Status TextFields(uint64_t id, std::vector<std::string>* out) override {
      if (id != 7) return NotFoundError("no such record");
      *out = fields;
      return OkStatus();
    }
  } texts;
  texts.fields = {corpus[0].first, corpus[0].second};
  auto m = std::move(Matcher::FromBuffers({bytes}, Key('w'))).value();
  // Three quarters of the answer field, then ten words of its own.
  std::string half;
  int words = 0;
  for (size_t i = 0; i < corpus[0].second.size() && words < 30; ++i) {
    half += corpus[0].second[i];
    words += corpus[0].second[i] == ' ';
  }
  int reported = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string q = half;
    for (int w = 0; w < 10; ++w) q += "other" + std::to_string(trial * 10 + w) + " ";
    std::string_view f[] = {q};
    auto r = m->Match(f, &texts);
    if (r) {
      ++reported;
      ADD_FAILURE() << "trial " << trial << ": " << MatchKindName(r->kind) << " " << r->similarity;
      if (reported > 3) break;
    }
  }
  EXPECT_EQ(reported, 0);
  // The whole field itself is still a fragment of the record.
  std::string_view whole[] = {corpus[0].second};
  auto r = m->Match(whole, &texts);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, MatchKind::kFragment);
}

// A dump record that repeats a phrase many times must not let the records
// anchored on that phrase crowd its real source out of the scored
// candidates: each distinct shingle votes once.
TEST(IndexAnchorVoteTest, RepeatedPhrasesDoNotOutvoteTheSource) {
  std::vector<std::pair<std::string, std::string>> corpus;
  std::string target;
  for (int w = 0; w < 200; ++w) target += "word" + std::to_string(w) + " ";
  // Twenty short records of one repeated three-word phrase each; their few
  // anchors are those phrases.
  for (int i = 0; i < 20; ++i) {
    std::string r;
    for (int k = 0; k < 4; ++k) r += "x" + std::to_string(i) + " y" + std::to_string(i) + " z" + std::to_string(i) + " ";
    corpus.emplace_back(r, "");
  }
  corpus.emplace_back(target.substr(0, target.size() / 2), target.substr(target.size() / 2));
  const std::string bytes = BuildIndex(corpus, 0, Key('v'));
  auto m = std::move(Matcher::FromBuffers({bytes}, Key('v'))).value();
  std::string q = target;
  for (int i = 0; i < 20; ++i) q += corpus[i].first;
  std::string_view f[] = {q};
  auto r = m->Match(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 20u);
  EXPECT_EQ(r->kind, MatchKind::kNear);
}

TEST_F(IndexTest, WrongKeyIsUnauthenticated) {
  auto r = Matcher::FromBuffers({bytes_}, Key('x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(IndexTest, CorruptionIsDetected) {
  for (size_t pos = 0; pos < bytes_.size(); pos += 97) {
    std::string bad = bytes_;
    bad[pos] ^= 0x10;
    auto r = Matcher::FromBuffers({bad}, Key('k'));
    EXPECT_FALSE(r.ok()) << pos;
  }
  for (size_t len = 0; len < bytes_.size(); len += 131) {
    auto r = Matcher::FromBuffers({bytes_.substr(0, len)}, Key('k'));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  // Opened on two threads (the anchor table checked beside the checksum):
  // the same verdicts.
  Env* env = Env::Default();
  const std::string dir = std::string(CUSTODY_BINARY_DIR) + "/sketch_index_corrupt_test";
  ASSERT_TRUE(env->CreateDirs(dir).ok());
  const std::string path = dir + "/x.idx";
  ASSERT_TRUE(env->WriteFileAtomically(path, bytes_).ok());
  EXPECT_TRUE(Matcher::Open(env, {path}, Key('k'), {}, 2).ok());
  for (size_t pos = 0; pos < bytes_.size(); pos += 389) {
    std::string bad = bytes_;
    bad[pos] ^= 0x10;
    ASSERT_TRUE(env->WriteFileAtomically(path, bad).ok());
    auto r = Matcher::Open(env, {path}, Key('k'), {}, 2);
    EXPECT_FALSE(r.ok()) << pos;
  }
  ASSERT_TRUE(env->WriteFileAtomically(path, bytes_.substr(0, bytes_.size() / 2)).ok());
  EXPECT_EQ(Matcher::Open(env, {path}, Key('k'), {}, 2).status().code(), StatusCode::kDataLoss);
  env->RemoveTree(dir).IgnoreError();
}

TEST_F(IndexTest, WritesAndMapsFiles) {
  std::string dir = std::string(CUSTODY_BINARY_DIR) + "/sketch_index_test";
  Env* env = Env::Default();
  ASSERT_TRUE(env->CreateDirs(dir).ok());
  IndexBuilderOptions opt;
  auto b = std::move(IndexBuilder::Create(Key('k'), opt)).value();
  // Non-contiguous ids exercise the explicit id table.
  for (size_t i = 0; i < 50; ++i) {
    std::string_view f[] = {corpus_[i].first, corpus_[i].second};
    ASSERT_TRUE(b->Add(5000 + 3 * i, f).ok());
  }
  std::string path = dir + "/" + IndexFileName(7, 2);
  EXPECT_EQ(IndexFileName(7, 2), "7-v2.idx");
  ASSERT_TRUE(b->Finish(env, path).ok());
  auto m = Matcher::Open(env, {path}, Key('k'));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::string_view f[] = {corpus_[10].first, corpus_[10].second};
  auto r = (*m)->Match(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record_id, 5030u);
  EXPECT_EQ((*m)->Candidates(f, 5).size(), 1u);
  auto missing = Matcher::Open(env, {dir + "/nope.idx"}, Key('k'));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}


// The table's binary-searched lookups against a brute-force scan, with
// crowded buckets (few bucket bits), repeated keys, and checks 0 and 255.
TEST(KeyTableTest, LookupsEqualABruteForceScan) {
  std::mt19937_64 rng(3);
  const uint8_t bits = 4;
  std::vector<std::pair<uint32_t, uint32_t>> items;
  std::vector<uint32_t> keys;
  for (int i = 0; i < 300; ++i) keys.push_back(static_cast<uint32_t>(rng()));
  keys.push_back(0x0F000000u);  // check byte 0
  keys.push_back(0x0FFFFFFFu);  // check byte 255
  for (uint32_t o = 0; o < 5000; ++o) items.emplace_back(keys[rng() % keys.size()], o);
  std::string bytes;
  internal::BuildKeyTable(items, bits, &bytes);
  const uint32_t* offsets = reinterpret_cast<const uint32_t*>(bytes.data());
  const uint32_t* entries = offsets + (1u << bits) + 1;
  internal::KeyBuckets buckets;
  ASSERT_EQ(internal::SummarizeKeyTable(offsets, entries, bits, 5000, &buckets), "");
  // Without and with the in-memory bucket summary: the same answers.
  for (const internal::KeyTableView& view :
       {internal::KeyTableView(offsets, entries, bits),
        internal::KeyTableView(offsets, entries, bits, buckets.data())}) {
  auto brute = [&](uint32_t key) {
    std::vector<uint32_t> out;
    for (const auto& [k, o] : items) {
      if ((k >> (24 - bits)) == (key >> (24 - bits))) out.push_back(o);  // bucket and check
    }
    return out;
  };
  std::vector<uint32_t> probe = keys;
  for (int i = 0; i < 200; ++i) probe.push_back(static_cast<uint32_t>(rng()));
  std::vector<uint32_t> ranges;
  for (uint32_t key : probe) {
    const std::vector<uint32_t> want = brute(key);
    std::vector<uint32_t> got;
    view.Lookup(key, [&](uint32_t o) { got.push_back(o); });
    EXPECT_EQ(got, want) << key;
    EXPECT_EQ(view.Count(key), want.size()) << key;
    for (uint32_t limit : {0u, 5u, 1000u}) {
      std::vector<uint32_t> many;
      const uint32_t one[] = {key};
      view.LookupMany(one, limit, &ranges, [&](size_t, uint32_t o) { many.push_back(o); });
      EXPECT_EQ(many, want.size() > limit ? std::vector<uint32_t>{} : want) << key << " " << limit;
    }
  }
  }
}

TEST(KeyTableTest, SummaryChecksEntries) {
  std::vector<std::pair<uint32_t, uint32_t>> items;
  for (uint32_t o = 0; o < 100; ++o) items.emplace_back(o * 0x9E3779B1u, o);
  std::string bytes;
  internal::BuildKeyTable(items, 3, &bytes);
  uint32_t* offsets = reinterpret_cast<uint32_t*>(bytes.data());
  uint32_t* entries = offsets + 9;
  internal::KeyBuckets buckets;
  EXPECT_EQ(internal::SummarizeKeyTable(offsets, entries, 3, 100, &buckets), "");
  EXPECT_EQ(internal::SummarizeKeyTable(offsets, entries, 3, 99, &buckets),
            "table entry ordinal out of range");
  size_t b = 0;
  while (offsets[b + 1] - offsets[b] < 2) ++b;  // a bucket of two entries or more
  std::swap(entries[offsets[b]], entries[offsets[b] + 1]);
  EXPECT_EQ(internal::SummarizeKeyTable(offsets, entries, 3, 100, &buckets),
            "table bucket " + std::to_string(b) + " not sorted");
}

}  // namespace
}  // namespace custody::sketch

namespace custody::sketch {
namespace {

// MatchBatch is Candidates per record, with one Prefetch of (at least)
// every record stage 2 reads: a prefetch that misses one would show up as a
// Words call for an id not announced.
TEST(MatchBatchTest, SameAsCandidatesAndAnnouncesEveryRead) {
  auto corpus = Corpus(300);
  const std::string bytes = BuildIndex(corpus, 0, Key('b'));
  auto m = std::move(Matcher::FromBuffers({bytes}, Key('b'))).value();
  struct Texts : CandidateTexts {
    const std::vector<std::pair<std::string, std::string>>* corpus;
    Status TextFields(uint64_t id, std::vector<std::string>* out) override {
      if (id >= corpus->size()) return NotFoundError("no such record");
      *out = {(*corpus)[id].first, (*corpus)[id].second};
      return OkStatus();
    }
  } texts;
  texts.corpus = &corpus;
  struct Announced : CandidateWords {
    std::unique_ptr<CandidateWords> inner;
    std::vector<uint64_t> announced;
    uint64_t unannounced = 0, prefetches = 0, calls = 0;
    Status Words(uint64_t id, RecordWords* out) override {
      ++calls;
      if (!std::binary_search(announced.begin(), announced.end(), id)) ++unannounced;
      return inner->Words(id, out);
    }
    void Prefetch(std::span<const uint64_t> ids) override {
      ++prefetches;
      announced.assign(ids.begin(), ids.end());
      EXPECT_TRUE(std::is_sorted(announced.begin(), announced.end()));
    }
  } words;
  words.inner = m->WordsFromTexts(&texts);
  // Edited copies (two words swapped for others), exact copies, unrelated.
  std::vector<std::vector<std::string>> dump;
  auto other = Corpus(340);
  for (int i = 0; i < 300; i += 3) {
    std::string q = corpus[i].first, a = corpus[i].second;
    const size_t sp = a.find(' ', a.size() / 2);
    if (sp != std::string::npos) a.insert(sp, " indeed quite");
    dump.push_back({q, a});
    dump.push_back({corpus[i + 1].second, corpus[i + 1].first});  // fields swapped
    dump.push_back({corpus[i + 1].first, corpus[i + 1].second});  // exact copy
    dump.push_back({corpus[i + 2].first});                         // one field
  }
  for (int i = 300; i < 340; ++i) dump.push_back({other[i].first, other[i].second});
  std::vector<std::vector<std::string_view>> views;
  for (const auto& d : dump) views.emplace_back(d.begin(), d.end());
  std::vector<Matcher::Fields> queries(views.begin(), views.end());
  std::vector<std::vector<MatchResult>> batch;
  m->MatchBatch(queries, 4, &words, &batch);
  EXPECT_EQ(words.prefetches, 1u);
  EXPECT_EQ(words.unannounced, 0u);
  EXPECT_GT(words.calls, 20u);  // stage 2 did read words
  ASSERT_EQ(batch.size(), queries.size());
  size_t matched = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    auto one = m->Candidates(queries[i], 4, &texts);
    ASSERT_EQ(one.size(), batch[i].size()) << i;
    for (size_t k = 0; k < one.size(); ++k) {
      EXPECT_EQ(one[k].record_id, batch[i][k].record_id) << i;
      EXPECT_EQ(one[k].kind, batch[i][k].kind) << i;
      EXPECT_DOUBLE_EQ(one[k].similarity, batch[i][k].similarity) << i;
    }
    matched += !one.empty();
    // Match (one result: exact copies settled by their 64-bit fingerprint
    // before their words are hashed) agrees with the best candidate.
    auto best = m->Match(queries[i], &texts);
    ASSERT_EQ(best.has_value(), !one.empty()) << i;
    if (best) {
      EXPECT_EQ(best->record_id, one[0].record_id) << i;
      EXPECT_EQ(best->kind, one[0].kind) << i;
    }
  }
  EXPECT_GE(matched, 290u);
}

}  // namespace
}  // namespace custody::sketch
