// Release throughput, one thread, on a temporary vault holding N generated
// gsm8k-size records (question ~250 bytes, answer ~200 bytes with <<...>>
// annotations; names and nouns so canaries can be made):
//   BM_PlainExport       baseline: decrypt the version and write it as JSONL
//   BM_Release           core::Release: marks + 1% canaries, JSONL
//   BM_ReleaseEncrypted  the same, encrypted to the member's key
// Each iteration is one whole release of every record (a new release row).
// Scale with CUSTODY_BENCH_RELEASE_RECORDS (default 30000). Nothing reads ../shared.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "custody/base/clock.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"

namespace custody::core {
namespace {

size_t Records() {
  const char* env = std::getenv("CUSTODY_BENCH_RELEASE_RECORDS");
  return env ? std::strtoull(env, nullptr, 10) : 30000;
}

std::string Generate(size_t n) {
  static const char* names[] = {"Natalia", "James", "Betty", "Weng", "Julie", "Tom", "Maria", "Kenji"};
  static const char* items[] = {"apples", "tulips", "carrots", "cherries", "daisies", "plums"};
  uint64_t s = 2024;
  auto next = [&]() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  };
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    std::string nm = names[next() % 8], it = items[next() % 6];
    int a = 2 + next() % 90, b = 2 + next() % 9, c = 1 + next() % 20;
    int ab = a * b, total = a + ab - c;
    std::string q = nm + " picked " + std::to_string(a) + " " + it + " on Monday. On Tuesday, " + nm +
                    " picked " + std::to_string(b) + " times as many " + it + " as on Monday and gave " +
                    std::to_string(c) + " of them to a friend who lives next door.";
    if (next() % 2) q += " " + nm + " does not keep any for the weekend.";
    q += " How many " + it + " does " + nm + " have now? (" + std::to_string(i) + ")";
    std::string ans = "On Tuesday, " + nm + " picked " + std::to_string(a) + " * " + std::to_string(b) +
                      " = <<" + std::to_string(a) + "*" + std::to_string(b) + "=" + std::to_string(ab) +
                      ">>" + std::to_string(ab) + " " + it + ".\\nSo " + nm + " has " + std::to_string(a) +
                      " + " + std::to_string(ab) + " - " + std::to_string(c) + " = <<" + std::to_string(a) +
                      "+" + std::to_string(ab) + "-" + std::to_string(c) + "=" + std::to_string(total) +
                      ">>" + std::to_string(total) + " " + it + " in the end.\\n#### " + std::to_string(total);
    out += "{\"question\":\"" + q + "\",\"answer\":\"" + ans + "\"}\n";
  }
  return out;
}

struct Setup {
  std::string root;
  std::unique_ptr<Custody> custody;
  GrantId grant;
  uint64_t records = 0;
  uint64_t slots = 0;
  uint64_t canaries = 0;

  Setup() {
    char tmpl[] = "/tmp/custody_release_bench.XXXXXX";
    root = mkdtemp(tmpl);
    store::InitOptions o;
    o.keys.key_file = root + "/master.key";
    custody = std::move(Custody::Init(root + "/vault", o, "bench").value());
    std::ofstream(root + "/in.jsonl") << Generate(Records());
    IngestOptions io;
    io.dataset = "math";
    io.files = {root + "/in.jsonl"};
    io.fields = {"question", "answer"};
    records = Ingest(*custody, io).value().records;
    AddPartner(*custody, {"acme", "", "", ""}).value();
    auto kp = crypto::X25519Generate();
    AddMember(*custody, {"acme", "alice", "a@acme.example", kp.public_key}).value();
    GrantSpec g;
    g.partner = "acme";
    g.dataset = "math";
    g.expires_at = Clock::System()->Now() + std::chrono::days(1);
    g.purpose = "bench";
    grant = AddGrant(*custody, g).value().id;
  }
  ~Setup() {
    custody.reset();
    Env::Default()->RemoveTree(root).IgnoreError();
  }
};

Setup& S() {
  static Setup* s = new Setup();
  return *s;
}

void BM_PlainExport(benchmark::State& state) {
  Setup& s = S();
  for (auto _ : state) {
    OutputOptions replace;
    replace.overwrite = true;  // every iteration writes the same file
    auto r = ExportDataset(*s.custody, "math", 0, s.root + "/export.jsonl",
                           format::OutputFormat::kJsonl, replace);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.records));
}

void RunRelease(benchmark::State& state, bool encrypt) {
  Setup& s = S();
  uint64_t slots = 0, canaries = 0;
  for (auto _ : state) {
    ReleaseOptions o;
    o.grant_id = s.grant;
    o.member = "alice";
    o.out = s.root + (encrypt ? "/r.enc" : "/r.jsonl");
    o.encrypt = encrypt;
    o.overwrite = true;  // every iteration writes the same file
    auto r = Release(*s.custody, o);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    slots += r->slots;
    canaries += r->canaries;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.records));
  state.counters["slots_per_record"] = double(slots) / double(state.iterations() * s.records);
  state.counters["canaries"] = double(canaries) / double(state.iterations());
}

void BM_Release(benchmark::State& state) { RunRelease(state, false); }
void BM_ReleaseEncrypted(benchmark::State& state) { RunRelease(state, true); }

BENCHMARK(BM_PlainExport)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Release)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ReleaseEncrypted)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace custody::core

BENCHMARK_MAIN();
