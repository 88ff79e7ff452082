// ByteSource: the bytes of an input file, transparently decompressed when
// the file starts with a gzip (1f 8b) or zstd (28 b5 2f fd) magic number.
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/format/formats.h"

namespace custody::format::internal {

using Compression = ::custody::format::Compression;

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Wraps `file`, sniffing its compression from the first bytes. `name` is
  // used in error messages.
  static Result<std::unique_ptr<ByteSource>> Open(std::unique_ptr<SequentialFile> file,
                                                  std::string name);

  // Reads up to `n` decoded bytes into `dst`; 0 means end of input.
  // kDataLoss for a truncated or corrupt compressed stream.
  virtual Result<size_t> Read(char* dst, size_t n) = 0;

  virtual Compression compression() const = 0;
  // Bytes read from the underlying file so far.
  virtual uint64_t raw_bytes() const = 0;
};

}  // namespace custody::format::internal
