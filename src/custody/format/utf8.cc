#include "custody/format/utf8.h"

#include <simdjson.h>

#include "custody/text/utf8.h"

namespace custody::format {

bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

size_t FirstInvalidUtf8(std::string_view s) {
  return text::FindInvalidUtf8(s).value_or(s.size());
}

}  // namespace custody::format
