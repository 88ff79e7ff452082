// Crash test: kill -9 a process appending in a loop, at seeded random moments;
// after each kill the log opens, verifies, and holds every acknowledged entry
// unchanged.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "custody/base/encoding.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/verify.h"
#include "tests/integration/ledger/crash_events.h"
#include "tests/integration/ledger/test_util.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;

// Starts the helper; returns its pid and the read end of its stdout.
pid_t Spawn(const std::string& log_dir, uint64_t rng_seed, int* out_fd) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string seed = std::to_string(rng_seed);
    ::execl(LEDGER_CRASH_HELPER, LEDGER_CRASH_HELPER, log_dir.c_str(), crash_test::kSeedHex,
            seed.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

TEST(LedgerCrashTest, KillNineNeverLosesAcknowledgedEntries) {
  const fs::path dir = ittest::FreshDir("crash");
  const std::string log_dir = (dir / "log").string();
  auto seed = crypto::SecretBytes::FromBytes(*HexDecode(crash_test::kSeedHex));
  auto pair = *crypto::Ed25519FromSeed(seed);
  const NoteVerifierKey key{crash_test::kOrigin, NoteKeyId(crash_test::kOrigin, pair.public_key),
                            pair.public_key};
  std::mt19937_64 rng(20240611);
  int64_t acked = -1;  // highest acknowledged index over all runs
  constexpr int kKills = 30;
  for (int round = 0; round < kKills; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fd = -1;
    const pid_t pid = Spawn(log_dir, rng(), &fd);
    ASSERT_GT(pid, 0);
    // Let it run a random while, reading acknowledgements as they come.
    std::string pending;
    const auto delay = std::chrono::microseconds(2000 + rng() % 60000);
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "helper exited on its own: " << status;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) pending.append(buf, static_cast<size_t>(n));
    ::close(fd);
    size_t pos = 0;
    while (true) {
      const size_t nl = pending.find('\n', pos);
      if (nl == std::string::npos) break;  // a partial line is not an acknowledgement
      acked = std::max<int64_t>(acked, std::stoll(pending.substr(pos, nl - pos)));
      pos = nl + 1;
    }

    auto log = CustodyLog::Open(Env::Default(), log_dir, crash_test::kOrigin, seed.Clone());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_GE(static_cast<int64_t>((*log)->size()), acked + 1);
    for (int64_t i = 0; i <= acked; ++i) {
      auto entry = (*log)->ReadEntry(static_cast<uint64_t>(i));
      ASSERT_TRUE(entry.ok()) << i;
      ASSERT_EQ(*entry, *SerializeEvent(crash_test::EventFor(static_cast<uint64_t>(i)))) << i;
    }
    log->reset();  // release the lock; verify what is on disk
    auto report = VerifyLog(Env::Default(), log_dir, key);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok()) << report->problems[0].where << ": " << report->problems[0].what;
    EXPECT_GE(static_cast<int64_t>(report->entries_checked), acked + 1);
  }
  EXPECT_GT(acked, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace custody::ledger
