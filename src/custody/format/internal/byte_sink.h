// ByteSink: buffered output to a WritableFile, optionally gzip or zstd
// compressed. Thread-safety: not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/format/formats.h"

namespace custody::format::internal {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  static Result<std::unique_ptr<ByteSink>> Create(std::unique_ptr<WritableFile> file,
                                                  Compression compression, std::string name);
  virtual Status Append(std::string_view data) = 0;
  // Ends the compressed stream, syncs and closes the file.
  virtual Status Finish() = 0;
};

// The compression implied by `path`'s extension (".gz", ".zst").
Compression CompressionForPath(std::string_view path);

}  // namespace custody::format::internal
