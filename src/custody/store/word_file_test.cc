#include "custody/store/word_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "custody/crypto/crypto.h"
#include "custody/store/segment.h"
#include "custody/store/word_file_format.h"

namespace custody::store {
namespace {

class WordFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_word_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/" + WordFileName(3);
    for (int i = 0; i < 500; ++i) {
      // Entries of varied length, some longer than a block.
      std::string e = "entry " + std::to_string(i) + std::string(i % 7 == 0 ? 1500 : i % 90, 'x');
      entries_.push_back(e);
      all_ += e;
      lengths_.push_back(static_cast<uint32_t>(e.size()));
    }
  }
  void TearDown() override { Env::Default()->RemoveTree(dir_).IgnoreError(); }

  Status Write() {
    return WriteWordFile(Env::Default(), path_, key_, ctx_, 3, 1000, all_, lengths_).status();
  }
  // Reads every entry back through the blocks; the first error, if any.
  Status ReadAll(std::vector<std::string>* out) {
    CUSTODY_ASSIGN_OR_RETURN(auto r, WordFileReader::Open(Env::Default(), path_, key_, ctx_, 3));
    WordBlock block;
    out->clear();
    for (uint32_t i = 0; i < r->count(); ++i) {
      CUSTODY_RETURN_IF_ERROR(r->ReadBlock(r->BlockOf(i), &block));
      out->emplace_back(block.Entry(i));
    }
    return OkStatus();
  }

  crypto::SecretBytes key_ = crypto::SecretBytes::Random(32);
  std::string ctx_ = VersionContext(DatasetId(2), 1);
  std::string dir_, path_, all_;
  std::vector<std::string> entries_;
  std::vector<uint32_t> lengths_;
};

TEST_F(WordFileTest, RoundTripInSmallBlocks) {
  ASSERT_TRUE(Write().ok());
  auto r = WordFileReader::Open(Env::Default(), path_, key_, ctx_, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->first_record_id(), 1000u);
  EXPECT_EQ((*r)->count(), 500u);
  EXPECT_GT((*r)->block_count(), 30u);  // small blocks: a point read opens about 1 KiB
  std::vector<std::string> back;
  ASSERT_TRUE(ReadAll(&back).ok());
  EXPECT_EQ(back, entries_);
  std::string raw = *Env::Default()->ReadFileToString(path_);
  EXPECT_EQ(raw.find("entry 1"), std::string::npos);  // nothing in the clear
}

TEST_F(WordFileTest, EveryFlippedBitAndTruncationIsDataLoss) {
  ASSERT_TRUE(Write().ok());
  const std::string raw = *Env::Default()->ReadFileToString(path_);
  std::vector<std::string> back;
  for (size_t pos = 0; pos < raw.size(); pos += 37) {
    std::string bad = raw;
    bad[pos] ^= static_cast<char>(1 << (pos % 8));
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(path_, bad).ok());
    Status s = ReadAll(&back);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << pos << " " << s.ToString();
  }
  for (size_t len = 0; len < raw.size(); len += 53) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(path_, raw.substr(0, len)).ok());
    EXPECT_EQ(ReadAll(&back).code(), StatusCode::kDataLoss) << len;
  }
}

TEST_F(WordFileTest, BoundToItsDatasetVersionAndSegment) {
  ASSERT_TRUE(Write().ok());
  auto key = [&] { return &key_; };
  EXPECT_EQ(WordFileReader::Open(Env::Default(), path_, *key(), VersionContext(DatasetId(2), 2), 3).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(WordFileReader::Open(Env::Default(), path_, *key(), ctx_, 4).status().code(),
            StatusCode::kDataLoss);
  auto other = crypto::SecretBytes::Random(32);
  EXPECT_EQ(WordFileReader::Open(Env::Default(), path_, other, ctx_, 3).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(WordFileReader::Open(Env::Default(), dir_ + "/nope", key_, ctx_, 3).status().code(),
            StatusCode::kNotFound);
}

TEST_F(WordFileTest, SwappedBlocksAreDetected) {
  // Two blocks of the same size exchanged: each fails its position's AD.
  std::vector<uint32_t> lengths(40, 600);
  std::string all(40 * 600, 'y');
  ASSERT_TRUE(WriteWordFile(Env::Default(), path_, key_, ctx_, 3, 0, all, lengths).ok());
  std::string raw = *Env::Default()->ReadFileToString(path_);
  auto r = WordFileReader::Open(Env::Default(), path_, key_, ctx_, 3);
  ASSERT_TRUE(r.ok());
  ASSERT_GE((*r)->block_count(), 3u);
  const size_t block = (raw.size() - kWordFileHeaderSize - (24 + 8 * (*r)->block_count() + 16)) /
                       (*r)->block_count();
  const size_t start = raw.size() - block * (*r)->block_count();
  std::string swapped = raw;
  swapped.replace(start, block, raw.substr(start + block, block));
  swapped.replace(start + block, block, raw.substr(start, block));
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(path_, swapped).ok());
  auto r2 = WordFileReader::Open(Env::Default(), path_, key_, ctx_, 3);
  ASSERT_TRUE(r2.ok());
  WordBlock b;
  EXPECT_EQ((*r2)->ReadBlock(0, &b).code(), StatusCode::kDataLoss);
  EXPECT_EQ((*r2)->ReadBlock(1, &b).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace custody::store
