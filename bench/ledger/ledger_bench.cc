// Custody log benchmarks. Sizes: LEDGER_BENCH_N entries (default 1000000),
// LEDGER_BENCH_BATCH entries per durable batch (default 4096).
// Baselines measured in the same run: a raw write+fsync of the same bytes per
// batch (appends), and one SHA-256 node hash (proofs).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;

uint64_t EnvOr(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : def;
}

const uint64_t kN = EnvOr("LEDGER_BENCH_N", 1000000);
const uint64_t kBatch = EnvOr("LEDGER_BENCH_BATCH", 4096);

Event EventFor(uint64_t i) {
  Event e;
  e.type = event_type::kRelease;
  e.time = FromUnixMillis(1718000000000 + static_cast<int64_t>(i));
  e.actor = "bench";
  e.subject = "release:" + std::to_string(i);
  e.details = {{"member", "m-" + std::to_string(i % 977)}, {"records", i % 5000}};
  e.hashes = {{"exposure_root", crypto::DigestHex(crypto::Sha256(std::to_string(i)))}};
  return e;
}

fs::path BenchDir(const char* name) {
  auto d = fs::temp_directory_path() / ("custody_ledger_bench_" + std::to_string(::getpid()) + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// The log every proof benchmark reads: built by BM_DurableAppendBatched.
std::unique_ptr<CustodyLog>& SharedLog() {
  static std::unique_ptr<CustodyLog> log;
  return log;
}

void BM_DurableAppendBatched(benchmark::State& state) {
  const fs::path dir = BenchDir("append");
  auto keys = crypto::Ed25519Generate();
  auto log = CustodyLog::Open(Env::Default(), (dir / "log").string(), "bench.example/log",
                              keys.seed.Clone());
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  std::vector<Event> batch;
  uint64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (uint64_t i = 0; i < kBatch; ++i) batch.push_back(EventFor(next + i));
    state.ResumeTiming();
    auto first = (*log)->AppendBatch(batch);  // one fsync, then publish (tiles + signed checkpoint)
    if (!first.ok()) state.SkipWithError(first.status().ToString().c_str());
    next += kBatch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(next));
  state.counters["log_size"] = static_cast<double>((*log)->size());
  SharedLog() = std::move(*log);
}
BENCHMARK(BM_DurableAppendBatched)->Iterations(static_cast<int64_t>(kN / kBatch))->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline: the same bytes, written and fsynced per batch, no log at all.
void BM_BaselineWriteFsync(benchmark::State& state) {
  const fs::path dir = BenchDir("fsync");
  const int fd = ::open((dir / "raw").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::string buf;
  for (uint64_t i = 0; i < kBatch; ++i) buf += *SerializeEvent(EventFor(i));
  int64_t items = 0;
  for (auto _ : state) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) state.SkipWithError("write");
    ::fdatasync(fd);
    items += static_cast<int64_t>(kBatch);
  }
  ::close(fd);
  state.SetItemsProcessed(items);
  fs::remove_all(dir);
}
BENCHMARK(BM_BaselineWriteFsync)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BaselineNodeHash(benchmark::State& state) {
  Hash a = crypto::Sha256("a"), b = crypto::Sha256("b");
  for (auto _ : state) {
    a = HashChildren(a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_BaselineNodeHash);

void BM_InclusionProof(benchmark::State& state) {
  auto& log = SharedLog();
  if (!log) return state.SkipWithError("no log");
  const uint64_t n = log->size();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto p = log->InclusionProof(rng() % n, n);
    benchmark::DoNotOptimize(p);
  }
  state.counters["log_size"] = static_cast<double>(n);
}
BENCHMARK(BM_InclusionProof)->Unit(benchmark::kMicrosecond);

void BM_InclusionVerify(benchmark::State& state) {
  auto& log = SharedLog();
  if (!log) return state.SkipWithError("no log");
  const uint64_t n = log->size();
  const Hash root = log->root();
  std::vector<std::pair<uint64_t, std::vector<Hash>>> proofs;
  std::vector<Hash> leaves;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 256; ++i) {
    const uint64_t idx = rng() % n;
    proofs.emplace_back(idx, *log->InclusionProof(idx, n));
    leaves.push_back(HashLeaf(*log->ReadEntry(idx)));
  }
  size_t k = 0;
  for (auto _ : state) {
    const auto& [idx, proof] = proofs[k];
    if (!VerifyInclusion(idx, n, leaves[k], proof, root).ok()) state.SkipWithError("verify failed");
    k = (k + 1) % proofs.size();
  }
}
BENCHMARK(BM_InclusionVerify)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProofAndVerify(benchmark::State& state) {
  auto& log = SharedLog();
  if (!log) return state.SkipWithError("no log");
  const uint64_t n = log->size();
  const Hash root = log->root();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    const uint64_t m = 1 + rng() % n;
    auto p = log->ConsistencyProof(m, n);
    if (!VerifyConsistency(m, n, *p, *log->RootAt(m), root).ok()) state.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_ConsistencyProofAndVerify)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace custody::ledger

BENCHMARK_MAIN();
