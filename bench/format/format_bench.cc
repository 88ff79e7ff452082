// Throughput of the format module on a generated corpus (FORMAT_BENCH_MB,
// default 200 MB, written to FORMAT_BENCH_DIR or the temp directory):
// memchr line splitting (the baseline), RecordReader on plain and zstd input,
// JSON canonicalization alone, and the corpus generator.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/format/canonical_json.h"
#include "custody/format/corpus_generator.h"
#include "custody/format/reader.h"
#include "custody/format/writer.h"

namespace custody::format {
namespace {

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Corpus {
  std::string plain;
  std::string zst;
  uint64_t bytes = 0;
  std::vector<std::string> sample;  // in-memory records for canonicalization
};

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    const uint64_t target = EnvNumber("FORMAT_BENCH_MB", 200) << 20;
    const char* dir = std::getenv("FORMAT_BENCH_DIR");
    const std::string base = std::string(dir != nullptr ? dir : "/tmp") + "/custody-format-bench";
    c.plain = base + ".jsonl";
    c.zst = base + ".jsonl.zst";
    auto plain = RecordWriter::Create(Env::Default(), c.plain, OutputFormat::kJsonl);
    auto zst = RecordWriter::Create(Env::Default(), c.zst, OutputFormat::kJsonl);
    if (!plain.ok() || !zst.ok()) std::abort();
    CorpusGenerator gen(2024);
    std::string rec;
    while ((*plain)->bytes() < target) {
      gen.Next(&rec);
      if (!(*plain)->WriteCanonical(rec).ok() || !(*zst)->WriteCanonical(rec).ok()) std::abort();
      if (c.sample.size() < 20000) c.sample.push_back(rec);
    }
    if (!(*plain)->Finish().ok() || !(*zst)->Finish().ok()) std::abort();
    c.bytes = (*plain)->bytes();
    return c;
  }();
  return corpus;
}

void BM_MemchrLines(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::vector<char> buf(1 << 20);
  uint64_t lines = 0;
  for (auto _ : state) {
    FILE* f = std::fopen(c.plain.c_str(), "rb");
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
      const char* p = buf.data();
      const char* end = p + n;
      while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr) {
        ++lines;
        ++p;
      }
    }
    std::fclose(f);
  }
  benchmark::DoNotOptimize(lines);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}

void ReadAll(benchmark::State& state, const std::string& path) {
  const Corpus& c = GetCorpus();
  Record rec;
  uint64_t records = 0;
  for (auto _ : state) {
    auto reader = RecordReader::Open(Env::Default(), path);
    if (!reader.ok()) state.SkipWithError("open failed");
    while (true) {
      auto more = (*reader)->Next(&rec);
      if (!more.ok() || !*more) break;
      ++records;
    }
  }
  benchmark::DoNotOptimize(records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}

void BM_ReadJsonl(benchmark::State& state) { ReadAll(state, GetCorpus().plain); }
void BM_ReadJsonlZstd(benchmark::State& state) { ReadAll(state, GetCorpus().zst); }

void BM_Canonicalize(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  JsonCanonicalizer canon;
  std::string out;
  uint64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& r : c.sample) {
      if (!canon.Canonicalize(r, &out).ok()) state.SkipWithError("canonicalize failed");
      bytes += r.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_Generate(benchmark::State& state) {
  CorpusGenerator gen(7);
  std::string rec;
  uint64_t bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 10000; ++i) {
      gen.Next(&rec);
      bytes += rec.size() + 1;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

BENCHMARK(BM_MemchrLines)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ReadJsonl)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_ReadJsonlZstd)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_Canonicalize)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Generate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace custody::format

BENCHMARK_MAIN();
