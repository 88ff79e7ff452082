// RFC 6962 / RFC 9162 Merkle trees: SHA-256 with leaf prefix 0x00 and node
// prefix 0x01. Tree hashes for any size, inclusion and consistency proofs, and
// their verification (the RFC 9162 section 2.1.3.2 and 2.1.4.2 algorithms).
// Thread-safety: free functions are thread-safe; a MerkleTree is safe for
// concurrent const use, and must not be read while it is appended to.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/crypto/crypto.h"

namespace custody::ledger {

using Hash = crypto::Digest;

// SHA-256(0x00 || data).
Hash HashLeaf(std::string_view data);
// SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyTreeRoot();

// RFC 6962 MTH over `items`, each item being a leaf's input (so item i is
// hashed as HashLeaf(item i)). Used for commitments such as a dataset
// version's root over its records' 32-byte content ids.
Hash MerkleRoot(std::span<const crypto::Digest> items);
// The root over leaves whose leaf hashes are already computed.
Hash MerkleRootOfLeafHashes(std::span<const Hash> leaf_hashes);

// An in-memory Merkle tree that keeps every complete subtree hash, so tree
// hashes and proofs for any earlier size take O(log n) hash operations.
class MerkleTree {
 public:
  MerkleTree() = default;

  void AppendLeafHash(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // The leaf hash of entry `index` (< size()).
  const Hash& LeafHash(uint64_t index) const { return levels_[0][index]; }
  // The number of complete subtrees of height `level` (= size() >> level).
  uint64_t NodeCount(unsigned level) const {
    return level < levels_.size() ? levels_[level].size() : 0;
  }
  // The hash of the complete subtree of height `level` covering leaves
  // [index << level, (index + 1) << level). Precondition: index < NodeCount(level).
  const Hash& NodeHash(unsigned level, uint64_t index) const { return levels_[level][index]; }

  // The root of the tree of the first `tree_size` leaves; kOutOfRange if
  // tree_size > size().
  Result<Hash> RootAt(uint64_t tree_size) const;
  Hash Root() const;

  // The RFC 6962 audit path for leaf `index` in the tree of size `tree_size`.
  // kOutOfRange unless index < tree_size <= size().
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // The RFC 6962 consistency proof between sizes `old_size` and `new_size`.
  // kOutOfRange unless 0 < old_size <= new_size <= size().
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

 private:
  Hash SubtreeHash(uint64_t begin, uint64_t end) const;
  void Path(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>* out) const;
  void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>* out) const;

  std::vector<std::vector<Hash>> levels_;
};

// Computes the root implied by an inclusion proof. kDataLoss if the proof has
// the wrong length for (index, tree_size); kInvalidArgument if index >= tree_size.
Result<Hash> RootFromInclusionProof(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                                    std::span<const Hash> proof);
// OK if `proof` shows leaf `leaf_hash` at `index` in the tree of `tree_size`
// with root `root`; kDataLoss naming the mismatch otherwise.
Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);
// OK if `proof` shows the tree of size `size1` with root `root1` is a prefix of
// the tree of size `size2` with root `root2`. Size 0 is rejected.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

}  // namespace custody::ledger
