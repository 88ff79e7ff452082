// Matching benchmark (bench/match/run): generates a corpus, builds the sketch
// index, matches a simulated leak against it, and does the same with the plain
// baseline (baseline_lsh.h) on a smaller slice. Sizes: MATCH_BENCH_RECORDS
// (default 1,000,000), MATCH_BENCH_DUMP (100,000), MATCH_BENCH_BASELINE (100,000).
// Prints "name value unit" lines; single-threaded, so rates are per core.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>
#include <vector>

#include "baseline_lsh.h"
#include "custody/format/corpus_generator.h"
#include "custody/format/record.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/leak_simulator.h"
#include "custody/sketch/matcher.h"

namespace {

// CPU time of this (single-threaded) process: rates per core that other
// load on the machine does not distort.
struct Clock {
  using time_point = double;
  static double now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
};
double Seconds(Clock::time_point a) { return Clock::now() - a; }
uint64_t EnvU64(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : def;
}
long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Rec {
  std::string prompt, response;
};

// Serves record texts from the generated corpus, as the vault would after
// decrypting them (counted, to report how often the index needed them).
class CorpusTexts : public custody::sketch::CandidateTexts {
 public:
  explicit CorpusTexts(const std::vector<Rec>* corpus) : corpus_(corpus) {}
  custody::Status TextFields(uint64_t id, std::vector<std::string>* fields) override {
    ++calls;
    if (id >= corpus_->size()) return custody::NotFoundError("no such record");
    fields->resize(2);
    (*fields)[0].assign((*corpus_)[id].prompt);
    (*fields)[1].assign((*corpus_)[id].response);
    return custody::OkStatus();
  }
  uint64_t calls = 0;

 private:
  const std::vector<Rec>* corpus_;
};

std::vector<Rec> Generate(uint64_t n, uint64_t seed) {
  custody::format::CorpusGenerator gen(seed);
  std::vector<Rec> out;
  out.reserve(n);
  std::string json;
  std::vector<custody::format::TextField> fields;
  for (uint64_t i = 0; i < n; ++i) {
    gen.Next(&json);
    custody::format::ExtractTextFields(json, &fields);
    Rec r;
    for (auto& f : fields) {
      if (f.name == "prompt") r.prompt = f.value;
      if (f.name == "response") r.response = f.value;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int main() {
  using namespace custody;
  const uint64_t n = EnvU64("MATCH_BENCH_RECORDS", 1000000);
  const uint64_t dump_n = EnvU64("MATCH_BENCH_DUMP", 100000);
  const uint64_t base_n = EnvU64("MATCH_BENCH_BASELINE", 100000);
  auto key = crypto::SecretBytes::FromBytes(std::string(32, 'b'));

  auto t0 = Clock::now();
  std::vector<Rec> corpus = Generate(n, 7);
  std::printf("generate_seconds %.2f s\n", Seconds(t0));

  // Ingest with indexing.
  auto builder = std::move(sketch::IndexBuilder::Create(key, {})).value();
  uint64_t raw_bytes = 0;
  t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view f[] = {corpus[i].prompt, corpus[i].response};
    raw_bytes += f[0].size() + f[1].size();
    if (!builder->Add(i, f).ok()) return 1;
  }
  double sketch_s = Seconds(t0);
  t0 = Clock::now();
  std::string index = std::move(builder->Serialize()).value();
  double finish_s = Seconds(t0);
  builder.reset();
  std::printf("records %llu\n", static_cast<unsigned long long>(n));
  std::printf("text_mb %.1f MB\n", raw_bytes / 1e6);
  std::printf("sketch_mb_per_s %.1f MB/s\n", raw_bytes / 1e6 / sketch_s);
  std::printf("index_build_mb_per_s %.1f MB/s\n", raw_bytes / 1e6 / (sketch_s + finish_s));
  std::printf("index_bytes_per_record %.1f B\n", static_cast<double>(index.size()) / n);

  auto matcher = std::move(sketch::Matcher::FromBuffers({std::move(index)}, key)).value();

  // A leak: edited copies of our records plus as many unrelated ones.
  std::vector<sketch::SimRecord> leaked, unrelated;
  for (uint64_t i = 0; i < dump_n / 2 && i < n; ++i) {
    leaked.push_back({{{"prompt", corpus[i * (n / (dump_n / 2))].prompt},
                       {"response", corpus[i * (n / (dump_n / 2))].response}}});
  }
  for (auto& r : Generate(dump_n / 2, 99991)) {
    unrelated.push_back({{{"prompt", r.prompt}, {"response", r.response}}});
  }
  sketch::LeakOptions lo;
  lo.lowercase = lo.collapse_whitespace = true;
  lo.word_edits = 2;
  lo.unrelated_ratio = 1.0;
  lo.seed = 5;
  sketch::LeakResult leak = sketch::SimulateLeak(leaked, unrelated, lo);
  // Parse the JSONL dump back into fields (outside the timed loop).
  auto dump_records = [&] {
    std::vector<std::vector<std::string>> out;
    std::vector<format::TextField> tf;
    size_t pos = 0;
    while (pos < leak.dump.size()) {
      size_t e = leak.dump.find('\n', pos);
      auto canon = format::CanonicalizeJson(std::string_view(leak.dump).substr(pos, e - pos));
      pos = e + 1;
      if (!canon.ok()) continue;
      format::ExtractTextFields(*canon, &tf);
      std::vector<std::string> v;
      for (auto& f : tf) v.push_back(f.value);
      out.push_back(std::move(v));
    }
    return out;
  }();
  uint64_t matched = 0;
  CorpusTexts texts(&corpus);
  t0 = Clock::now();
  std::vector<std::string_view> f;
  for (size_t i = 0; i < dump_records.size(); ++i) {
    f.assign(dump_records[i].begin(), dump_records[i].end());
    auto m = matcher->Match(f, &texts);
    if (m) ++matched;
  }
  double match_s = Seconds(t0);
  std::printf("match_dump_records %zu\n", dump_records.size());
  std::printf("match_records_per_s %.0f rec/s\n", dump_records.size() / match_s);
  std::printf("match_text_verifications %.3f per dump record\n",
              static_cast<double>(texts.calls) / static_cast<double>(dump_records.size()));
  std::printf("match_matched %llu of %zu (half are ours)\n",
              static_cast<unsigned long long>(matched), dump_records.size());
  std::printf("peak_rss_mb %.0f MB\n", PeakRssKb() / 1024.0);

  // Baseline on a slice (same normalization and shingles).
  bench::BaselineLsh base;
  uint64_t bn = std::min(base_n, n);
  uint64_t bbytes = 0;
  t0 = Clock::now();
  for (uint64_t i = 0; i < bn; ++i) {
    std::vector<std::string_view> f = {corpus[i].prompt, corpus[i].response};
    bbytes += f[0].size() + f[1].size();
    base.Add(static_cast<uint32_t>(i), f);
  }
  double bsketch_s = Seconds(t0);
  std::printf("baseline_records %llu\n", static_cast<unsigned long long>(bn));
  std::printf("baseline_sketch_mb_per_s %.1f MB/s\n", bbytes / 1e6 / bsketch_s);
  std::printf("baseline_bytes_per_record %.1f B\n", static_cast<double>(base.MemoryBytes()) / bn);
  uint64_t bq = std::min<uint64_t>(dump_records.size(), 20000);
  t0 = Clock::now();
  uint64_t bm = 0;
  for (uint64_t i = 0; i < bq; ++i) {
    std::vector<std::string_view> f(dump_records[i].begin(), dump_records[i].end());
    bm += base.Match(f).has_value();
  }
  std::printf("baseline_match_records_per_s %.0f rec/s\n", bq / Seconds(t0));
  std::printf("peak_rss_total_mb %.0f MB\n", PeakRssKb() / 1024.0);
  return 0;
}
