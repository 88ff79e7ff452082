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

#include "custody/format/record.h"

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

// Where the string values of a canonical record lie (format::StringValueSpans).
using format::StringValueSpan;
using format::StringValueSpans;
// Top-level keys of a canonical object, unescaped, in order.
std::vector<std::string> TopLevelKeys(std::string_view canonical);

// Splits a canonical object into (unescaped key, raw value text) pairs.
std::vector<std::pair<std::string, std::string_view>> TopLevelMembers(std::string_view canonical);


}  // namespace custody::core
