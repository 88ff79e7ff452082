// Release throughput of the marking step, single thread: each benchmark
// turns N generated gsm8k-size records (question ~250 bytes, answer ~300
// bytes with <<...>> annotations) into one member's JSONL release.
//   BM_CopySerialize      baseline: copy fields and write JSONL
//   BM_Mark               + variant marks
//   BM_MarkCanaries       + variant marks + canaries (1% of the release)
//   BM_MarkCanariesSealed + the JSONL sealed with XChaCha20-Poly1305 in 1 MiB chunks
// Records are generated from a fixed seed; nothing reads ../shared.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/crypto/crypto.h"
#include "custody/mark/canary.h"
#include "custody/mark/mark.h"

namespace custody::mark {
namespace {

struct Rec {
  std::string question, answer;
};

uint64_t Next(uint64_t* s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}

// Generated records follow gsm8k's shape and slot density (about 2-3 robust
// slots per record; the bench prints the measured figure).
std::vector<Rec> Generate(size_t n) {
  static const char* names[] = {"Natalia", "James", "Betty", "Weng", "Julie", "Tom", "Maria",
                                "Kenji"};
  static const char* items[] = {"apples", "pencils", "books", "cookies", "tulips", "marbles"};
  static const char* verbs[] = {"bought", "sold", "collected", "baked", "picked", "found"};
  std::vector<Rec> out;
  out.reserve(n);
  uint64_t s = 2024;
  for (size_t i = 0; i < n; ++i) {
    const std::string nm = names[Next(&s) % 8];
    const std::string it = items[Next(&s) % 6];
    const std::string vb = verbs[Next(&s) % 6];
    const int a = 2 + Next(&s) % 90, b = 2 + Next(&s) % 9, c = 1 + Next(&s) % 20;
    const int ab = a * b, total = a + ab - c;
    std::string q = nm + " " + vb + " " + std::to_string(a) + " " + it +
                    " on Monday. On Tuesday, " + nm + " " + vb + " " + std::to_string(b) +
                    " times as many " + it + " as on Monday and gave " + std::to_string(c) +
                    " of them to a friend who lives next door.";
    if (Next(&s) % 2) q += " " + nm + " does not keep any for the weekend.";
    if (Next(&s) % 3 == 0) q += " The friend pays $2 a day for the " + it + ".";
    q += " How many " + it + " does " + nm + " have now?";
    std::string ans = "On Tuesday, " + nm + " " + vb + " " + std::to_string(a) +
                      (Next(&s) % 2 ? " x " : " * ") + std::to_string(b) + " = <<" +
                      std::to_string(a) + "*" + std::to_string(b) + "=" + std::to_string(ab) +
                      ">>" + std::to_string(ab) + " " + it + ".\n";
    ans += (Next(&s) % 2 ? "So " : "Then ") + nm + " has " + std::to_string(a) + " + " +
           std::to_string(ab) + " - " + std::to_string(c) + " = <<" + std::to_string(a) + "+" +
           std::to_string(ab) + "-" + std::to_string(c) + "=" + std::to_string(total) + ">>" +
           std::to_string(total) + " " + it + " in the end.\n#### " + std::to_string(total);
    out.push_back({std::move(q), std::move(ans)});
  }
  return out;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendLine(std::string_view q, std::string_view a, std::string* out) {
  out->append("{\"question\":");
  AppendJsonString(q, out);
  out->append(",\"answer\":");
  AppendJsonString(a, out);
  out->append("}\n");
}

size_t Records() {
  const char* env = std::getenv("CUSTODY_BENCH_MARK_RECORDS");
  return env ? std::strtoull(env, nullptr, 10) : 20000;
}

const std::vector<Rec>& Corpus() {
  static const std::vector<Rec>* corpus = new std::vector<Rec>(Generate(Records()));
  return *corpus;
}

crypto::SecretBytes Key() { return crypto::SecretBytes::FromBytes(std::string(32, 0x5a)); }

enum Mode { kCopy, kMark, kMarkCanaries, kSealed };

void Run(benchmark::State& state, Mode mode) {
  const auto& corpus = Corpus();
  Marker marker = std::move(Marker::Create(Key()).value());
  CanaryMaker canaries = std::move(CanaryMaker::Create(Key()).value());
  crypto::SecretBytes aead_key = crypto::SecretBytes::Random(crypto::kAeadKeySize);
  const size_t every = 100;  // 1% canaries
  std::string out;
  size_t bytes = 0, slots = 0, made = 0;
  for (auto _ : state) {
    out.clear();
    size_t sealed = 0;
    for (size_t i = 0; i < corpus.size(); ++i) {
      const Rec& r = corpus[i];
      if (mode == kCopy) {
        AppendLine(r.question, r.answer, &out);
      } else {
        TextField f[2] = {{"question", r.question}, {"answer", r.answer}};
        MarkedRecord m = marker.Mark(RecordId(i), MemberId(17), f);
        slots += m.slots;
        AppendLine(m.values[0], m.values[1], &out);
        if (mode != kMark && i % every == 0) {
          // A canary from another record (one the member was not given).
          const Rec& src = corpus[(i * 7919 + 13) % corpus.size()];
          TextField sf[2] = {{"question", src.question}, {"answer", src.answer}};
          auto c = canaries.Make(sf, MemberId(17), i);
          if (c) {
            ++made;
            MarkedRecord mc = marker.Mark(RecordId(1'000'000'000 + i), MemberId(17),
                                          {{{"question", c->values[0]}, {"answer", c->values[1]}}});
            AppendLine(mc.values[0], mc.values[1], &out);
          }
        }
      }
      if (mode == kSealed && out.size() - sealed >= (1u << 20)) {
        auto box = crypto::AeadSeal(aead_key, std::string_view(out).substr(sealed), "release");
        benchmark::DoNotOptimize(box);
        sealed = out.size();
      }
    }
    if (mode == kSealed && out.size() > sealed) {
      auto box = crypto::AeadSeal(aead_key, std::string_view(out).substr(sealed), "release");
      benchmark::DoNotOptimize(box);
    }
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.size()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["slots_per_record"] =
      mode == kCopy ? 0.0 : static_cast<double>(slots) / (state.iterations() * corpus.size());
  state.counters["canaries_per_iter"] =
      static_cast<double>(made) / static_cast<double>(state.iterations());
}

void BM_CopySerialize(benchmark::State& s) { Run(s, kCopy); }
void BM_Mark(benchmark::State& s) { Run(s, kMark); }
void BM_MarkCanaries(benchmark::State& s) { Run(s, kMarkCanaries); }
void BM_MarkCanariesSealed(benchmark::State& s) { Run(s, kSealed); }
BENCHMARK(BM_CopySerialize)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Mark)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MarkCanaries)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MarkCanariesSealed)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace custody::mark

BENCHMARK_MAIN();
