#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <cstring>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/sketch/index_format.h"
#include "custody/sketch/matcher.h"
#include "custody/sketch/shard_manifest.h"
#include "custody/sketch/sharded_index.h"

namespace custody::sketch {
namespace {

using ::testing::HasSubstr;

crypto::SecretBytes Key() { return crypto::SecretBytes::FromBytes(std::string(32, 's')); }

std::string Text(uint64_t i) {
  std::string s;
  uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  for (int w = 0; w < 30; ++w) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    s += "w" + std::to_string((x >> 40) % 5000) + " ";
  }
  return s;
}

class ShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One directory per test: ctest runs the tests of this file in parallel.
    dir_ = std::string(CUSTODY_BINARY_DIR) + "/sketch_shard_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    env_->RemoveTree(dir_).IgnoreError();
    ASSERT_TRUE(env_->CreateDirs(dir_).ok());
  }
  void TearDown() override { env_->RemoveTree(dir_).IgnoreError(); }

  // Writes ids [first, first + n) in shards of 2^bits ids; returns the manifest bytes.
  std::string Write(const std::string& sub, uint64_t first, uint64_t n, uint32_t bits) {
    const std::string d = dir_ + "/" + sub;
    EXPECT_TRUE(env_->CreateDirs(d).ok());
    IndexBuilderOptions opt;
    opt.label = "t@v1";
    auto w = std::move(ShardedIndexWriter::Create(env_, key_, opt, d, "1-v1", first, bits)).value();
    for (uint64_t id = first; id < first + n; ++id) {
      const std::string t = Text(id);
      std::string_view f[] = {t};
      EXPECT_TRUE(w->Add(id, f).ok());
    }
    auto m = w->Finish();
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : "";
  }

  Env* env_ = Env::Default();
  crypto::SecretBytes key_ = Key();
  std::string dir_;
};

TEST_F(ShardTest, RangesAreAligned) {
  auto r = ShardRanges(1000, 3000, 10);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shard, 0u);
  EXPECT_EQ(r[0].first_id, 1000u);
  EXPECT_EQ(r[0].records, 24u);
  EXPECT_EQ(r[1].first_id, 1024u);
  EXPECT_EQ(r[1].records, 1024u);
  EXPECT_EQ(r[3].shard, 3u);
  EXPECT_EQ(r[3].records, 4000u - 3072u);
  EXPECT_TRUE(ShardRanges(5, 0, 10).empty());
  EXPECT_FALSE(ValidateShardBits(7).ok());
  EXPECT_FALSE(ValidateShardBits(25).ok());
  EXPECT_TRUE(ValidateShardBits(24).ok());
}

// The same records give the same shards and manifest, byte for byte; a
// shard built alone (as another process would) equals the writer's.
TEST_F(ShardTest, ShardsAreDeterministicAndSelfContained) {
  const std::string a = Write("a", 1000, 1500, 9);
  const std::string b = Write("b", 1000, 1500, 9);
  EXPECT_EQ(a, b);
  auto m = ParseManifest(a, "a.manifest");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(SerializeManifest(*m), a);
  ASSERT_EQ(m->shards.size(), 4u);  // 1000-1023, 1024-1535, 1536-2047, 2048-2499
  EXPECT_EQ(m->shards[0].records, 24u);
  EXPECT_EQ(m->shards[3].records, 452u);
  for (const auto& s : m->shards) {
    auto bytes = env_->ReadFileToString(dir_ + "/a/" + s.file);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(Sha256Hex(*bytes), s.sha256);
    EXPECT_EQ(bytes->size(), s.bytes);
  }
  // Shard 2 built alone.
  IndexBuilderOptions opt;
  opt.label = "t@v1";
  auto one = std::move(IndexBuilder::Create(key_, opt)).value();
  for (uint64_t id = 1536; id < 2048; ++id) {
    const std::string t = Text(id);
    std::string_view f[] = {t};
    ASSERT_TRUE(one->Add(id, f).ok());
  }
  ASSERT_TRUE(env_->CreateDirs(dir_ + "/c").ok());
  auto e = WriteShard(env_, *one, ShardRanges(1536, 512, 9)[0], dir_ + "/c", "1-v1");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(*e, m->shards[2]);
  // Matching across the shards finds records of each.
  std::vector<std::string> paths;
  for (const auto& s : m->shards) paths.push_back(dir_ + "/a/" + s.file);
  auto matcher = Matcher::Open(env_, paths, key_);
  ASSERT_TRUE(matcher.ok()) << matcher.status().ToString();
  for (uint64_t id : {1000u, 1023u, 1024u, 2047u, 2499u}) {
    const std::string t = Text(id);
    std::string_view f[] = {t};
    auto r = (*matcher)->Match(f);
    ASSERT_TRUE(r) << id;
    EXPECT_EQ(r->record_id, id);
    EXPECT_EQ(r->kind, MatchKind::kExact);
  }
}

TEST_F(ShardTest, WriterRejectsIdsOutOfOrder) {
  IndexBuilderOptions opt;
  opt.label = "t@v1";
  auto w = std::move(ShardedIndexWriter::Create(env_, key_, opt, dir_, "1-v1", 10, 9)).value();
  const std::string t = Text(1);
  std::string_view f[] = {t};
  EXPECT_TRUE(w->Add(10, f).ok());
  auto s = w->Add(12, f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("expected record id 11, found 12"));
}

// A flipped byte anywhere in a shard is an error naming the file and, inside
// the checksummed data, the block and its bytes.
TEST_F(ShardTest, CorruptByteNamesTheBlock) {
  const std::string manifest = Write("a", 0, 3000, 12);
  auto m = std::move(ParseManifest(manifest, "m")).value();
  const std::string path = dir_ + "/a/" + m.shards[0].file;
  const std::string good = std::move(env_->ReadFileToString(path)).value();
  ASSERT_GT(good.size(), size_t{1} << kIndexBlockLog2);  // at least two blocks
  const size_t block = size_t{1} << kIndexBlockLog2;
  for (size_t pos : {size_t{0}, size_t{20}, size_t{200}, block - 1, block, block + 77, good.size() / 2,
                     good.size() - 30, good.size() - 1}) {
    std::string bad = good;
    bad[pos] ^= 0x04;
    ASSERT_TRUE(env_->WriteFileAtomically(path, bad).ok());
    auto r = Matcher::Open(env_, {path}, key_);
    ASSERT_FALSE(r.ok()) << pos;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << pos;
    EXPECT_THAT(r.status().message(), HasSubstr(path)) << pos;
    uint64_t data = 0;
    std::memcpy(&data, good.data() + kOffDataBytes, 8);
    // Past the magic and version (checked first) and the block fields.
    if (pos >= 16 && pos < data && (pos < kOffBlockLog2 || pos >= kOffDataBytes + 8)) {
      const size_t b = pos / block;
      EXPECT_THAT(r.status().message(),
                  HasSubstr("block " + std::to_string(b) + " of " +
                            std::to_string((data + block - 1) / block) + " (bytes " +
                            std::to_string(b * block) + "-"))
          << pos;
    }
  }
  for (size_t len : {size_t{0}, size_t{100}, block, good.size() - 1}) {
    ASSERT_TRUE(env_->WriteFileAtomically(path, good.substr(0, len)).ok());
    EXPECT_EQ(Matcher::Open(env_, {path}, key_).status().code(), StatusCode::kDataLoss) << len;
  }
}

TEST_F(ShardTest, ManifestParserRejectsDamage) {
  const std::string good = Write("a", 100, 1000, 8);
  ASSERT_TRUE(ParseManifest(good, "m").ok());
  // Every truncation and every single-byte change that alters the text is
  // rejected or parses to a different manifest.
  const ShardManifest m = std::move(ParseManifest(good, "m")).value();
  for (size_t len = 0; len < good.size(); ++len) {
    EXPECT_FALSE(ParseManifest(good.substr(0, len), "m").ok()) << len;
  }
  for (size_t pos = 0; pos < good.size(); ++pos) {
    std::string bad = good;
    bad[pos] = bad[pos] == '1' ? '2' : '1';
    auto r = ParseManifest(bad, "m");
    if (r.ok()) {
      EXPECT_FALSE(*r == m) << pos;
    }
  }
  auto r = ParseManifest("custody-sketch-manifest 1\nlabel x\n", "dir/m.manifest");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("dir/m.manifest:3:"));
}

TEST_F(ShardTest, AHeaderClaimingBillionsOfShardsIsRefusedBeforeAnyAllocation) {
  // A manifest of one shard line whose header claims 2^60 records in shards
  // of 2^8: refused by counting, not by listing 2^52 ranges (found by
  // fuzz_manifest as an out-of-memory).
  std::string good = Write("a", 100, 1000, 8);
  const size_t at = good.find("records 1000");
  ASSERT_NE(at, std::string::npos);
  std::string bad = good;
  bad.replace(at, 12, "records 1152921504606846976");
  auto r = ParseManifest(bad, "m");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("shards for 1152921504606846976 records"));
  // Records that run past the last id.
  bad = good;
  bad.replace(at, 12, "records 18446744073709551615");
  EXPECT_EQ(ParseManifest(bad, "m").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace custody::sketch
