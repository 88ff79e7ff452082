// A deliberately plain MinHash LSH, the baseline of the matching benchmark:
// std::string shingles hashed with std::hash, 128 independent hash functions,
// 32 bands of 4 rows in std::unordered_map, full signatures kept in memory,
// Jaccard estimated from the full signatures. Same normalization and
// shingle size as the engine. Not used by custody itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace custody::bench {

class BaselineLsh {
 public:
  void Add(uint32_t id, const std::vector<std::string_view>& fields);
  std::optional<uint32_t> Match(const std::vector<std::string_view>& fields) const;
  size_t MemoryBytes() const;

 private:
  static constexpr int kHashes = 128, kBands = 32, kRows = 4;
  std::vector<uint32_t> Signature(const std::vector<std::string_view>& fields) const;
  std::vector<std::vector<uint32_t>> sigs_;
  std::vector<std::unordered_map<uint64_t, std::vector<uint32_t>>> bands_ =
      std::vector<std::unordered_map<uint64_t, std::vector<uint32_t>>>(kBands);
};

}  // namespace custody::bench
