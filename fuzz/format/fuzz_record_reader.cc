// Fuzzes RecordReader over arbitrary bytes in every input format (auto,
// JSONL, JSON array, CSV, text, whole-file records; compressed inputs are
// sniffed from the bytes), with skip_bad on and off, small record limits and
// deferred JSONL parsing. Never crashes or loops; every record returned is
// canonical JSON whose text fields are those of its canonical form.
//
// Input: byte 0 = options (bit 0 skip_bad, bit 1 record_per_file, bits 2-4
// format, bit 5 defer_json_lines, bits 6-7 read stride), byte 1 = record
// limit (64 + 16 * byte), then the file's bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "custody/format/reader.h"
#include "fuzz_input.h"
#include "memory_file.h"

namespace {

using custody::format::InputFormat;

constexpr InputFormat kFormats[8] = {
    InputFormat::kAuto, InputFormat::kJsonl, InputFormat::kJsonArray, InputFormat::kCsv,
    InputFormat::kText, InputFormat::kAuto,  InputFormat::kJsonl,     InputFormat::kAuto};

void CheckRecord(const custody::format::Record& rec) {
  auto c = custody::format::CanonicalizeJson(rec.canonical);
  if (!c.ok() || *c != rec.canonical) std::abort();
  std::vector<custody::format::TextField> fields;
  custody::format::ExtractTextFields(rec.canonical, &fields);
  if (fields.size() != rec.text_fields.size()) std::abort();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name != rec.text_fields[i].name || fields[i].value != rec.text_fields[i].value) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const uint8_t limit = in.Byte();
  custody::format::ReadOptions opts;
  opts.skip_bad = (flags & 1) != 0;
  opts.record_per_file = (flags & 2) != 0;
  opts.format = kFormats[(flags >> 2) & 7];
  opts.defer_json_lines = (flags & 0x20) != 0;
  opts.max_record_bytes = 64 + size_t{limit} * 16;
  const size_t strides[4] = {0, 1, 7, 4096};
  const std::string_view bytes = in.Rest();
  auto reader = custody::format::RecordReader::Open(
      std::make_unique<custody::fuzz::ShortReadFile>(bytes, strides[flags >> 6]), "fuzz", opts);
  if (!reader.ok()) return 0;
  custody::format::JsonCanonicalizer canonicalizer;
  custody::format::Record rec;
  std::string padded;
  for (int guard = 0;; ++guard) {
    if (guard > static_cast<int>(bytes.size()) + 16) std::abort();  // no progress
    auto more = (*reader)->Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == custody::StatusCode::kDataLoss) break;
      continue;  // the reader moves past a bad record
    }
    if (!*more) break;
    if (rec.deferred) {
      padded.assign(rec.canonical);
      padded.append(custody::format::JsonCanonicalizer::kPadding, ' ');
      if (!custody::format::ParseDeferredJson(std::string_view(padded.data(), rec.canonical.size()),
                                              &canonicalizer, &rec)
               .ok()) {
        continue;
      }
    }
    CheckRecord(rec);
  }
  return 0;
}
