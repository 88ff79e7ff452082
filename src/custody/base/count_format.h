// Counts for people: thousands separators and plural nouns, so output reads
// "2,241 records" and "1 record". Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace custody {

// `n` with a comma every three digits: 2241 -> "2,241".
inline std::string WithThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// "1 record", "2,241 records": `noun` is the singular; the plural adds "s".
inline std::string Counted(uint64_t n, std::string_view noun) {
  return WithThousands(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

}  // namespace custody
