// Fuzzes RecordReader over arbitrary bytes (any format, compressed or not)
// with a small record limit and skip_bad on and off: never crashes, and every
// record it returns is canonical.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "custody/format/reader.h"

namespace {

class MemoryFile final : public custody::SequentialFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  custody::Result<size_t> Read(size_t n, char* scratch) override {
    // Short reads exercise buffer refills.
    const size_t k = std::min({n, size_ - pos_, size_t{7} + pos_ % 13});
    std::memcpy(scratch, data_ + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  custody::format::ReadOptions opts;
  opts.skip_bad = (data[0] & 1) != 0;
  opts.record_per_file = (data[0] & 2) != 0;
  opts.max_record_bytes = 64 + (data[0] >> 2) * 16;
  auto reader = custody::format::RecordReader::Open(std::make_unique<MemoryFile>(data + 1, size - 1),
                                                    "fuzz", opts);
  if (!reader.ok()) return 0;
  custody::format::Record rec;
  for (int guard = 0; guard < 100000; ++guard) {
    auto more = (*reader)->Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == custody::StatusCode::kDataLoss) break;
      continue;  // the reader moves past a bad record
    }
    if (!*more) break;
    auto c = custody::format::CanonicalizeJson(rec.canonical);
    if (!c.ok() || *c != rec.canonical) std::abort();
  }
  return 0;
}
