#include "custody/store/segment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <zstd.h>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/segment_format.h"

namespace custody::store {
namespace {

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_segment_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { Env::Default()->RemoveTree(dir_).IgnoreError(); }
  std::string dir_;
};

TEST_F(SegmentTest, RoundTripAndTamperDetection) {
  auto key = crypto::SecretBytes::Random(32);
  std::string ctx = VersionContext(DatasetId(3), 1);
  SegmentWriter w(Env::Default(), dir_, "rel", key, ctx, 100);
  std::vector<std::string> recs;
  for (int i = 0; i < 1000; ++i) {
    recs.push_back("{\"question\":\"secret question number " + std::to_string(i) + "\"}");
    ASSERT_TRUE(w.Add(recs.back(), crypto::DigestBytes(crypto::Sha256(recs.back())), "w").ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  ASSERT_EQ(w.segments().size(), 1u);
  std::string path = dir_ + "/seg-000001.cseg";
  std::string raw = *Env::Default()->ReadFileToString(path);
  EXPECT_EQ(raw.find("secret question"), std::string::npos);
  auto got = ReadSegment(Env::Default(), path, key, ctx, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->first_record_id, 100u);
  EXPECT_EQ(got->records, recs);
  auto cids = ReadContentIds(Env::Default(), dir_, key, ctx);
  ASSERT_TRUE(cids.ok());
  EXPECT_EQ(cids->size(), 1000u);
  // Wrong context (moved to another dataset) and wrong position fail.
  EXPECT_EQ(ReadSegment(Env::Default(), path, key, VersionContext(DatasetId(4), 1), 1).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ReadSegment(Env::Default(), path, key, ctx, 2).status().code(), StatusCode::kDataLoss);
  // Every single flipped bit (sampled positions) is detected.
  for (size_t pos = 0; pos < raw.size(); pos += 97) {
    std::string bad = raw;
    bad[pos] ^= static_cast<char>(1 << (pos % 8));
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(path, bad).ok());
    auto r = ReadSegment(Env::Default(), path, key, ctx, 1);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << pos;
  }
  // Every truncation is detected.
  for (size_t len = 0; len < raw.size(); len += 131) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(path, raw.substr(0, len)).ok());
    EXPECT_EQ(ReadSegment(Env::Default(), path, key, ctx, 1).status().code(), StatusCode::kDataLoss);
  }
}

// A segment sealed with the right key whose header states sizes its payload
// cannot have (a writer bug, or a writer holding the key): refused as data
// loss before anything is allocated for them (the fuzzer found a 9 GB
// allocation for an authentic header with a huge record count).
TEST_F(SegmentTest, AuthenticHeaderWithImpossibleSizesIsDataLoss) {
  auto key = crypto::SecretBytes::Random(32);
  const std::string ctx = VersionContext(DatasetId(3), 1);
  const std::string path = dir_ + "/seg-000001.cseg";
  auto write = [&](uint32_t count, uint32_t payload_size, std::string_view payload) {
    std::string compressed(ZSTD_compressBound(payload.size()), '\0');
    compressed.resize(ZSTD_compress(compressed.data(), compressed.size(), payload.data(),
                                    payload.size(), 1));
    std::string header(kSegmentMagic, sizeof(kSegmentMagic));
    PutFixed32(&header, kSegmentFormat);
    PutFixed64(&header, 100);
    PutFixed32(&header, count);
    PutFixed32(&header, payload_size);
    auto sealed = crypto::AeadSeal(key, compressed, header + ctx + ":seg:1");
    ASSERT_TRUE(sealed.ok());
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(path, header + *sealed).ok());
  };
  std::string payload(1, '\x02');
  payload += std::string(kContentIdSize, 'c');
  payload += "{}";
  write(1, static_cast<uint32_t>(payload.size()), payload);
  ASSERT_TRUE(ReadSegment(Env::Default(), path, key, ctx, 1).ok());

  write(0xFFFFFFFF, static_cast<uint32_t>(payload.size()), payload);
  auto r = ReadSegment(Env::Default(), path, key, ctx, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("record count 4294967295 exceeds"), std::string::npos)
      << r.status().ToString();

  write(1, 0xFFFFFFFF, payload);
  r = ReadSegment(Env::Default(), path, key, ctx, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("payload size 4294967295"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace custody::store
