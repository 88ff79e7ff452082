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

// The deepest nesting of objects and arrays a record may have, by default.
// Deeper input is refused (kInvalidArgument) rather than walked: a found dump
// is hostile input, and a 100,000-level document must not exhaust the stack.
inline constexpr size_t kMaxJsonDepth = 512;
// The largest depth limit that may be set (ReadOptions::max_json_depth,
// --max-json-depth): the walk is recursive, and this many levels fit well
// within a thread's stack, sanitized builds included.
inline constexpr size_t kMaxJsonDepthLimit = 1024;

// kInvalidArgument unless 1 <= depth <= kMaxJsonDepthLimit.
Status ValidateJsonDepth(size_t depth);

class JsonCanonicalizer {
 public:
  // Bytes that must be readable (any content) after the input passed to
  // CanonicalizePadded.
  static constexpr size_t kPadding = 64;

  // Refuses input nested deeper than `max_depth` levels (1 to
  // kMaxJsonDepthLimit; a bug otherwise).
  explicit JsonCanonicalizer(size_t max_depth = kMaxJsonDepth);
  ~JsonCanonicalizer();
  JsonCanonicalizer(const JsonCanonicalizer&) = delete;
  JsonCanonicalizer& operator=(const JsonCanonicalizer&) = delete;

  // Replaces `*out` with the canonical form of `json`. Errors as
  // CanonicalizeJson; messages carry no file name (callers prefix it).
  Status Canonicalize(std::string_view json, std::string* out);

  // Same, without copying: `json` must be followed by at least kPadding
  // readable bytes.
  Status CanonicalizePadded(std::string_view json, std::string* out);

  size_t max_depth() const;
  // Changes the depth limit (1 to kMaxJsonDepthLimit; a bug otherwise).
  void set_max_depth(size_t max_depth);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string padded_;  // copy of the input with padding, for Canonicalize
};

}  // namespace custody::format
