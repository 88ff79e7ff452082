// Editing custody's canonical JSON records (format/record.h) for a release:
// keeping only granted top-level fields and putting marked text back in place
// of a record's string values. String values are counted in the order they
// appear in the canonical text, which is the order of
// format::ExtractTextFields, so its i-th TextField is value i here.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace custody::core {

// Appends to `out` the canonical object `canonical` keeping only the
// top-level members whose key is in `keep` (order preserved). `keep` empty
// keeps everything.
void ProjectFields(std::string_view canonical, const std::vector<std::string>& keep,
                   std::string* out);

// Appends to `out` a copy of `canonical` in which string value number
// `indices[i]` is replaced by `values[i]` (escaped canonically). `indices` is
// increasing.
void ReplaceStringValues(std::string_view canonical, const std::vector<size_t>& indices,
                         const std::vector<std::string>& values, std::string* out);

// One string value of a canonical record: its path, as format::TextField's
// name, at [path_begin, path_begin + path_len) of the caller's path buffer,
// and its escaped body (the bytes between the quotes) at [begin, end) of the
// record.
struct StringValueSpan {
  uint32_t path_begin = 0;
  uint32_t path_len = 0;
  size_t begin = 0;
  size_t end = 0;
};

// Replaces `*spans` with every string value of the canonical object
// `canonical`, in the order of format::ExtractTextFields, and `*paths` with
// their paths. Both buffers are reused across calls.
void StringValueSpans(std::string_view canonical, std::string* paths,
                      std::vector<StringValueSpan>* spans);
// Top-level keys of a canonical object, unescaped, in order.
std::vector<std::string> TopLevelKeys(std::string_view canonical);

// Splits a canonical object into (unescaped key, raw value text) pairs.
std::vector<std::pair<std::string, std::string_view>> TopLevelMembers(std::string_view canonical);


}  // namespace custody::core
