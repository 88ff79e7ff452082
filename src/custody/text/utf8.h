// UTF-8 validation and decoding helpers for custody's text handling
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace custody::text {

// True if every byte of `s` is below 0x80.
bool IsAscii(std::string_view s);

// Returns the byte offset of the first invalid UTF-8 sequence in `s`, or
// std::nullopt if `s` is valid UTF-8.
std::optional<size_t> FindInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FindInvalidUtf8(s).has_value(); }

// Decodes one code point at `s[*pos]` and advances `*pos`. On an invalid
// sequence returns -1 and advances by one byte.
int32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of `cp` (a valid scalar value) to `out`.
void AppendUtf8(int32_t cp, std::string* out);

// Returns `s` with every invalid byte dropped (valid sequences kept as is).
std::string DropInvalidUtf8(std::string_view s);

}  // namespace custody::text
