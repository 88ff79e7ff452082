// UTF-8 validation for the readers: a SIMD check of whole inputs (simdjson),
// and the offset of the first bad byte for error messages (the one decoder,
// text::FindInvalidUtf8).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace custody::format {

// Returns true if `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Returns the byte offset of the first byte that starts an ill-formed
// sequence in `s`, or `s.size()` if `s` is valid UTF-8.
size_t FirstInvalidUtf8(std::string_view s);

}  // namespace custody::format
