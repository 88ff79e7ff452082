#include "custody/format/formats.h"

#include <string>

namespace custody::format {

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kAuto: return "auto";
    case InputFormat::kJsonl: return "jsonl";
    case InputFormat::kJsonArray: return "json";
    case InputFormat::kCsv: return "csv";
    case InputFormat::kText: return "text";
  }
  return "unknown";
}

Result<InputFormat> ParseInputFormat(std::string_view name) {
  for (InputFormat f : {InputFormat::kAuto, InputFormat::kJsonl, InputFormat::kJsonArray,
                        InputFormat::kCsv, InputFormat::kText}) {
    if (name == InputFormatName(f)) return f;
  }
  return InvalidArgumentError("input format: expected one of auto, jsonl, json, csv, text, found '" +
                              std::string(name) + "'");
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

}  // namespace custody::format
