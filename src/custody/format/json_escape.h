// custody's canonical JSON string escaping, for other modules that edit
// canonical records in place (docs/formats/inputs.md): only '"', '\\' and
// control characters are escaped. Thread-safety: pure functions.
#pragma once

#include "custody/format/internal/json_escape.h"

namespace custody::format {

// Appends `"` + escaped `s` + `"`.
using internal::AppendJsonString;
// Appends the escaped body of `s` (no quotes).
using internal::AppendJsonEscaped;
// Appends the decoded body of a canonical JSON string (no quotes).
using internal::AppendJsonUnescaped;

}  // namespace custody::format
