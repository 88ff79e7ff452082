// JsonCanonicalizer: turns one JSON object into custody's canonical JSON
// (record.h, docs/formats/inputs.md) with simdjson's On-Demand parser,
// reusing its parser and scratch buffers across calls.
// Thread-safety: one instance per thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody::format {

// The deepest nesting of objects and arrays a record may have. Deeper input
// is refused (kInvalidArgument) rather than walked: a found dump is hostile
// input, and a 100,000-level document must not exhaust the stack.
inline constexpr size_t kMaxJsonDepth = 512;

class JsonCanonicalizer {
 public:
  // Bytes that must be readable (any content) after the input passed to
  // CanonicalizePadded.
  static constexpr size_t kPadding = 64;

  JsonCanonicalizer();
  ~JsonCanonicalizer();
  JsonCanonicalizer(const JsonCanonicalizer&) = delete;
  JsonCanonicalizer& operator=(const JsonCanonicalizer&) = delete;

  // Replaces `*out` with the canonical form of `json`. Errors as
  // CanonicalizeJson; messages carry no file name (callers prefix it).
  Status Canonicalize(std::string_view json, std::string* out);

  // Same, without copying: `json` must be followed by at least kPadding
  // readable bytes.
  Status CanonicalizePadded(std::string_view json, std::string* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string padded_;  // copy of the input with padding, for Canonicalize
};

}  // namespace custody::format
