// fmt::format support for typed ids (base/ids.h): an id prints as its
// integer, as in JSON. Header-only; include it where ids are formatted with
// fmt (the CLI and the demo).
#pragma once

#include <fmt/format.h>

#include "custody/base/ids.h"

template <typename Tag, typename Rep>
struct fmt::formatter<custody::Id<Tag, Rep>> : fmt::formatter<Rep> {
  template <typename Ctx>
  auto format(custody::Id<Tag, Rep> id, Ctx& ctx) const {
    return fmt::formatter<Rep>::format(id.value(), ctx);
  }
};
