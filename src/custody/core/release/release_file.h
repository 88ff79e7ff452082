// ReleaseFile: writes one release file — JSONL or CSV, plain or encrypted to
// the member's X25519 key (crypto/stream.h) — through an OutputFile
// (base/output_file.h): a temporary sibling of the destination created with
// mode 0600, fsynced and renamed into place, so the destination holds a whole
// release or nothing; never through a symbolic link. Format:
// docs/formats/release.md.
// Thread-safety: one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/output_file.h"
#include "custody/base/status.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/stream.h"
#include "custody/format/formats.h"

namespace custody::core {

class ReleaseFile {
 public:
  // Writes into `output` (made by OutputFile::Create before the release
  // was logged). `csv_columns`: the CSV header (ignored for JSONL).
  // `public_key` set: encrypt to it (kInvalidArgument for a key that is not
  // a valid X25519 public key, crypto::CheckX25519PublicKey).
  static Result<std::unique_ptr<ReleaseFile>> Create(std::unique_ptr<OutputFile> output,
                                                     format::OutputFormat format,
                                                     std::vector<std::string> csv_columns,
                                                     std::optional<std::string> public_key,
                                                     const crypto::SecretBytes* file_key = nullptr);
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

  std::unique_ptr<OutputFile> output_;
  format::OutputFormat format_ = format::OutputFormat::kJsonl;
  std::vector<std::string> columns_;
  std::optional<crypto::StreamSealer> sealer_;
  crypto::Sha256Hasher hasher_;
  std::string buf_, sealed_, line_;
  std::vector<std::string> cells_;
  std::string file_hash_;
  uint64_t bytes_ = 0;
  uint64_t plain_bytes_ = 0;
};

// Decrypts an encrypted release `in` with the member's secret key into
// `out`, through an OutputFile (mode 0600, temporary sibling + rename:
// nothing is left on failure; never through a symbolic link; an existing
// `out` only with `output.overwrite`). kDataLoss for a wrong key, a flipped
// bit, a truncation or trailing bytes; the errors of OutputFile::Create.
struct OpenResult {
  uint64_t bytes = 0;
};
Result<OpenResult> OpenEncryptedRelease(Env* env, const std::string& in,
                                        const crypto::SecretBytes& secret_key,
                                        const std::string& out, const OutputOptions& output = {});

}  // namespace custody::core
