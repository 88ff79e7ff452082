// Compact JSON written by hand, for outputs too large to build as a JSON tree
// first (a trace report of every compromised record, `match --json` results).
// Each call writes exactly the text nlohmann-json's
// dump(-1, ' ', false, error_handler_t::replace) writes for the same value, so
// a report may mix the two. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace custody::format {

// Appends the decimal digits of `v`.
void AppendJsonUint(uint64_t v, std::string* out);
void AppendJsonInt(int64_t v, std::string* out);

// Appends the shortest text that reads back as `v` ("0.5", "1.0", "1e-06"),
// formatted by nlohmann-json itself;
// NaN and infinities as null.
void AppendJsonDouble(double v, std::string* out);

// Appends `"` + `s` escaped + `"`: '"', '\\' and control characters escaped
// (\b \f \n \r \t, others \u00xx), other UTF-8 copied as is; a byte that is
// not valid UTF-8 is written as U+FFFD.
void AppendJsonText(std::string_view s, std::string* out);

// "true" or "false".
inline void AppendJsonBool(bool v, std::string* out) { out->append(v ? "true" : "false"); }

}  // namespace custody::format
