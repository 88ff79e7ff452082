#include "custody/ledger/merkle.h"

#include <bit>
#include <string>

namespace custody::ledger {
namespace {

// The largest power of two strictly less than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace

Hash HashLeaf(std::string_view data) {
  crypto::Sha256Hasher h;
  const char prefix = 0x00;
  h.Update(std::string_view(&prefix, 1));
  h.Update(data);
  return h.Finish();
}

Hash HashChildren(const Hash& left, const Hash& right) {
  char buf[1 + 2 * crypto::kSha256Size];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 1 + crypto::kSha256Size);
  return crypto::Sha256(std::string_view(buf, sizeof(buf)));
}

Hash EmptyTreeRoot() { return crypto::Sha256(""); }

Hash MerkleRoot(std::span<const crypto::Digest> items) {
  std::vector<Hash> leaves;
  leaves.reserve(items.size());
  for (const auto& d : items) {
    leaves.push_back(HashLeaf(
        std::string_view(reinterpret_cast<const char*>(d.data()), d.size())));
  }
  return MerkleRootOfLeafHashes(leaves);
}

Hash MerkleRootOfLeafHashes(std::span<const Hash> leaf_hashes) {
  MerkleTree tree;
  for (const auto& h : leaf_hashes) tree.AppendLeafHash(h);
  return tree.Root();
}

void MerkleTree::AppendLeafHash(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each time a level gains an even count, its last pair completes a parent.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    Hash parent = HashChildren(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

Hash MerkleTree::SubtreeHash(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    const unsigned level = std::countr_zero(n);
    return levels_[level][begin >> level];
  }
  const uint64_t k = SplitPoint(n);
  return HashChildren(SubtreeHash(begin, begin + k), SubtreeHash(begin + k, end));
}

Result<Hash> MerkleTree::RootAt(uint64_t tree_size) const {
  if (tree_size > size()) {
    return OutOfRangeError("tree size " + std::to_string(tree_size) + " exceeds log size " +
                           std::to_string(size()));
  }
  if (tree_size == 0) return EmptyTreeRoot();
  return SubtreeHash(0, tree_size);
}

Hash MerkleTree::Root() const { return size() == 0 ? EmptyTreeRoot() : SubtreeHash(0, size()); }

void MerkleTree::Path(uint64_t index, uint64_t begin, uint64_t end,
                      std::vector<Hash>* out) const {
  const uint64_t n = end - begin;
  if (n == 1) return;
  const uint64_t k = SplitPoint(n);
  if (index < begin + k) {
    Path(index, begin, begin + k, out);
    out->push_back(SubtreeHash(begin + k, end));
  } else {
    Path(index, begin + k, end, out);
    out->push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > size() || index >= tree_size) {
    return OutOfRangeError("inclusion proof: need index < tree size <= " +
                           std::to_string(size()) + ", found index " + std::to_string(index) +
                           ", tree size " + std::to_string(tree_size));
  }
  std::vector<Hash> out;
  Path(index, 0, tree_size, &out);
  return out;
}

void MerkleTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash>* out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out->push_back(SubtreeHash(begin, end));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out->push_back(SubtreeHash(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out->push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t old_size,
                                                       uint64_t new_size) const {
  if (old_size == 0 || old_size > new_size || new_size > size()) {
    return OutOfRangeError("consistency proof: need 0 < old size <= new size <= " +
                           std::to_string(size()) + ", found " + std::to_string(old_size) +
                           " and " + std::to_string(new_size));
  }
  std::vector<Hash> out;
  if (old_size < new_size) SubProof(old_size, 0, new_size, true, &out);
  return out;
}

Result<Hash> RootFromInclusionProof(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                                    std::span<const Hash> proof) {
  if (index >= tree_size) {
    return InvalidArgumentError("inclusion proof: index " + std::to_string(index) +
                                " is not below tree size " + std::to_string(tree_size));
  }
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return DataLossError("inclusion proof: expected " + std::to_string(&p - proof.data()) +
                           " hashes, found " + std::to_string(proof.size()));
    }
    if ((fn & 1) == 1 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return DataLossError("inclusion proof: too short (" + std::to_string(proof.size()) +
                         " hashes) for index " + std::to_string(index) + " in tree size " +
                         std::to_string(tree_size));
  }
  return r;
}

Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  CUSTODY_ASSIGN_OR_RETURN(Hash computed, RootFromInclusionProof(index, tree_size, leaf_hash, proof));
  if (computed != root) {
    return DataLossError("inclusion proof: computed root " + crypto::DigestHex(computed) +
                         ", expected " + crypto::DigestHex(root));
  }
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size1 == 0) return DataLossError("consistency proof: old size must be at least 1, found 0");
  if (size1 > size2) {
    return DataLossError("consistency proof: old size " + std::to_string(size1) +
                         " exceeds new size " + std::to_string(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return DataLossError("consistency proof: expected no hashes for equal sizes, found " +
                           std::to_string(proof.size()));
    }
    if (root1 != root2) return DataLossError("consistency proof: equal sizes but roots differ");
    return OkStatus();
  }
  if (proof.empty()) return DataLossError("consistency proof: expected hashes, found none");
  std::vector<Hash> p;
  if (std::has_single_bit(size1)) p.push_back(root1);
  p.insert(p.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0];
  Hash sr = p[0];
  for (size_t i = 1; i < p.size(); ++i) {
    if (sn == 0) {
      return DataLossError("consistency proof: too long (" + std::to_string(proof.size()) +
                           " hashes)");
    }
    if ((fn & 1) == 1 || fn == sn) {
      fr = HashChildren(p[i], fr);
      sr = HashChildren(p[i], sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, p[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return DataLossError("consistency proof: too short (" + std::to_string(proof.size()) +
                         " hashes)");
  }
  if (fr != root1) return DataLossError("consistency proof: old root does not match");
  if (sr != root2) return DataLossError("consistency proof: new root does not match");
  return OkStatus();
}

}  // namespace custody::ledger
