#include "baseline_lsh.h"

#include <functional>
#include <unordered_set>

#include "custody/text/normalize.h"
#include "custody/text/tokenize.h"

namespace custody::bench {

std::vector<uint32_t> BaselineLsh::Signature(const std::vector<std::string_view>& fields) const {
  std::string joined;
  for (auto f : fields) {
    std::string n = text::NormalizeForMatch(f);
    if (n.empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += n;
  }
  std::vector<std::string> shingles = text::WordShingles(text::Words(joined), 3);
  std::unordered_set<std::string> set(shingles.begin(), shingles.end());
  std::vector<uint32_t> sig(kHashes, UINT32_MAX);
  for (const auto& s : set) {
    uint64_t h = std::hash<std::string>{}(s);
    for (int i = 0; i < kHashes; ++i) {
      uint64_t x = (h ^ (0x9E3779B97F4A7C15ull * (i + 1))) * 0xff51afd7ed558ccdull;
      uint32_t v = static_cast<uint32_t>(x >> 32);
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

void BaselineLsh::Add(uint32_t id, const std::vector<std::string_view>& fields) {
  auto sig = Signature(fields);
  for (int b = 0; b < kBands; ++b) {
    uint64_t key = 0;
    for (int r = 0; r < kRows; ++r) key = key * 1000003 + sig[b * kRows + r];
    bands_[b][key].push_back(id);
  }
  if (sigs_.size() <= id) sigs_.resize(id + 1);
  sigs_[id] = std::move(sig);
}

std::optional<uint32_t> BaselineLsh::Match(const std::vector<std::string_view>& fields) const {
  auto sig = Signature(fields);
  std::unordered_set<uint32_t> cands;
  for (int b = 0; b < kBands; ++b) {
    uint64_t key = 0;
    for (int r = 0; r < kRows; ++r) key = key * 1000003 + sig[b * kRows + r];
    auto it = bands_[b].find(key);
    if (it != bands_[b].end()) cands.insert(it->second.begin(), it->second.end());
  }
  std::optional<uint32_t> best;
  double best_j = 0.5;
  for (uint32_t c : cands) {
    int eq = 0;
    for (int i = 0; i < kHashes; ++i) eq += sig[i] == sigs_[c][i];
    double j = eq / static_cast<double>(kHashes);
    if (j >= best_j) best_j = j, best = c;
  }
  return best;
}

size_t BaselineLsh::MemoryBytes() const {
  size_t bytes = sigs_.size() * (kHashes * 4 + sizeof(std::vector<uint32_t>));
  for (const auto& m : bands_) bytes += m.size() * (8 + sizeof(std::vector<uint32_t>) + 16) + sigs_.size() * 4;
  return bytes;
}

}  // namespace custody::bench
