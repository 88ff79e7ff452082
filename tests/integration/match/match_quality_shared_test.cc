// Matching quality on gsm8k: half the records are indexed, the other half
// serve as unrelated records. For each kind of edit (alone, then all
// combined) a dump mixes edited copies of ours with as many unrelated
// records; the table printed shows precision, recall and false matches.
// Candidates the index cannot settle are compared with the real record text,
// served here from the gsm8k records themselves (the vault decrypts them).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/format/reader.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/leak_simulator.h"
#include "custody/sketch/matcher.h"
#include "custody/sketch/exact_compare.h"
#include "custody/sketch/sketcher.h"
#include "custody/text/normalize.h"
#include "custody/text/tokenize.h"

namespace custody::sketch {
namespace {

struct Scenario {
  const char* name;
  LeakOptions options;
};

// Serves the text of indexed record `base + i` from `records[i]`.
class MemoryTexts : public CandidateTexts {
 public:
  MemoryTexts(const std::vector<SimRecord>* records, uint64_t base)
      : records_(records), base_(base) {}
  Status TextFields(uint64_t id, std::vector<std::string>* out) override {
    if (id < base_ || id - base_ >= records_->size()) return NotFoundError("no such record");
    ++calls_;
    out->clear();
    for (const auto& [n, v] : (*records_)[id - base_].fields) out->push_back(v);
    return OkStatus();
  }
  uint64_t calls() const { return calls_; }

 private:
  const std::vector<SimRecord>* records_;
  uint64_t base_;
  uint64_t calls_ = 0;
};

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> s;
  auto add = [&](const char* name, auto fn) {
    LeakOptions o;
    o.unrelated_ratio = 1.0;
    o.seed = 1000 + s.size();
    fn(o);
    s.push_back({name, o});
  };
  add("none", [](LeakOptions&) {});
  add("csv", [](LeakOptions& o) { o.format = DumpFormat::kCsv; });
  add("text", [](LeakOptions& o) { o.format = DumpFormat::kText; });
  add("unicode_noise", [](LeakOptions& o) { o.unicode_noise = true; });
  add("nfkc", [](LeakOptions& o) { o.unicode_noise = true, o.nfkc = true; });
  add("lowercase", [](LeakOptions& o) { o.lowercase = true; });
  add("collapse_ws", [](LeakOptions& o) { o.collapse_whitespace = true; });
  add("uncurl_quotes", [](LeakOptions& o) { o.unicode_noise = true, o.uncurl_quotes = true; });
  add("shuffle", [](LeakOptions& o) { o.shuffle = true; });
  add("subset", [](LeakOptions& o) { o.subset = 0.3; });
  add("drop_field", [](LeakOptions& o) { o.drop_field = true; });
  add("merge_fields", [](LeakOptions& o) { o.merge_fields = true; });
  add("truncate", [](LeakOptions& o) { o.truncate_min_keep = 0.3; });
  add("word_edits", [](LeakOptions& o) { o.word_edits = 4; });
  add("all", [](LeakOptions& o) {
    o.format = DumpFormat::kCsv;
    o.unicode_noise = o.nfkc = o.lowercase = o.collapse_whitespace = o.uncurl_quotes = true;
    o.shuffle = true;
    o.subset = 0.5;
    o.drop_field = true;
    o.truncate_min_keep = 0.5;
    o.word_edits = 2;
  });
  return s;
}

std::unique_ptr<Sketcher> explain_sketcher;

// With MATCH_DEBUG set: prints a miss, a false or a wrong match with the
// exact measures the verifier uses.
void Explain(const char* what, const char* scenario, const std::vector<std::string_view>& dump,
             const SimRecord& record, const TruthEntry& t) {
  RecordSketch a, b;
  std::vector<std::string_view> rf;
  for (const auto& [n, v] : record.fields) rf.push_back(v);
  explain_sketcher->Sketch(dump, &a);
  explain_sketcher->Sketch(rf, &b);
  CompareScratch scratch;
  ExactSimilarity e = CompareExact(a, b, &scratch);
  std::printf("%s %s truth: j=%.3f kept=%.3f | exact: j=%.3f cont=%.3f kept=%.3f aligned=%.3f "
              "aligned_dump=%.3f words=%u/%u\n  dump:   %.160s\n  record: %.160s\n",
              what, scenario, t.jaccard, t.kept, e.jaccard, e.containment, e.kept, e.aligned(),
              e.aligned_dump(), e.dump_words, e.record_words, a.joined.c_str(), b.joined.c_str());
}

TEST(MatchQualityTest, Gsm8kEditsPrecisionRecall) {
  const std::string data = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";
  Env* env = Env::Default();
  if (!env->FileExists(data)) GTEST_SKIP() << "shared data absent: " << data;
  auto all = LoadJsonlRecords(env, data);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<SimRecord> ours, unrelated;
  for (size_t i = 0; i < all->size(); ++i) ((i % 2) ? unrelated : ours).push_back((*all)[i]);

  auto key = crypto::SecretBytes::FromBytes(std::string(32, 'q'));
  IndexBuilderOptions bo;
  bo.label = "gsm8k@v1";
  if (const char* b = std::getenv("MATCH_BINS_LOG2")) bo.params.bins_log2 = static_cast<uint8_t>(std::atoi(b));
  if (const char* b = std::getenv("MATCH_SIG_BITS")) bo.params.sig_bits = static_cast<uint8_t>(std::atoi(b));
  if (const char* b = std::getenv("MATCH_ANCHORS")) bo.params.anchors = static_cast<uint8_t>(std::atoi(b));
  auto builder = std::move(IndexBuilder::Create(key, bo)).value();
  const uint64_t kBase = 100;
  for (size_t i = 0; i < ours.size(); ++i) {
    std::vector<std::string_view> f;
    for (const auto& [n, v] : ours[i].fields) f.push_back(v);
    ASSERT_TRUE(builder->Add(kBase + i, f).ok());
  }
  auto bytes = std::move(builder->Serialize()).value();
  std::printf("index: %zu records, %zu bytes, %.1f bytes/record\n", ours.size(), bytes.size(),
              static_cast<double>(bytes.size()) / static_cast<double>(ours.size()));
  VerifyParams vp;
  if (const char* v = std::getenv("MATCH_MIN_ALIGNED")) vp.min_aligned = std::atof(v);
  auto matcher = std::move(Matcher::FromBuffers({bytes}, key, vp)).value();
  MemoryTexts texts(&ours, kBase);
  explain_sketcher = std::move(Sketcher::Create(key, {})).value();

  // Unrelated records must not be near-duplicates of ours: gsm8k holds
  // template siblings (same problem, other names and numbers). Drop those
  // whose true word-shingle Jaccard with any of the best index candidates
  // reaches 0.5, the threshold at which a record counts as ours.
  {
    std::vector<SimRecord> kept;
    for (const SimRecord& u : unrelated) {
      std::vector<std::string_view> f;
      std::string joined;
      for (const auto& [n, v] : u.fields) f.push_back(v), joined += v + " ";
      bool near_dup = false;
      for (const MatchResult& c : matcher->Candidates(f, 8)) {
        std::string src;
        for (const auto& [n, v] : ours[c.record_id - kBase].fields) src += v + " ";
        near_dup |= text::ShingleJaccard(text::NormalizeForMatch(joined),
                                         text::NormalizeForMatch(src), 3) >= 0.5;
      }
      if (!near_dup) kept.push_back(u);
    }
    std::printf("unrelated pool: %zu records (%zu near-duplicates of ours excluded)\n",
                kept.size(), unrelated.size() - kept.size());
    unrelated = std::move(kept);
  }

  const std::string dir = std::string(CUSTODY_BINARY_DIR) + "/match_quality";
  ASSERT_TRUE(env->CreateDirs(dir).ok());
  std::printf("%-14s %7s %7s %8s %8s %9s %7s %7s %7s %7s\n", "edit", "dump", "ours", "in-scope",
              "precision", "recall", "falseU", "wrong", "missed", "texts");
  for (const Scenario& sc : Scenarios()) {
    LeakResult leak = SimulateLeak(ours, unrelated, sc.options);
    const std::string path = dir + "/" + sc.name +
                             (sc.options.format == DumpFormat::kCsv    ? ".csv"
                              : sc.options.format == DumpFormat::kText ? ".txt"
                                                                       : ".jsonl");
    ASSERT_TRUE(WriteLeak(env, path, leak).ok());
    format::ReadOptions ro;
    ro.skip_bad = true;
    auto reader = format::RecordReader::Open(env, path, ro);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const uint64_t calls_before = texts.calls();
    format::Record rec;
    size_t idx = 0, matched = 0, correct = 0, false_unrelated = 0, wrong = 0;
    size_t in_scope = 0, in_scope_found = 0, ours_n = 0;
    while (true) {
      auto more = (*reader)->Next(&rec);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      // Align on line numbers: a record the reader rejects is simply missed.
      while (idx < leak.truth.size() && leak.truth[idx].line < rec.line) {
        const TruthEntry& s = leak.truth[idx++];
        in_scope += s.source >= 0 && (s.jaccard >= 0.5 || s.kept >= 0.5);
        ours_n += s.source >= 0;
      }
      ASSERT_LT(idx, leak.truth.size());
      const TruthEntry& t = leak.truth[idx++];
      ASSERT_EQ(rec.line, t.line) << sc.name << ": " << rec.canonical;
      std::vector<std::string_view> f;
      for (const auto& tf : rec.text_fields) f.push_back(tf.value);
      auto m = matcher->Match(f, &texts);
      bool scope = t.source >= 0 && (t.jaccard >= 0.5 || t.kept >= 0.5);
      in_scope += scope;
      ours_n += t.source >= 0;
      if (!m) {
        if (scope && std::getenv("MATCH_DEBUG")) {
          Explain("MISS", sc.name, f, ours[t.source], t);
          VerifyParams loose;
          loose.min_jaccard = loose.fragment_min_jaccard = 0;
          static auto dbg = std::move(Matcher::FromBuffers({bytes}, key, loose)).value();
          for (const MatchResult& c : dbg->Candidates(f, 12)) {
            std::printf("    cand %s j=%.3f cont=%.3f kind=%d\n",
                        c.record_id == kBase + uint64_t(t.source) ? "SOURCE" : "other", c.similarity,
                        c.containment, static_cast<int>(c.kind));
          }
        }
        continue;
      }
      ++matched;
      if (t.source < 0) {
        ++false_unrelated;
        if (std::getenv("MATCH_DEBUG")) Explain("FALSE", sc.name, f, ours[m->record_id - kBase], t);
      } else if (m->record_id == kBase + static_cast<uint64_t>(t.source)) {
        ++correct;
        in_scope_found += scope;
      } else {
        ++wrong;
        if (std::getenv("MATCH_DEBUG")) Explain("WRONG", sc.name, f, ours[m->record_id - kBase], t);
      }
    }
    if ((*reader)->skipped() > 0 && (*reader)->first_bad()) {
      std::printf("  (%s: reader skipped %llu records, first: %s)\n", sc.name,
                  static_cast<unsigned long long>((*reader)->skipped()),
                  (*reader)->first_bad()->ToString().c_str());
    }
    double precision = matched ? static_cast<double>(correct) / matched : 1.0;
    double recall = in_scope ? static_cast<double>(in_scope_found) / in_scope : 1.0;
    std::printf("%-14s %7zu %7zu %8zu %9.4f %9.4f %7zu %7zu %7zu %7llu\n", sc.name, idx, ours_n,
                in_scope, precision, recall, false_unrelated, wrong, in_scope - in_scope_found,
                static_cast<unsigned long long>(texts.calls() - calls_before));
    EXPECT_GE(precision, 0.99) << sc.name;
    EXPECT_GE(recall, 0.98) << sc.name;
    EXPECT_EQ(false_unrelated, 0u) << sc.name;
  }
}

}  // namespace
}  // namespace custody::sketch
