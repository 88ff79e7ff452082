#include "custody/ledger/custody_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "custody/base/fault_injection_env.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/log_format.h"
#include "custody/ledger/verify.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;
constexpr char kOrigin[] = "test.example/log";

class CustodyLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("custody_log_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    keys_ = crypto::Ed25519Generate();
    key_ = *ParseVerifierKey(FormatVerifierKey(kOrigin, keys_.public_key));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string LogDir() const { return (dir_ / "log").string(); }
  Result<std::unique_ptr<CustodyLog>> OpenWriter(Env* env = Env::Default()) {
    return CustodyLog::Open(env, LogDir(), kOrigin, keys_.seed.Clone());
  }
  static Event Ev(int i) {
    Event e;
    e.type = event_type::kIngest;
    e.time = FromUnixMillis(1700000000000 + i);
    e.actor = "tester";
    e.subject = "dataset:" + std::to_string(i);
    e.details = {{"i", i}};
    e.hashes = {{"records_root", crypto::DigestHex(crypto::Sha256(std::to_string(i)))}};
    return e;
  }

  fs::path dir_;
  crypto::Ed25519KeyPair keys_;
  NoteVerifierKey key_;
};

TEST_F(CustodyLogTest, AppendReopenAndProve) {
  {
    auto log = OpenWriter();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 40; ++i) {
      auto idx = (*log)->Append(Ev(i));
      ASSERT_TRUE(idx.ok()) << idx.status().ToString();
      EXPECT_EQ(*idx, static_cast<uint64_t>(i));
    }
    std::vector<Event> batch;
    for (int i = 40; i < 1000; ++i) batch.push_back(Ev(i));
    EXPECT_EQ(*(*log)->AppendBatch(batch), 40u);
    EXPECT_EQ((*log)->size(), 1000u);
  }
  auto log = CustodyLog::Open(Env::Default(), LogDir(), kOrigin, std::nullopt);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->size(), 1000u);
  auto cp = OpenCheckpoint(*(*log)->Checkpoint(), key_);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, 1000u);
  EXPECT_EQ(cp->root, (*log)->root());
  for (uint64_t i : {0u, 255u, 256u, 999u}) {
    auto entry = (*log)->ReadEntry(i);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(*ParseEvent(*entry), Ev(static_cast<int>(i)));
    auto proof = (*log)->InclusionProof(i, 1000);
    EXPECT_TRUE(VerifyInclusion(i, 1000, HashLeaf(*entry), *proof, cp->root).ok());
  }
  EXPECT_FALSE((*log)->Append(Ev(1)).ok());  // read-only
  // Tiles exist in the C2SP layout.
  EXPECT_TRUE(fs::exists(fs::path(LogDir()) / "tile/0/000"));
  EXPECT_TRUE(fs::exists(fs::path(LogDir()) / "tile/0/003.p/232"));
  EXPECT_TRUE(fs::exists(fs::path(LogDir()) / "tile/1/000.p/3"));
  EXPECT_TRUE(fs::exists(fs::path(LogDir()) / "tile/entries/003.p/232"));
  EXPECT_FALSE(fs::exists(fs::path(LogDir()) / "tile/0/000.p/255"));  // stale partial removed
  auto report = VerifyLog(Env::Default(), LogDir(), key_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0].where << ": " << report->problems[0].what;
  EXPECT_EQ(report->entries_checked, 1000u);
}

TEST_F(CustodyLogTest, SecondWriterIsRefused) {
  auto a = OpenWriter();
  ASSERT_TRUE(a.ok());
  auto b = OpenWriter();
  EXPECT_FALSE(b.ok());
}

// Several writers on one directory (LogOptions::shared), as two custody
// serve processes over one vault: their appends interleave into one chain.
Result<std::unique_ptr<CustodyLog>> OpenShared(const std::string& dir, const crypto::SecretBytes& seed) {
  LogOptions o;
  o.shared = true;
  return CustodyLog::Open(Env::Default(), dir, kOrigin, seed.Clone(), o);
}

TEST_F(CustodyLogTest, SharedWritersInterleaveIntoOneVerifiableLog) {
  auto a = OpenShared(LogDir(), keys_.seed);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = OpenShared(LogDir(), keys_.seed);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  CustodyLog* writers[2] = {a->get(), b->get()};
  // Batches of 1 to 97 entries, alternating writers, across several tiles.
  std::vector<Event> appended;
  std::string early_checkpoint;
  for (int round = 0; appended.size() < 700; ++round) {
    CustodyLog* w = writers[round % 2];
    const size_t n = 1 + (static_cast<size_t>(round) * 37) % 97;
    std::vector<Event> batch;
    for (size_t i = 0; i < n; ++i) batch.push_back(Ev(static_cast<int>(appended.size() + i)));
    auto first = w->AppendBatch(batch);
    ASSERT_TRUE(first.ok()) << round << ": " << first.status().ToString();
    // Each writer appends after everything the other one wrote: no index is given twice.
    ASSERT_EQ(*first, appended.size()) << "round " << round;
    appended.insert(appended.end(), batch.begin(), batch.end());
    ASSERT_EQ(w->size(), appended.size());
    if (round == 3) early_checkpoint = *w->Checkpoint();
  }
  // The other writer sees the whole log after a refresh, with the same root.
  ASSERT_TRUE(writers[0]->Refresh().ok());
  ASSERT_TRUE(writers[1]->Refresh().ok());
  EXPECT_EQ(writers[0]->size(), appended.size());
  EXPECT_EQ(writers[0]->root(), writers[1]->root());
  EXPECT_EQ(*writers[0]->Checkpoint(), *writers[1]->Checkpoint());
  for (uint64_t i : {0u, 255u, 256u, 511u, 699u}) {
    EXPECT_EQ(*ParseEvent(*writers[i % 2]->ReadEntry(i)), appended[i]) << i;
  }
  a->reset();
  b->reset();
  // One chain: every tile, bundle and the checkpoint verify, and the log
  // extends a checkpoint signed early on.
  VerifyOptions vo;
  vo.earlier_checkpoints = {{"early", early_checkpoint}};
  auto report = VerifyLog(Env::Default(), LogDir(), key_, vo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const auto& p : report->problems) ADD_FAILURE() << p.where << ": " << p.what;
  EXPECT_EQ(report->checkpoint.size, appended.size());
  auto reader = CustodyLog::Open(Env::Default(), LogDir(), kOrigin, std::nullopt);
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ((*reader)->size(), appended.size());
  for (uint64_t i = 0; i < appended.size(); ++i) {
    ASSERT_EQ(*ParseEvent(*(*reader)->ReadEntry(i)), appended[i]) << i;
  }
}

TEST_F(CustodyLogTest, SharedWriterDropsADeadWritersTornBatchAndSignsWhatItLeft) {
  auto a = OpenShared(LogDir(), keys_.seed);
  auto b = OpenShared(LogDir(), keys_.seed);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*a)->Append(Ev(i)).ok());
  const auto wal = fs::path(LogDir()) / kWalFile;
  const auto good = fs::file_size(wal);
  // A writer that died: one batch durable but never published, then half of
  // the next one.
  {
    auto c = OpenShared(LogDir(), keys_.seed);
    ASSERT_TRUE(c.ok());
    ASSERT_EQ(*(*c)->Append(Ev(5)), 5u);
  }
  const auto with_six = fs::file_size(wal);
  {
    std::string bytes = *Env::Default()->ReadFileToString(wal.string());
    std::string torn = bytes.substr(good, (with_six - good) / 2);
    auto f = Env::Default()->NewAppendableFile(wal.string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(torn).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto idx = (*b)->Append(Ev(6));
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  EXPECT_EQ(*idx, 6u);
  EXPECT_GT((*b)->status().repaired_bytes, 0u);
  ASSERT_EQ(*(*a)->Append(Ev(7)), 7u);
  a->reset();
  b->reset();
  auto report = VerifyLog(Env::Default(), LogDir(), key_);
  ASSERT_TRUE(report.ok());
  for (const auto& p : report->problems) ADD_FAILURE() << p.where << ": " << p.what;
  EXPECT_EQ(report->checkpoint.size, 8u);
}

TEST_F(CustodyLogTest, SharedWriterRefusesABatchOutOfSequenceAndSignsNothingMore) {
  auto a = OpenShared(LogDir(), keys_.seed);
  auto b = OpenShared(LogDir(), keys_.seed);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Append(Ev(0)).ok());
  const auto wal = fs::path(LogDir()) / kWalFile;
  // The first batch again: its checksum and MAC hold, its index does not.
  const std::string bytes = *Env::Default()->ReadFileToString(wal.string());
  {
    auto f = Env::Default()->NewAppendableFile(wal.string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(bytes.substr(kWalMagic.size())).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  const std::string checkpoint = *Env::Default()->ReadFileToString(LogDir() + "/checkpoint");
  auto appended = (*b)->Append(Ev(1));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.status().code(), StatusCode::kDataLoss) << appended.status().ToString();
  EXPECT_NE(appended.status().message().find("expected first entry 1"), std::string::npos)
      << appended.status().ToString();
  EXPECT_EQ((*b)->Refresh().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*a)->Append(Ev(1)).status().code(), StatusCode::kDataLoss);
  // Nothing was signed over it.
  EXPECT_EQ(*Env::Default()->ReadFileToString(LogDir() + "/checkpoint"), checkpoint);
}

TEST_F(CustodyLogTest, TornTailIsRepairedNotAccepted) {
  {
    auto log = OpenWriter();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(Ev(i)).ok());
  }
  const auto wal = fs::path(LogDir()) / kWalFile;
  const auto good = fs::file_size(wal);
  // The signed state of 10 entries: what a crash during the next append
  // leaves (the append publishes only after its write).
  const auto cp_path = (fs::path(LogDir()) / "checkpoint").string();
  const auto state_path = (fs::path(LogDir()) / "signer-state").string();
  const std::string cp10 = *Env::Default()->ReadFileToString(cp_path);
  const std::string state10 = *Env::Default()->ReadFileToString(state_path);
  {
    auto log = OpenWriter();
    ASSERT_TRUE((*log)->Append(Ev(10)).ok());
  }
  const auto full = fs::file_size(wal);
  // Cut the last batch at every length of its header and checksum, and at
  // every 5th byte of its body: it disappears, the rest stays.
  for (auto cut = good + 1; cut < full; cut += (cut < good + 20 || cut + 70 > full) ? 1 : 5) {
    fs::resize_file(wal, cut);
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(cp_path, cp10).ok());
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(state_path, state10).ok());
    auto log = OpenWriter();
    ASSERT_TRUE(log.ok()) << cut << ": " << log.status().ToString();
    EXPECT_EQ((*log)->size(), 10u);
    EXPECT_GT((*log)->status().repaired_bytes, 0u);
    log->reset();
    EXPECT_EQ(fs::file_size(wal), good);
    auto again = OpenWriter();
    ASSERT_TRUE((*again)->Append(Ev(10)).ok());
    again->reset();
  }
}

TEST_F(CustodyLogTest, TruncatingAcknowledgedEntriesIsDataLoss) {
  {
    auto log = OpenWriter();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(Ev(i)).ok());
  }
  const auto wal = fs::path(LogDir()) / kWalFile;
  fs::resize_file(wal, fs::file_size(wal) - 3);
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
}

TEST_F(CustodyLogTest, CorruptMiddleBatchIsDataLoss) {
  {
    auto log = OpenWriter();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Append(Ev(i)).ok());
  }
  const auto wal = fs::path(LogDir()) / kWalFile;
  std::string data = *Env::Default()->ReadFileToString(wal.string());
  data[kWalMagic.size() + 30] ^= 1;
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(wal.string(), data).ok());
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("custody.wal:16"), std::string::npos)
      << log.status().message();
}

TEST_F(CustodyLogTest, FailedSyncFailsTheAppendAndLosesNothingAcknowledged) {
  FaultInjectionEnv env(Env::Default());
  std::vector<uint64_t> acked;
  {
    auto log = OpenWriter(&env);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 5; ++i) acked.push_back(*(*log)->Append(Ev(i)));
    env.FailSyncAfter(1);
    EXPECT_FALSE((*log)->Append(Ev(5)).ok());
    EXPECT_FALSE((*log)->Append(Ev(6)).ok());
    ASSERT_TRUE(env.SimulateCrash().ok());
    env.Reset();
  }
  auto log = OpenWriter(&env);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  // Unacknowledged appends may or may not survive; acknowledged ones must.
  EXPECT_GE((*log)->size(), 5u);
  EXPECT_LE((*log)->size(), 7u);
  for (uint64_t i : acked) EXPECT_EQ(*ParseEvent(*(*log)->ReadEntry(i)), Ev(static_cast<int>(i)));
}

TEST_F(CustodyLogTest, SignerRefusesInconsistentHistory) {
  {
    auto log = OpenWriter();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*log)->Append(Ev(i)).ok());
  }
  // Roll the whole log directory back to a fresh, different history: the
  // signer's memory of size 20 refuses it.
  fs::rename(fs::path(LogDir()) / "signer-state", dir_ / "state");
  fs::remove_all(LogDir());
  {
    auto log = OpenWriter();
    for (int i = 0; i < 25; ++i) ASSERT_TRUE((*log)->Append(Ev(100 + i)).ok());
  }
  fs::rename(dir_ / "state", fs::path(LogDir()) / "signer-state");
  auto log = OpenWriter();
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
}

TEST_F(CustodyLogTest, RejectsOversizedEventsAndBadOrigin) {
  auto log = OpenWriter();
  Event e = Ev(0);
  e.details["blob"] = std::string(70000, 'x');
  EXPECT_EQ((*log)->Append(e).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(CustodyLog::Open(Env::Default(), LogDir() + "2", "bad origin", keys_.seed.Clone()).ok());
}

}  // namespace
}  // namespace custody::ledger
