// Whole-program baseline of the whole-command matching benchmark
// (bench/match/run-e2e): a plain MinHash LSH (baseline_lsh.h) that reads the
// corpus JSONL written by `custody generate`, builds its in-memory index over
// every string field of each record, then reads a dump JSONL and queries
// every record. Parsing is custody's own (CanonicalizeJson +
// ExtractTextFields), so the difference to `custody match` is the index and
// the vault, not the JSON reader.
//
// Usage: baseline_lsh_cmd CORPUS.jsonl DUMP.jsonl [MAX_CORPUS_RECORDS]
// Prints "name value" lines; times are CPU seconds of this single-threaded
// process (build: read + parse + sketch + insert; query: read + parse +
// sketch + look up + compare, per dump record).
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "baseline_lsh.h"
#include "custody/format/record.h"

namespace {

double Cpu() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Calls fn(fields) for each parsable line of a JSONL file; returns the count
// of records read, or -1 if the file cannot be opened.
template <typename Fn>
int64_t ForEachRecord(const std::string& path, uint64_t max, Fn fn) {
  std::ifstream in(path);
  if (!in) return -1;
  std::string line;
  std::vector<custody::format::TextField> tf;
  std::vector<std::string_view> fields;
  int64_t count = 0;
  while (static_cast<uint64_t>(count) < max && std::getline(in, line)) {
    if (line.empty()) continue;
    auto canon = custody::format::CanonicalizeJson(line);
    if (!canon.ok()) continue;
    custody::format::ExtractTextFields(*canon, &tf);
    fields.clear();
    for (const auto& f : tf) fields.push_back(f.value);
    fn(fields);
    ++count;
  }
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: baseline_lsh_cmd CORPUS.jsonl DUMP.jsonl [MAX_CORPUS_RECORDS]\n";
    return 2;
  }
  const uint64_t max = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : UINT64_MAX;
  custody::bench::BaselineLsh lsh;

  double t0 = Cpu();
  uint32_t id = 0;
  int64_t n = ForEachRecord(argv[1], max, [&](const std::vector<std::string_view>& f) {
    lsh.Add(id++, f);
  });
  double build_s = Cpu() - t0;
  if (n < 0) {
    std::cerr << "baseline_lsh_cmd: cannot open " << argv[1] << "\n";
    return 1;
  }
  long build_rss = PeakRssKb();

  t0 = Cpu();
  uint64_t matched = 0;
  int64_t q = ForEachRecord(argv[2], UINT64_MAX, [&](const std::vector<std::string_view>& f) {
    matched += lsh.Match(f).has_value();
  });
  double query_s = Cpu() - t0;
  if (q < 0) {
    std::cerr << "baseline_lsh_cmd: cannot open " << argv[2] << "\n";
    return 1;
  }
  std::printf("corpus_records %lld\n", static_cast<long long>(n));
  std::printf("build_cpu_s %.2f\n", build_s);
  std::printf("build_records_per_s %.0f\n", n / build_s);
  std::printf("build_peak_rss_mb %.0f\n", build_rss / 1024.0);
  std::printf("dump_records %lld\n", static_cast<long long>(q));
  std::printf("matched %llu\n", static_cast<unsigned long long>(matched));
  std::printf("query_cpu_s %.2f\n", query_s);
  std::printf("queries_per_s %.0f\n", q / query_s);
  std::printf("peak_rss_mb %.0f\n", PeakRssKb() / 1024.0);
  return 0;
}
