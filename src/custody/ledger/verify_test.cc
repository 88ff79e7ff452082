// Tamper tests: every change to an entry, tile, checkpoint or the write-ahead
// file, a dropped or reordered entry, and a rollback are reported by
// VerifyLog, naming the file.
#include "custody/ledger/verify.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/log_format.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;
constexpr char kOrigin[] = "verify.example/log";

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("custody_verify_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    keys_ = crypto::Ed25519Generate();
    key_ = *ParseVerifierKey(FormatVerifierKey(kOrigin, keys_.public_key));
    Grow(300);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string LogDir() const { return (dir_ / "log").string(); }
  void Grow(int to) {
    auto log = CustodyLog::Open(Env::Default(), LogDir(), kOrigin, keys_.seed.Clone(),
                                LogOptions{(dir_ / "signer-state").string(), true});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<Event> batch;
    for (int i = static_cast<int>((*log)->size()); i < to; ++i) {
      Event e;
      e.type = event_type::kMember;
      e.time = FromUnixMillis(1700000000000 + i);
      e.actor = "verifier";
      e.subject = "member:" + std::to_string(i);
      batch.push_back(e);
      if (batch.size() == 64 || i + 1 == to) {  // several batches: several WAL records
        ASSERT_TRUE((*log)->AppendBatch(batch).ok());
        batch.clear();
      }
    }
  }
  VerifyReport Verify(const VerifyOptions& o = {}) {
    auto r = VerifyLog(Env::Default(), LogDir(), key_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }
  static bool Mentions(const VerifyReport& r, const std::string& where) {
    for (const auto& p : r.problems) {
      if (p.where == where) return true;
    }
    return false;
  }
  std::string Read(const std::string& rel) {
    return *Env::Default()->ReadFileToString(JoinPath(LogDir(), rel));
  }
  void Write(const std::string& rel, const std::string& data) {
    // No fsync needed here; this is only the tampering.
    std::ofstream out(JoinPath(LogDir(), rel), std::ios::binary | std::ios::trunc);
    out << data;
    ASSERT_TRUE(out.good());
  }

  fs::path dir_;
  crypto::Ed25519KeyPair keys_;
  NoteVerifierKey key_;
};

TEST_F(VerifyTest, CleanLogVerifies) {
  auto r = Verify();
  EXPECT_TRUE(r.ok()) << r.problems[0].where << ": " << r.problems[0].what;
  EXPECT_TRUE(r.checkpoint_verified);
  EXPECT_EQ(r.entries_checked, 300u);
}

TEST_F(VerifyTest, EveryChangedByteIsReportedWhereItIs) {
  const std::vector<std::string> files = {kCheckpointFile, "tile/0/000", "tile/0/001.p/44",
                                          "tile/1/000.p/1", "tile/entries/000",
                                          "tile/entries/001.p/44", kWalFile};
  for (const auto& rel : files) {
    const std::string original = Read(rel);
    const size_t step = original.size() > 2000 ? 157 : 1;
    for (size_t i = 0; i < original.size(); i += step) {
      std::string bad = original;
      bad[i] ^= 0x20;
      Write(rel, bad);
      auto r = Verify();
      EXPECT_FALSE(r.ok()) << rel << " byte " << i;
      EXPECT_TRUE(Mentions(r, rel)) << rel << " byte " << i << ": first problem "
                                    << (r.problems.empty() ? "" : r.problems[0].where + ": " +
                                                                      r.problems[0].what);
    }
    Write(rel, original);
  }
  EXPECT_TRUE(Verify().ok());
}

// Splits a bundle into its entries (uint16 big-endian lengths).
std::vector<std::string> SplitBundle(const std::string& b) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < b.size();) {
    const size_t n = (static_cast<uint8_t>(b[pos]) << 8) | static_cast<uint8_t>(b[pos + 1]);
    out.push_back(b.substr(pos, 2 + n));
    pos += 2 + n;
  }
  return out;
}

TEST_F(VerifyTest, DroppedAndReorderedEntriesAreReported) {
  const std::string rel = "tile/entries/000";
  const std::string original = Read(rel);
  auto entries = SplitBundle(original);
  ASSERT_EQ(entries.size(), 256u);

  std::string dropped;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i != 17) dropped += entries[i];
  }
  Write(rel, dropped);
  auto r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(Mentions(r, rel));

  std::swap(entries[3], entries[4]);
  std::string reordered;
  for (const auto& e : entries) reordered += e;
  Write(rel, reordered);
  r = Verify();
  EXPECT_FALSE(r.ok());
  bool named_both = false;
  for (const auto& p : r.problems) {
    if (p.where == "tile/0/000" && p.what.find("hash 3 ") != std::string::npos) named_both = true;
  }
  EXPECT_TRUE(named_both);
  Write(rel, original);

  // Dropping the last entries from the write-ahead file.
  const std::string wal = Read(kWalFile);
  Write(kWalFile, wal.substr(0, wal.size() - 40));
  r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(Mentions(r, kWalFile));
}

TEST_F(VerifyTest, RollbackIsReportedAgainstAnEarlierCheckpoint) {
  const fs::path old_copy = dir_ / "old-log";
  fs::copy(LogDir(), old_copy, fs::copy_options::recursive);
  Grow(400);
  const std::string newer = Read(kCheckpointFile);
  VerifyOptions o;
  o.earlier_checkpoints.emplace_back("newer-checkpoint", newer);
  EXPECT_TRUE(Verify(o).ok());
  // Restore the old state, every file consistent with itself.
  fs::remove_all(LogDir());
  fs::copy(old_copy, LogDir(), fs::copy_options::recursive);
  EXPECT_TRUE(Verify().ok());  // on its own, an old state is a valid log...
  auto r = Verify(o);          // ...but not an extension of what was seen
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].where, kCheckpointFile);
  EXPECT_NE(r.problems[0].what.find("rolled back"), std::string::npos) << r.problems[0].what;
  // And the writer refuses to continue from it.
  auto log = CustodyLog::Open(Env::Default(), LogDir(), kOrigin, keys_.seed.Clone(),
                              LogOptions{(dir_ / "signer-state").string(), true});
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
}

// A writer signs its signer state before it replaces the checkpoint: a crash
// in between leaves a checkpoint behind a signed note that the write-ahead
// entries still match. That is an interrupted publication, not a rollback;
// with the entries gone it is a rollback again.
TEST_F(VerifyTest, CheckpointBehindASignedNoteTheEntriesMatchIsAnInterruptedPublication) {
  const fs::path old_copy = dir_ / "old-log";
  fs::copy(LogDir(), old_copy, fs::copy_options::recursive);
  Grow(400);
  const std::string newer = Read(kCheckpointFile);
  const std::string wal = Read(kWalFile);
  // The old checkpoint and tiles back in place; the write-ahead file keeps
  // all 400 entries.
  fs::copy(old_copy, LogDir(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  Write(kWalFile, wal);
  VerifyOptions o;
  o.earlier_checkpoints.emplace_back("signer-state", newer);
  auto r = Verify(o);
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].what);
  bool noted = false;
  for (const auto& n : r.notes) noted |= n.find("publication was interrupted") != std::string::npos;
  EXPECT_TRUE(noted);
  // The same old checkpoint with the newer entries dropped.
  Write(kWalFile, Read("../old-log/" + std::string(kWalFile)));
  r = Verify(o);
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems[0].what.find("rolled back"), std::string::npos) << r.problems[0].what;
}

}  // namespace
}  // namespace custody::ledger
