// Walks canonical JSON text (as produced by JsonCanonicalizer): no
// whitespace, well-formed, so a simple scanner suffices. Used to flatten
// string values into TextFields and to split top-level members for CSV.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

namespace custody::format::internal {

// Returns the index of the closing quote of the string whose opening quote
// is at `s[i]` (s.size() if it never closes).
size_t StringEnd(std::string_view s, size_t i);

// Returns the index one past the JSON value starting at `s[i]`.
size_t SkipCanonicalValue(std::string_view s, size_t i);

// format::CanonicalMember and format::SplitCanonicalObject (record.h) are
// this walk's public face.

}  // namespace custody::format::internal
