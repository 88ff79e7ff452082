// Dump maker of the whole-command matching benchmark (bench/match/run-e2e).
// Reads the corpus JSONL written by `custody generate` and writes two dumps:
//
//   MIX:   DUMP records, half near-duplicate copies of corpus records picked
//          evenly over the whole corpus (lower-cased, white space collapsed,
//          2 word edits, as match_bench.cc does), half unrelated records
//          from CorpusGenerator with another seed; shuffled together by
//          sketch::SimulateLeak (unrelated_ratio 1.0). Its ground truth goes
//          to MIX.truth.jsonl, and MIX.sources holds, per dump line, the
//          0-based corpus line it was copied from, or -1 if unrelated.
//   EXACT: DUMP exact copies of corpus records picked evenly over the whole
//          corpus: the corpus line as written (canonical JSON), one per line.
//
// MIX records carry the prompt and response fields only, as in
// match_bench.cc (the leak simulator's word edits apply per field, and would
// turn the one-word id and topic fields into noise).
//
// Usage: make_dump CORPUS.jsonl MIX.jsonl EXACT.jsonl DUMP_RECORDS
//                  [UNRELATED_SEED (99991)] [EDIT_SEED (5)]
// Prints "name value" lines.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/format/corpus_generator.h"
#include "custody/format/record.h"
#include "custody/sketch/leak_simulator.h"

namespace {

using custody::sketch::SimRecord;

SimRecord ToSim(std::string_view json) {
  auto canon = custody::format::CanonicalizeJson(json);
  if (!canon.ok()) {
    std::cerr << "make_dump: bad corpus line: " << canon.status().message() << "\n";
    std::exit(1);
  }
  std::vector<custody::format::TextField> tf;
  custody::format::ExtractTextFields(*canon, &tf);
  SimRecord r;
  for (auto& f : tf) {
    if (f.name == "prompt" || f.name == "response") {
      r.fields.emplace_back(std::move(f.name), std::move(f.value));
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: make_dump CORPUS.jsonl MIX.jsonl EXACT.jsonl DUMP_RECORDS"
                 " [UNRELATED_SEED] [EDIT_SEED]\n";
    return 2;
  }
  const std::string corpus_path = argv[1], mix_path = argv[2], exact_path = argv[3];
  const uint64_t dump_n = std::strtoull(argv[4], nullptr, 10);
  const uint64_t unrelated_seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 99991;
  const uint64_t edit_seed = argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 5;
  if (dump_n < 2) {
    std::cerr << "make_dump: DUMP_RECORDS must be at least 2\n";
    return 2;
  }

  // Pass 1: count the corpus records (lines).
  uint64_t n = 0;
  {
    std::ifstream in(corpus_path);
    if (!in) {
      std::cerr << "make_dump: cannot open " << corpus_path << "\n";
      return 1;
    }
    std::string line;
    while (std::getline(in, line)) n += !line.empty();
  }
  if (n == 0) {
    std::cerr << "make_dump: empty corpus\n";
    return 1;
  }

  // Record k of `count` picked evenly over the corpus: index k * n / count
  // (repeats records when count > n). Both pick lists are increasing, so one
  // more pass over the corpus collects them.
  const uint64_t near_n = dump_n / 2;
  const uint64_t exact_n = dump_n;
  auto pick = [n](uint64_t k, uint64_t count) { return k * n / count; };

  std::vector<SimRecord> near;
  near.reserve(near_n);
  std::ofstream exact(exact_path, std::ios::binary | std::ios::trunc);
  if (!exact) {
    std::cerr << "make_dump: cannot write " << exact_path << "\n";
    return 1;
  }
  {
    std::ifstream in(corpus_path);
    std::string line;
    uint64_t i = 0, kn = 0, ke = 0;
    while (std::getline(in, line) && (kn < near_n || ke < exact_n)) {
      if (line.empty()) continue;
      while (kn < near_n && pick(kn, near_n) == i) {
        near.push_back(ToSim(line));
        ++kn;
      }
      while (ke < exact_n && pick(ke, exact_n) == i) {
        exact << line << '\n';
        ++ke;
      }
      ++i;
    }
  }
  exact.close();
  if (!exact) {
    std::cerr << "make_dump: write failed: " << exact_path << "\n";
    return 1;
  }

  // Unrelated records: another generator seed (no overlap with the corpus).
  std::vector<SimRecord> unrelated;
  unrelated.reserve(dump_n - near_n);
  custody::format::CorpusGenerator gen(unrelated_seed);
  std::string json;
  for (uint64_t i = 0; i < dump_n - near_n; ++i) {
    gen.Next(&json);
    unrelated.push_back(ToSim(json));
  }

  custody::sketch::LeakOptions lo;
  lo.lowercase = lo.collapse_whitespace = true;
  lo.word_edits = 2;
  lo.unrelated_ratio = static_cast<double>(dump_n - near_n) / static_cast<double>(near_n);
  lo.seed = edit_seed;
  custody::sketch::LeakResult leak = custody::sketch::SimulateLeak(near, unrelated, lo);
  auto st = custody::sketch::WriteLeak(custody::Env::Default(), mix_path, leak);
  if (!st.ok()) {
    std::cerr << "make_dump: " << st.message() << "\n";
    return 1;
  }
  uint64_t ours = 0;
  double jsum = 0;
  std::ofstream sources(mix_path + ".sources", std::ios::binary | std::ios::trunc);
  for (const auto& t : leak.truth) {
    if (t.source >= 0) ++ours, jsum += t.jaccard;
    if (t.source >= 0) {
      sources << pick(static_cast<uint64_t>(t.source), near_n) << '\n';
    } else {
      sources << "-1\n";
    }
  }
  sources.close();
  if (!sources) {
    std::cerr << "make_dump: write failed: " << mix_path << ".sources\n";
    return 1;
  }
  std::printf("corpus_records %llu\n", static_cast<unsigned long long>(n));
  std::printf("mix_records %zu\n", leak.truth.size());
  std::printf("mix_ours %llu\n", static_cast<unsigned long long>(ours));
  std::printf("mix_mean_jaccard %.3f\n", ours ? jsum / static_cast<double>(ours) : 0.0);
  std::printf("exact_records %llu\n", static_cast<unsigned long long>(exact_n));
  return 0;
}
