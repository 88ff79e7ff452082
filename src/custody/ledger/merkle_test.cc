#include "custody/ledger/merkle.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace custody::ledger {
namespace {

// Reference MTH straight from RFC 6962 section 2.1, by recursion on data.
Hash ReferenceRoot(const std::vector<std::string>& d, size_t begin, size_t end) {
  if (end - begin == 1) return HashLeaf(d[begin]);
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return HashChildren(ReferenceRoot(d, begin, begin + k), ReferenceRoot(d, begin + k, end));
}

TEST(MerkleTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(crypto::DigestHex(EmptyTreeRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree t;
  EXPECT_EQ(t.Root(), EmptyTreeRoot());
}

TEST(MerkleTest, RootsMatchReferenceForEverySize) {
  std::vector<std::string> data;
  MerkleTree t;
  for (int i = 0; i < 70; ++i) {
    data.push_back("entry-" + std::to_string(i));
    t.AppendLeafHash(HashLeaf(data.back()));
    EXPECT_EQ(t.Root(), ReferenceRoot(data, 0, data.size())) << i;
  }
  for (size_t n = 1; n <= data.size(); ++n) {
    EXPECT_EQ(*t.RootAt(n), ReferenceRoot(data, 0, n));
  }
  EXPECT_FALSE(t.RootAt(71).ok());
}

TEST(MerkleTest, AllProofsVerifyAndTamperedOnesFail) {
  MerkleTree t;
  for (int i = 0; i < 40; ++i) t.AppendLeafHash(HashLeaf(std::to_string(i)));
  for (uint64_t n = 1; n <= 40; ++n) {
    const Hash root = *t.RootAt(n);
    for (uint64_t i = 0; i < n; ++i) {
      auto p = t.InclusionProof(i, n);
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(VerifyInclusion(i, n, t.LeafHash(i), *p, root).ok()) << i << "/" << n;
      if (!p->empty()) {
        auto bad = *p;
        bad[0][0] ^= 1;
        EXPECT_EQ(VerifyInclusion(i, n, t.LeafHash(i), bad, root).code(), StatusCode::kDataLoss);
      }
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, t.LeafHash(i), *p, root).ok());
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto p = t.ConsistencyProof(m, n);
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(VerifyConsistency(m, n, *p, *t.RootAt(m), root).ok()) << m << "/" << n;
      if (!p->empty()) {
        auto bad = *p;
        bad.back()[5] ^= 0x40;
        EXPECT_FALSE(VerifyConsistency(m, n, bad, *t.RootAt(m), root).ok());
      }
    }
  }
  EXPECT_FALSE(t.ConsistencyProof(0, 5).ok());
  EXPECT_FALSE(t.InclusionProof(5, 5).ok());
}

TEST(MerkleTest, MerkleRootHashesItemsAsLeaves) {
  std::vector<crypto::Digest> ids = {crypto::Sha256("a"), crypto::Sha256("b"), crypto::Sha256("c")};
  Hash expected = HashChildren(
      HashChildren(HashLeaf(crypto::DigestBytes(ids[0])), HashLeaf(crypto::DigestBytes(ids[1]))),
      HashLeaf(crypto::DigestBytes(ids[2])));
  EXPECT_EQ(MerkleRoot(ids), expected);
  EXPECT_EQ(MerkleRoot({}), EmptyTreeRoot());
}

}  // namespace
}  // namespace custody::ledger
