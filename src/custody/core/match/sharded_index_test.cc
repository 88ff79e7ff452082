// The sketch index in shards through the vault: an ingest in several shards
// matches as one file does, `vault check` holds the manifest to its log
// entry and each shard to the manifest (naming shard, file and block), and
// `custody scan` resumes from its checkpoint to the output of one
// uninterrupted run.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "custody/core/match/match_dumps.h"
#include "custody/core/match/scan_dumps.h"
#include "custody/core/match/version_index.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/vault/records.h"
#include "custody/core/vault_check.h"
#include "custody/sketch/shard_manifest.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class ShardedIndexTest : public ReleaseTest {
 protected:
  Result<IngestResult> IngestShards(Custody& c, size_t n, uint32_t bits) {
    std::string p = root_ + "/math.jsonl";
    std::ofstream(p, std::ios::binary) << testing::GeneratedRecords(n);
    IngestOptions o;
    o.dataset = "math";
    o.files = {p};
    o.fields = {"question", "answer"};
    o.shard_bits = bits;
    return Ingest(c, o);
  }
  // Edited copies of every `step`-th record, shuffled.
  std::string EditedDump(size_t n, size_t step) {
    std::vector<std::string> lines;
    std::istringstream in(testing::GeneratedRecords(n));
    std::string line;
    for (size_t i = 0; std::getline(in, line); ++i) {
      if (i % step != 0) continue;
      auto j = nlohmann::json::parse(line);
      std::string q = j["question"];
      q.replace(q.find(" on Monday"), 10, " last Monday");
      lines.push_back(nlohmann::json({{"prompt", q}, {"completion", j["answer"]}}).dump());
    }
    std::shuffle(lines.begin(), lines.end(), std::mt19937_64(7));
    std::string path = root_ + "/dump.jsonl";
    std::ofstream out(path, std::ios::binary);
    for (const auto& l : lines) out << l << "\n";
    return path;
  }
  // "LINE RECORD_ID" per matched dump record, in dump order (with `kinds`,
  // also the match kind: a borderline kind may differ between two vaults,
  // whose index keys differ).
  std::string Matches(Custody& c, const std::string& dump, bool kinds = true) {
    MatchOptions o;
    o.dumps = {dump};
    o.scan.threads = 2;
    std::string out;
    o.on_record = [&](const DumpRecordMatch& r) -> Status {
      if (r.match) {
        out += std::to_string(r.line) + " " + std::to_string(r.match->record_id) +
               (kinds ? " " + std::string(sketch::MatchKindName(r.match->kind)) : "") + "\n";
      }
      return OkStatus();
    };
    auto s = MatchDumps(c, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return out;
  }
  store::DatasetVersionInfo Version1() {
    auto vs = custody_->catalog().ListVersions(DatasetId(), false);
    EXPECT_TRUE(vs.ok() && vs->size() == 1);
    return vs->at(0);
  }
  static bool HasProblem(const CheckReport& r, const std::vector<std::string>& texts) {
    for (const auto& p : r.problems) {
      bool all = true;
      for (const auto& t : texts) all = all && p.message.find(t) != std::string::npos;
      if (all) return true;
    }
    return false;
  }
};

TEST_F(ShardedIndexTest, ShardsMatchAsOneFile) {
  auto r = IngestShards(*custody_, 600, 8);  // ids 1..600: shards 0, 1, 2
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index_shards, 3u);
  auto index = ReadVersionIndex(*custody_, Version1());
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  ASSERT_TRUE(index->manifest);
  EXPECT_EQ(index->manifest_sha256, r->index_manifest);
  EXPECT_EQ(index->files, (std::vector<std::string>{"index/1-v1.s0.idx", "index/1-v1.s1.idx",
                                                    "index/1-v1.s2.idx"}));
  EXPECT_EQ(index->manifest->shards[0].records, 255u);
  EXPECT_EQ(index->manifest->shards[2].records, 600u - 511u);

  // The same records in one shard (the default), in another vault.
  store::InitOptions o;
  o.keys.key_file = root_ + "/master2.key";
  o.clock = &clock_;
  auto other = Custody::Init(root_ + "/vault2", o, "test");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto r2 = IngestShards(**other, 600, sketch::kDefaultShardBits);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->index_shards, 1u);

  const std::string dump = EditedDump(600, 2);
  const std::string sharded = Matches(*custody_, dump, /*kinds=*/false);
  const std::string whole = Matches(**other, dump, /*kinds=*/false);
  EXPECT_EQ(std::count(sharded.begin(), sharded.end(), '\n'), 300);
  EXPECT_EQ(sharded, whole);
}

TEST_F(ShardedIndexTest, VaultCheckHoldsShardsToTheManifestAndTheManifestToTheLog) {
  ASSERT_TRUE(IngestShards(*custody_, 600, 8).ok());
  auto clean = CheckVault(*custody_);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  for (const auto& p : clean->problems) ADD_FAILURE() << p.message;
  EXPECT_TRUE(clean->warnings.empty());
  EXPECT_EQ(clean->checked["index_files"], 3u);

  Env* env = Env::Default();
  // One byte of shard 1 flipped: named by shard, file and block.
  const std::string shard = custody_->VaultPath("index/1-v1.s1.idx");
  const std::string good = std::move(env->ReadFileToString(shard)).value();
  std::string bad = good;
  bad[300] ^= 0x01;
  ASSERT_TRUE(env->WriteFileAtomically(shard, bad).ok());
  auto r = CheckVault(*custody_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasProblem(*r, {"shard 1", "index/1-v1.s1.idx", "block 0 of 1 (bytes 0-"}));
  // Matching refuses it too, with the same names.
  MatchOptions mo;
  mo.dumps = {EditedDump(600, 50)};
  auto m = MatchDumps(*custody_, mo);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(m.status().message().find("1-v1.s1.idx: corrupt sketch index: block 0 of 1"),
            std::string::npos)
      << m.status().message();
  ASSERT_TRUE(env->WriteFileAtomically(shard, good).ok());

  // A manifest rewritten (still well-formed) no longer answers to the log.
  const std::string manifest = custody_->VaultPath("index/1-v1.manifest");
  std::string text = std::move(env->ReadFileToString(manifest)).value();
  text.replace(text.find("label math@v1"), 13, "label math@v7");
  ASSERT_TRUE(env->WriteFileAtomically(manifest, text).ok());
  r = CheckVault(*custody_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasProblem(*r, {"index manifest hash", "does not match the ingest event"}));
}

// A version indexed in one file (as before shards) is still matched; a
// sharded version rewritten into that form is a problem for vault check.
TEST_F(ShardedIndexTest, OneFileVersionsStayReadable) {
  ASSERT_TRUE(IngestShards(*custody_, 300, sketch::kDefaultShardBits).ok());
  const std::string dump = EditedDump(300, 3);
  const std::string before = Matches(*custody_, dump);
  EXPECT_EQ(std::count(before.begin(), before.end(), '\n'), 100);
  Env* env = Env::Default();
  ASSERT_TRUE(env->RenameFile(custody_->VaultPath("index/1-v1.s0.idx"),
                              custody_->VaultPath("index/1-v1.idx"))
                  .ok());
  ASSERT_TRUE(env->RemoveFile(custody_->VaultPath("index/1-v1.manifest")).ok());
  {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("UPDATE dataset_versions SET index_file = 'index/1-v1.idx'").ok());
  }
  EXPECT_EQ(Matches(*custody_, dump), before);
  auto r = CheckVault(*custody_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(HasProblem(*r, {"index_file is 'index/1-v1.idx'", "commits to an index manifest"}));
}

TEST_F(ShardedIndexTest, ScanResumesFromItsCheckpointToTheSameOutput) {
  IngestGenerated(400);
  const std::string dump = EditedDump(400, 1);
  ScanDumpsOptions o;
  o.match.dumps = {dump};
  o.match.scan.threads = 2;
  o.match.scan.batch_records = 40;
  o.out = root_ + "/full.jsonl";
  auto full = ScanDumps(*custody_, o);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->summary.scan.dump_records, 400u);
  EXPECT_GE(full->matched, 390u);
  const std::string expected = std::move(Env::Default()->ReadFileToString(o.out)).value();
  EXPECT_EQ(static_cast<uint64_t>(std::count(expected.begin(), expected.end(), '\n')),
            full->matched);

  // Stopped after its first checkpoint (as a crash would), then resumed.
  o.out = root_ + "/resumed.jsonl";
  o.checkpoint = root_ + "/scan.ckpt";
  o.checkpoint_records = 120;
  o.after_checkpoint = [](uint64_t) { return AbortedError("stopped"); };
  auto stopped = ScanDumps(*custody_, o);
  ASSERT_FALSE(stopped.ok());
  ASSERT_TRUE(Env::Default()->FileExists(o.checkpoint));
  // Junk past the checkpoint (written after it, before the crash) is cut.
  {
    std::ofstream junk(o.out, std::ios::app);
    junk << "{\"partial\":";
  }
  o.after_checkpoint = nullptr;
  auto resumed = ScanDumps(*custody_, o);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_GE(resumed->resumed_from, 120u);
  EXPECT_LT(resumed->resumed_from, 400u);
  EXPECT_EQ(resumed->matched, full->matched);
  EXPECT_EQ(std::move(Env::Default()->ReadFileToString(o.out)).value(), expected);
  EXPECT_FALSE(Env::Default()->FileExists(o.checkpoint));  // done: removed

  // A checkpoint of another scan is refused, not resumed.
  ASSERT_TRUE(Env::Default()
                  ->WriteFileAtomically(o.checkpoint, "custody-scan-checkpoint 1\nscan " +
                                                          std::string(64, 'a') +
                                                          "\nrecords 40\nout_bytes 0\nmatched 0\nend\n")
                  .ok());
  auto other = ScanDumps(*custody_, o);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(o.checkpoint, "custody-scan-checkpoint 1\nscan x\n").ok());
  EXPECT_EQ(ScanDumps(*custody_, o).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace custody::core
