#include "custody/format/json_writer.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "custody/format/json_escape.h"
#include "custody/format/utf8.h"

namespace custody::format {

void AppendJsonUint(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendJsonInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendJsonDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  // Whole numbers below 1e15 (similarity 1, counts) are their digits and
  // ".0", as the library writes them, without its digit search (-0.0 keeps
  // its sign there).
  if (std::fabs(v) < 1e15 && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
    AppendJsonInt(static_cast<int64_t>(v), out);
    out->append(".0");
    return;
  }
  // The library's own shortest-round-trip formatter (what its serializer
  // calls): std::to_chars picks other digits in some ties and other
  // notations near the exponent limits.
  char buf[64];
  const char* end = nlohmann::detail::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendJsonText(std::string_view s, std::string* out) {
  if (IsValidUtf8(s)) {
    AppendJsonString(s, out);
    return;
  }
  out->append(nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace));
}

}  // namespace custody::format
