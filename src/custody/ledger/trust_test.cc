// The custody log as its own trust anchor against someone who can write the
// log directory but does not hold the vault's key: history cannot be
// rewritten and then re-signed by the owner's next command, evidence of
// tampering is never overwritten, and repair is explicit and says what it
// found. (docs/formats/log.md, "Threat model".)
#include <gtest/gtest.h>

#include <filesystem>

#include "custody/base/encoding.h"
#include "custody/base/fault_injection_env.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/internal/wal.h"
#include "custody/ledger/log_format.h"
#include "custody/ledger/verify.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;
constexpr char kOrigin[] = "test.example/log";

class LogTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("custody_trust_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    keys_ = crypto::Ed25519Generate();
    key_ = *ParseVerifierKey(FormatVerifierKey(kOrigin, keys_.public_key));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string LogDir() const { return (dir_ / "log").string(); }
  std::string Path(const std::string& rel) const { return (fs::path(LogDir()) / rel).string(); }
  Result<std::unique_ptr<CustodyLog>> OpenWriter(bool repair = false) {
    LogOptions o;
    o.repair = repair;
    return CustodyLog::Open(Env::Default(), LogDir(), kOrigin, keys_.seed.Clone(), o);
  }
  static Event Ev(int i) {
    Event e;
    e.type = event_type::kRelease;
    e.time = FromUnixMillis(1700000000000 + i);
    e.actor = "tester";
    e.subject = "release:" + std::to_string(i);
    e.details = {{"i", i}};
    return e;
  }
  void Write(int n) {
    auto log = OpenWriter();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*log)->Append(Ev(i)).ok());
  }
  static std::string Read(const std::string& p) { return *Env::Default()->ReadFileToString(p); }
  static void Put(const std::string& p, const std::string& data) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(p, data).ok());
  }
  static void FlipByte(const std::string& p, size_t at) {
    std::string d = Read(p);
    d[at] ^= 0x01;
    Put(p, d);
  }

  fs::path dir_;
  crypto::Ed25519KeyPair keys_;
  NoteVerifierKey key_;
};

// The attack of the issue: drop the last entries from the write-ahead file
// and delete checkpoint, tiles and signer state. The owner's next command
// must refuse, not re-sign the shortened log.
TEST_F(LogTrustTest, ShortenedLogWithDeletedStateIsNotResigned) {
  Write(5);
  const std::string wal = Read(Path(kWalFile));
  // Keep the header and the first four one-entry batches.
  std::vector<uint64_t> ends;
  ASSERT_TRUE(internal::ScanWal(Env::Default(), Path(kWalFile), nullptr,
                                [&](uint64_t, uint64_t off, std::string_view e) {
                                  ends.push_back(off + e.size() + kWalMacSize + kWalChecksumSize);
                                }).ok());
  ASSERT_EQ(ends.size(), 5u);
  Put(Path(kWalFile), wal.substr(0, ends[3]));
  fs::remove(Path(kCheckpointFile));
  fs::remove(Path("signer-state"));
  fs::remove_all(Path("tile"));
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("signer-state: missing"), std::string::npos)
      << log.status().message();
  EXPECT_FALSE(fs::exists(Path(kCheckpointFile)));  // nothing was signed
}

// A batch appended by someone without the key (a valid checksum, no valid
// MAC) is refused by the writer wherever it is.
TEST_F(LogTrustTest, ForgedBatchFailsItsMac) {
  Write(3);
  const crypto::SecretBytes wrong = crypto::SecretBytes::Random(32);
  std::string wal = Read(Path(kWalFile));
  ASSERT_TRUE(internal::RewriteWal(Env::Default(), dir_.string() + "/forged.wal",
                                   std::vector<std::string>{*SerializeEvent(Ev(0)),
                                                            *SerializeEvent(Ev(1)),
                                                            *SerializeEvent(Ev(2)),
                                                            *SerializeEvent(Ev(9))},
                                   wrong)
                  .ok());
  Put(Path(kWalFile), Read(dir_.string() + "/forged.wal"));
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("MAC mismatch"), std::string::npos)
      << log.status().message();
  // Repair does not accept it either.
  EXPECT_EQ(OpenWriter(/*repair=*/true).status().code(), StatusCode::kDataLoss);
}

// A new log's first open that dies before it signed anything (here: every
// rename fails) leaves no write-ahead file without a signer state, so the
// next open is not refused as if the signer state had been deleted.
TEST_F(LogTrustTest, ANewLogInterruptedBeforeItsFirstSignatureOpensAgain) {
  FaultInjectionEnv faulty(Env::Default());
  faulty.FailRenames(true);
  LogOptions o;
  auto failed = CustodyLog::Open(&faulty, LogDir(), kOrigin, keys_.seed.Clone(), o);
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(fs::exists(Path(kWalFile)));
  auto log = OpenWriter();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->Append(Ev(0)).ok());
  log->reset();
  auto r = VerifyLog(Env::Default(), LogDir(), key_, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
}

// An entry longer than an entry bundle can carry is never written by the
// log; a write-ahead file holding one (authenticated or not) is refused by
// the scan, before any bundle is published from it.
TEST_F(LogTrustTest, EntryLongerThanABundleCarriesIsRefusedByTheScan) {
  const std::string wal = dir_.string() + "/long.wal";
  const crypto::SecretBytes key = crypto::SecretBytes::Random(32);
  ASSERT_TRUE(internal::RewriteWal(Env::Default(), wal,
                                   std::vector<std::string>{std::string(kMaxEntrySize + 1, 'x')},
                                   key)
                  .ok());
  auto scan = internal::ScanWal(Env::Default(), wal, &key, [](uint64_t, uint64_t, std::string_view) {});
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(scan.status().message().find("expected at most 65535"), std::string::npos)
      << scan.status().message();
}

// A flipped byte in the checkpoint is evidence: the writer refuses and
// leaves it; `log verify` reports it; only repair moves it aside.
TEST_F(LogTrustTest, FlippedCheckpointIsKeptUntilRepair) {
  Write(4);
  const std::string cp = Read(Path(kCheckpointFile));
  FlipByte(Path(kCheckpointFile), cp.size() - 10);  // inside the signature
  const std::string flipped = Read(Path(kCheckpointFile));
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Read(Path(kCheckpointFile)), flipped);
  auto report = VerifyLog(Env::Default(), LogDir(), key_);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());

  auto repaired = OpenWriter(/*repair=*/true);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  auto findings = (*repaired)->repair_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("did not verify"), std::string::npos) << findings[0];
  EXPECT_TRUE(fs::exists(Path("quarantine/checkpoint")));
  repaired->reset();
  EXPECT_TRUE(VerifyLog(Env::Default(), LogDir(), key_)->ok());
}

// A flipped byte in the rightmost tile or bundle is not silently rewritten.
TEST_F(LogTrustTest, FlippedTileIsNotOverwritten) {
  Write(3);
  const std::string bundle = Path(EntryBundlePath(0, 3));
  ASSERT_TRUE(fs::exists(bundle));
  FlipByte(bundle, 5);
  const std::string flipped = Read(bundle);
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("differs from the entries"), std::string::npos);
  EXPECT_EQ(Read(bundle), flipped);

  auto repaired = OpenWriter(/*repair=*/true);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ((*repaired)->repair_findings().size(), 1u);
  repaired->reset();
  EXPECT_TRUE(VerifyLog(Env::Default(), LogDir(), key_)->ok());
}

// A missing signer state with a checkpoint that verifies: repair restores
// the state from the checkpoint and says so; a plain open refuses.
TEST_F(LogTrustTest, RepairRestoresSignerStateFromCheckpoint) {
  Write(6);
  fs::remove(Path("signer-state"));
  EXPECT_EQ(OpenWriter().status().code(), StatusCode::kDataLoss);
  auto log = OpenWriter(/*repair=*/true);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto findings = (*log)->repair_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("restored from the checkpoint (size 6)"), std::string::npos);
  ASSERT_TRUE((*log)->Append(Ev(6)).ok());
  log->reset();
  auto again = OpenWriter();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->repair_findings().empty());
}

// A checkpoint deleted alone is restored from the signer state (the same
// signed note: nothing new is signed over a gap).
TEST_F(LogTrustTest, DeletedCheckpointIsRestoredFromSignerState) {
  Write(2);
  const std::string cp = Read(Path(kCheckpointFile));
  fs::remove(Path(kCheckpointFile));
  auto log = OpenWriter();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Read(Path(kCheckpointFile)), cp);
}

// A version 1 write-ahead file (checksums, no MACs) fully covered by the
// signed checkpoint is upgraded in place; entries past it need repair.
TEST_F(LogTrustTest, VersionOneFileIsUpgraded) {
  Write(3);
  // Re-encode the same entries the version 1 way.
  std::vector<std::string> entries;
  ASSERT_TRUE(internal::ScanWal(Env::Default(), Path(kWalFile), nullptr,
                                [&](uint64_t, uint64_t, std::string_view e) {
                                  entries.emplace_back(e);
                                }).ok());
  auto v1 = [&](size_t n) {
    std::string data(kWalMagicV1);
    for (size_t i = 0; i < n; ++i) {
      std::string b;
      PutFixed32(&b, static_cast<uint32_t>(4 + entries[i % entries.size()].size()));
      PutFixed64(&b, i);
      PutFixed32(&b, 1);
      PutFixed32(&b, static_cast<uint32_t>(entries[i % entries.size()].size()));
      b += entries[i % entries.size()];
      b += crypto::DigestBytes(crypto::Sha256(b));
      data += b;
    }
    return data;
  };
  Put(Path(kWalFile), v1(3));
  {
    auto log = OpenWriter();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ((*log)->size(), 3u);
    EXPECT_NE((*log)->status().repair_note.find("upgraded"), std::string::npos);
  }
  EXPECT_EQ(Read(Path(kWalFile)).substr(0, kWalMagic.size()), kWalMagic);
  auto scan = internal::ScanWal(Env::Default(), Path(kWalFile), nullptr,
                                [](uint64_t, uint64_t, std::string_view) {});
  EXPECT_EQ(scan->version, 2);

  // One unsigned entry past the checkpoint in a version 1 file: refused.
  Put(Path(kWalFile), v1(4));
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("cannot be authenticated"), std::string::npos);
}

}  // namespace
}  // namespace custody::ledger
