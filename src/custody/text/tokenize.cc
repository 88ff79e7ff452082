#include "custody/text/tokenize.h"

#include <utf8proc.h>

#include <unordered_set>

namespace custody::text {
namespace internal {

bool IsWordCodePoint(int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

}  // namespace internal

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  ForEachWord(s, [&](std::string_view w) { out.push_back(w); });
  return out;
}

std::vector<std::string> WordShingles(const std::vector<std::string_view>& words, size_t k) {
  std::vector<std::string> out;
  if (words.empty() || k == 0) return out;
  if (words.size() < k) k = words.size();
  for (size_t i = 0; i + k <= words.size(); ++i) {
    std::string s(words[i]);
    for (size_t j = 1; j < k; ++j) {
      s.push_back(' ');
      s.append(words[i + j]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {
std::unordered_set<std::string> ShingleSet(std::string_view s, size_t k) {
  auto sh = WordShingles(Words(s), k);
  return {sh.begin(), sh.end()};
}
}  // namespace

double ShingleJaccard(std::string_view a, std::string_view b, size_t k) {
  auto sa = ShingleSet(a, k);
  auto sb = ShingleSet(b, k);
  if (sa.empty() && sb.empty()) return 1.0;
  size_t inter = 0;
  for (const auto& x : sa) inter += sb.count(x);
  size_t uni = sa.size() + sb.size() - inter;
  return uni == 0 ? 0.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

double ShingleContainment(std::string_view a, std::string_view b, size_t k) {
  auto sa = ShingleSet(a, k);
  auto sb = ShingleSet(b, k);
  if (sa.empty()) return 0.0;
  size_t inter = 0;
  for (const auto& x : sa) inter += sb.count(x);
  return static_cast<double>(inter) / static_cast<double>(sa.size());
}

}  // namespace custody::text
