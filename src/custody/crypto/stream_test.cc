#include "custody/crypto/stream.h"

#include <gtest/gtest.h>

#include "custody/base/encoding.h"

namespace custody::crypto {
namespace {

// Seals `chunks` as one stream (the last one final).
std::string SealAll(std::string_view pk, const std::vector<std::string>& chunks) {
  std::string out;
  auto s = StreamSealer::Create(pk, &out);
  EXPECT_TRUE(s.ok());
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_TRUE(s->Push(chunks[i], i + 1 == chunks.size(), &out).ok());
  }
  return out;
}

// Opens a whole sealed buffer; kDataLoss for anything short of a complete,
// authentic stream.
Result<std::string> OpenAll(const X25519KeyPair& kp, std::string_view in) {
  if (in.size() < kStreamHeaderSize) return DataLossError("short header");
  CUSTODY_ASSIGN_OR_RETURN(auto o, StreamOpener::Create(kp, in.substr(0, kStreamHeaderSize)));
  in.remove_prefix(kStreamHeaderSize);
  std::string out;
  while (!in.empty()) {
    if (in.size() < 4) return DataLossError("short frame length");
    uint32_t n = DecodeFixed32(in.data());
    in.remove_prefix(4);
    if (in.size() < n) return DataLossError("short frame");
    bool final = false;
    CUSTODY_RETURN_IF_ERROR(o.Pull(in.substr(0, n), &out, &final));
    in.remove_prefix(n);
  }
  if (!o.finished()) return DataLossError("truncated");
  return out;
}

TEST(StreamTest, RoundTripManyChunks) {
  auto kp = X25519Generate();
  std::vector<std::string> chunks = {"first chunk\n", "", std::string(70000, 'x'), "last"};
  std::string sealed = SealAll(kp.public_key, chunks);
  EXPECT_EQ(sealed.substr(0, 8), "CSTDSS01");
  auto opened = OpenAll(kp, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, chunks[0] + chunks[1] + chunks[2] + chunks[3]);
}

TEST(StreamTest, WrongKeyFails) {
  auto kp = X25519Generate();
  auto other = X25519Generate();
  std::string sealed = SealAll(kp.public_key, {"secret records"});
  auto r = OpenAll(other, sealed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST(StreamTest, EveryBitFlipFails) {
  auto kp = X25519Generate();
  std::string sealed = SealAll(kp.public_key, {"abc", "defgh"});
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string t = sealed;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      EXPECT_FALSE(OpenAll(kp, t).ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(StreamTest, EveryTruncationFails) {
  auto kp = X25519Generate();
  std::string sealed = SealAll(kp.public_key, {"abc", "defgh", "ij"});
  for (size_t n = 0; n < sealed.size(); ++n) {
    auto r = OpenAll(kp, std::string_view(sealed).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  ASSERT_TRUE(OpenAll(kp, sealed).ok());
}

TEST(StreamTest, ReorderedChunksAndTrailingDataFail) {
  auto kp = X25519Generate();
  std::string out;
  auto s = StreamSealer::Create(kp.public_key, &out);
  ASSERT_TRUE(s.ok());
  std::string header = out;
  std::string a, b;
  ASSERT_TRUE(s->Push("one", false, &a).ok());
  ASSERT_TRUE(s->Push("two", true, &b).ok());
  EXPECT_FALSE(OpenAll(kp, header + b + a).ok());
  EXPECT_TRUE(OpenAll(kp, header + a + b).ok());
  EXPECT_FALSE(OpenAll(kp, header + a + b + b).ok());
  EXPECT_EQ(s->Push("three", false, &b).code(), StatusCode::kFailedPrecondition);
}

TEST(StreamTest, RejectsBadPublicKey) {
  std::string out;
  EXPECT_EQ(StreamSealer::Create("short", &out).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custody::crypto
