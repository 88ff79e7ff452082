// Fuzzes CanonicalizeJson: never crashes, and canonical output is a fixed
// point that ExtractTextFields can walk.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "custody/format/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = custody::format::CanonicalizeJson(in);
  if (!c.ok()) return 0;
  auto again = custody::format::CanonicalizeJson(*c);
  if (!again.ok() || *again != *c) std::abort();
  std::vector<custody::format::TextField> fields;
  custody::format::ExtractTextFields(*c, &fields);
  return 0;
}
