// Walks canonical JSON text (as produced by JsonCanonicalizer): no
// whitespace, well-formed, so a simple scanner suffices. Used to flatten
// string values into TextFields and to split top-level members for CSV.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

namespace custody::format::internal {

// Returns the index one past the JSON value starting at `s[i]`.
size_t SkipCanonicalValue(std::string_view s, size_t i);

// One top-level member of a canonical object: the key's escaped body and the
// value's raw canonical text.
struct CanonicalMember {
  std::string_view key_escaped;
  std::string_view value;
};

// Splits the canonical object `s` into its members, in order.
void SplitCanonicalObject(std::string_view s, std::vector<CanonicalMember>* members);

}  // namespace custody::format::internal
