// Appends to a custody log in a loop and prints, after each durable return,
// the last acknowledged index (one line, flushed). The crash test kills it
// with SIGKILL at random moments. Entry i's content is a function of i, so the
// test can check acknowledged entries are present and unchanged.
// Usage: ledger_crash_helper LOG_DIR SEED_HEX RNG_SEED
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/ledger/custody_log.h"
#include "tests/integration/ledger/crash_events.h"

int main(int argc, char** argv) {
  using namespace custody;
  if (argc != 4) {
    std::fprintf(stderr, "usage: ledger_crash_helper LOG_DIR SEED_HEX RNG_SEED\n");
    return 2;
  }
  auto seed = HexDecode(argv[2]);
  if (!seed.ok()) return 2;
  auto log = ledger::CustodyLog::Open(Env::Default(), argv[1], ledger::crash_test::kOrigin,
                                      crypto::SecretBytes::FromBytes(*seed));
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
  for (;;) {
    const uint64_t next = (*log)->size();
    const size_t n = 1 + rng() % 40;
    std::vector<ledger::Event> batch;
    for (size_t i = 0; i < n; ++i) batch.push_back(ledger::crash_test::EventFor(next + i));
    auto first = (*log)->AppendBatch(batch);
    if (!first.ok()) {
      std::fprintf(stderr, "append: %s\n", first.status().ToString().c_str());
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(*first + n - 1));
    std::fflush(stdout);
  }
}
