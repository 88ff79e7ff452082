// Appends JSON string literals in custody's canonical escaping: only '"',
// '\\' and control characters are escaped (\b \f \n \r \t, others \u00xx with
// lowercase hex); all other bytes, including UTF-8, are copied as is.
// See docs/formats/inputs.md. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace custody::format::internal {

// Appends `"` + escaped `s` + `"` to `out`. `s` must be valid UTF-8.
void AppendJsonString(std::string_view s, std::string* out);

// Appends the escaped body of `s` without the surrounding quotes.
void AppendJsonEscaped(std::string_view s, std::string* out);

// Decodes the body of a canonical JSON string (as produced by
// AppendJsonEscaped) and appends it to `out`.
void AppendJsonUnescaped(std::string_view body, std::string* out);

}  // namespace custody::format::internal
