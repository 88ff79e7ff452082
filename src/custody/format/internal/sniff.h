// Format detection from content: decides JSONL, JSON array, CSV or plain
// text from the first decoded bytes of an input (docs/formats/inputs.md).
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "custody/format/formats.h"

namespace custody::format::internal {

// Bytes of decoded input the sniffer looks at.
inline constexpr size_t kSniffBytes = 64 << 10;

// Returns the format of an input starting with `head` (BOM removed);
// `complete` says `head` is the whole input. Never returns kAuto.
InputFormat SniffFormat(std::string_view head, bool complete);

}  // namespace custody::format::internal
