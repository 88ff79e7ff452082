// The input and output formats and compressions the format module knows,
// with their names as used on command lines and in JSON output.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "custody/base/status.h"

namespace custody::format {

enum class InputFormat {
  kAuto,       // sniff from content (docs/formats/inputs.md)
  kJsonl,      // one JSON object per line
  kJsonArray,  // one JSON array of objects (whole file); read as a stream
  kCsv,        // RFC 4180 with a header row
  kText,       // one record {"text": line} per non-blank line
};

enum class OutputFormat { kJsonl, kCsv };

enum class Compression { kNone, kGzip, kZstd };

// "auto", "jsonl", "json", "csv", "text".
std::string_view InputFormatName(InputFormat format);
// Accepts the names above; kInvalidArgument otherwise.
Result<InputFormat> ParseInputFormat(std::string_view name);
// "none", "gzip", "zstd".
std::string_view CompressionName(Compression compression);

}  // namespace custody::format
