// ReleaseFile: writes one release file — JSONL or CSV, plain or encrypted to
// the member's X25519 key (crypto/stream.h) — to a temporary sibling of the
// destination, then fsyncs it, renames it into place and fsyncs the
// directory, so the destination holds a whole release or nothing. The file is
// created with mode 0600. Format: docs/formats/release.md.
// Thread-safety: one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/stream.h"
#include "custody/format/formats.h"

namespace custody::core {

class ReleaseFile {
 public:
  // `csv_columns`: the CSV header (ignored for JSONL). `public_key` set:
  // encrypt to it.
  static Result<std::unique_ptr<ReleaseFile>> Create(Env* env, const std::string& path,
                                                     format::OutputFormat format,
                                                     std::vector<std::string> csv_columns,
                                                     std::optional<std::string> public_key);
  // Removes the temporary file unless Finish succeeded.
  ~ReleaseFile();

  // Writes one canonical JSON record.
  Status Write(std::string_view canonical);
  // Completes the file and renames it into place.
  Status Finish();

  // SHA-256 (hex) of the bytes on disk; valid after Finish.
  const std::string& file_hash() const { return file_hash_; }
  uint64_t bytes_written() const { return bytes_; }
  uint64_t plaintext_bytes() const { return plain_bytes_; }

 private:
  ReleaseFile() = default;
  Status Flush(bool final);
  Status Emit(std::string_view bytes);

  Env* env_ = nullptr;
  std::string path_, tmp_;
  format::OutputFormat format_ = format::OutputFormat::kJsonl;
  std::vector<std::string> columns_;
  std::unique_ptr<WritableFile> file_;
  std::optional<crypto::StreamSealer> sealer_;
  crypto::Sha256Hasher hasher_;
  std::string buf_, sealed_, line_;
  std::vector<std::string> cells_;
  bool done_ = false;
  std::string file_hash_;
  uint64_t bytes_ = 0;
  uint64_t plain_bytes_ = 0;
};

// Decrypts an encrypted release `in` with the member's secret key into
// `out` (temporary sibling + rename: nothing is left on failure). kDataLoss
// for a wrong key, a flipped bit, a truncation or trailing bytes.
struct OpenResult {
  uint64_t bytes = 0;
};
Result<OpenResult> OpenEncryptedRelease(Env* env, const std::string& in,
                                        const crypto::SecretBytes& secret_key,
                                        const std::string& out);

}  // namespace custody::core
