// Rebuilding a version's shards (the steps custody-mpi build runs on its
// ranks, here in one process): the rebuild gives the bytes ingest wrote and
// one `index` log entry; a rebuild whose shards differ from the manifest is
// refused with the index and the log untouched; a manifest that is not the
// one the log commits to cannot be planned.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "custody/core/match/index_rebuild.h"
#include "custody/core/release/release_fixture.h"
#include "custody/ledger/custody_log.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class IndexRebuildTest : public ReleaseTest {
 protected:
  void SetUp() override {
    ReleaseTest::SetUp();
    std::string p = root_ + "/math.jsonl";
    std::ofstream(p, std::ios::binary) << testing::GeneratedRecords(2500);
    IngestOptions o;
    o.dataset = "math";
    o.files = {p};
    o.fields = {"question", "answer"};
    o.shard_bits = 9;  // 5 shards
    auto r = Ingest(*custody_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::map<std::string, std::string> IndexFiles() {
    std::map<std::string, std::string> out;
    const std::string dir = custody_->VaultPath("index");
    auto kids = Env::Default()->GetChildren(dir);
    EXPECT_TRUE(kids.ok());
    for (const auto& f : *kids) {
      if (f[0] == '.') continue;
      out[f] = *Env::Default()->ReadFileToString(JoinPath(dir, f));
    }
    return out;
  }

  // Every shard of the plan rebuilt in this process.
  std::vector<sketch::ShardEntry> BuildAll(const RebuildPlan& plan, uint64_t* reused) {
    auto manifest = sketch::ParseManifest(plan.manifest_bytes, "m");
    EXPECT_TRUE(manifest.ok());
    std::vector<sketch::ShardEntry> built;
    for (const auto& e : manifest->shards) {
      bool r = false;
      auto b = RebuildShard(Env::Default(), plan, e, &r);
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      if (b.ok()) built.push_back(*b);
      *reused += r;
    }
    return built;
  }
};

TEST_F(IndexRebuildTest, RebuildGivesTheIngestedBytesAndOneLogEntry) {
  const auto before = IndexFiles();
  ASSERT_EQ(before.size(), 6u);  // 5 shards and the manifest
  auto plan = PlanRebuild(*custody_, "math", 0);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->label, "math@v1");
  uint64_t reused = 0;
  auto built = BuildAll(*plan, &reused);
  EXPECT_EQ(reused, 0u);
  // A second pass finds every staged shard and builds none.
  BuildAll(*plan, &reused);
  EXPECT_EQ(reused, 5u);
  const uint64_t size = custody_->log().size();
  auto committed = CommitRebuild(*custody_, *plan, built, 1, 0);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(*committed, size);
  EXPECT_EQ(IndexFiles(), before);
  EXPECT_FALSE(Env::Default()->FileExists(plan->staging));
  auto ev = ledger::ParseEvent(*custody_->log().ReadEntry(*committed));
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, "index");
  EXPECT_EQ(ev->details["shards"], 5);
}

TEST_F(IndexRebuildTest, ShardsThatDifferFromTheManifestAreRefused) {
  const auto before = IndexFiles();
  auto plan = PlanRebuild(*custody_, "math", 1);
  ASSERT_TRUE(plan.ok());
  // Other fields sketched: other shards, as a substituted record would give.
  plan->records.versions[0].fields = {"question"};
  uint64_t reused = 0;
  auto built = BuildAll(*plan, &reused);
  const uint64_t size = custody_->log().size();
  auto committed = CommitRebuild(*custody_, *plan, built, 1, 0);
  EXPECT_EQ(committed.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(committed.status().message().find("the manifest lists"), std::string::npos)
      << committed.status().message();
  EXPECT_EQ(IndexFiles(), before);
  EXPECT_EQ(custody_->log().size(), size);
  // A shard missing from the rebuild is refused too.
  plan = PlanRebuild(*custody_, "math", 1);
  built = BuildAll(*plan, &reused);
  built.pop_back();
  EXPECT_EQ(CommitRebuild(*custody_, *plan, built, 1, 0).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(custody_->log().size(), size);
}

TEST_F(IndexRebuildTest, AManifestTheLogDoesNotCommitToCannotBePlanned) {
  const std::string path = custody_->VaultPath("index");
  std::string manifest;
  auto kids = Env::Default()->GetChildren(path);
  ASSERT_TRUE(kids.ok());
  for (const auto& f : *kids) {
    if (f.size() > 9 && f.substr(f.size() - 9) == ".manifest") manifest = JoinPath(path, f);
  }
  ASSERT_FALSE(manifest.empty());
  std::string bytes = *Env::Default()->ReadFileToString(manifest);
  // Same shards, another label: a well-formed manifest, not the committed one.
  const size_t at = bytes.find("math@v1");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 7, "math@v9");
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(manifest, bytes, 0644).ok());
  auto plan = PlanRebuild(*custody_, "math", 0);
  EXPECT_EQ(plan.status().code(), StatusCode::kDataLoss) << plan.status().ToString();
  EXPECT_EQ(PlanRebuild(*custody_, "nosuch", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PlanRebuild(*custody_, "math", 7).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace custody::core
