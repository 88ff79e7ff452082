// The record model shared by every reader and writer: a record is one JSON
// object, held in canonical form (docs/formats/inputs.md), plus its string
// values flattened by path for text processing.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody::format {

// One string value of a record. Nested values are named by their path joined
// with '.', array elements by index: {"a":{"b":"x"},"list":["y"]} gives
// "a.b" = "x" and "list.0" = "y".
struct TextField {
  std::string name;
  std::string value;  // unescaped UTF-8
};

struct Record {
  // Canonical JSON: keys sorted bytewise at every level, no insignificant
  // whitespace, minimal string escapes, UTF-8 kept as is, numbers exactly as
  // their source token.
  std::string canonical;
  // Every string value, in canonical (sorted key, then array index) order.
  std::vector<TextField> text_fields;
  std::string source;  // the file path as given to the reader
  uint64_t line = 0;   // 1-based line where the record starts
  // Not parsed yet (ReadOptions::defer_json_lines): `canonical` holds the
  // line as read, `text_fields` is empty.
  bool deferred = false;
};

// Returns the canonical form of `json`, which must be exactly one JSON object
// (surrounding whitespace allowed). kInvalidArgument, with the byte offset
// and what was expected, for malformed JSON, a non-object, a duplicate key,
// invalid UTF-8 or trailing content. Uses a thread-local canonicalizer; for
// loops prefer JsonCanonicalizer (canonical_json.h), which reuses buffers.
Result<std::string> CanonicalizeJson(std::string_view json);

// Fills `fields` (reusing its elements' storage) with the string values of
// `canonical`, which must be canonical JSON as produced by this module.
void ExtractTextFields(std::string_view canonical, std::vector<TextField>* fields);

// One string value of a canonical record: its path, as TextField's name, at
// [path_begin, path_begin + path_len) of the caller's path buffer, and its
// escaped body (the bytes between the quotes) at [begin, end) of the record.
struct StringValueSpan {
  uint32_t path_begin = 0;
  uint32_t path_len = 0;
  size_t begin = 0;
  size_t end = 0;
};

// Replaces `*spans` with every string value of the canonical object
// `canonical`, in the order of ExtractTextFields (the same walk), and
// `*paths` with their paths; where each value lies instead of its decoded
// text. Both buffers are reused across calls.
void StringValueSpans(std::string_view canonical, std::string* paths,
                      std::vector<StringValueSpan>* spans);

// One top-level member of a canonical object: the key's escaped body (the
// bytes between its quotes) and the value's raw canonical text.
struct CanonicalMember {
  std::string_view key_escaped;
  std::string_view value;
};

// Replaces `*members` with the top-level members of the canonical object
// `canonical`, in order (empty if it is not an object). The same scanner as
// ExtractTextFields; `canonical` must be canonical JSON from this module.
void SplitCanonicalObject(std::string_view canonical, std::vector<CanonicalMember>* members);

}  // namespace custody::format
