#include "custody/core/release/release_file.h"

#include "custody/format/writer.h"

#include "custody/base/encoding.h"
#include "custody/core/release/json_fields.h"
#include "custody/format/json_escape.h"

namespace custody::core {
namespace {

constexpr size_t kChunk = 256 * 1024;

}  // namespace

Result<std::unique_ptr<ReleaseFile>> ReleaseFile::Create(std::unique_ptr<OutputFile> output,
                                                         format::OutputFormat format,
                                                         std::vector<std::string> csv_columns,
                                                         std::optional<std::string> public_key,
                                                         const crypto::SecretBytes* file_key) {
  CUSTODY_CHECK(output != nullptr && output->file() != nullptr);
  std::unique_ptr<ReleaseFile> f(new ReleaseFile());
  f->output_ = std::move(output);
  f->format_ = format;
  f->columns_ = std::move(csv_columns);
  if (public_key) {
    std::string header;
    CUSTODY_ASSIGN_OR_RETURN(auto sealer, crypto::StreamSealer::Create(*public_key, &header, file_key));
    f->sealer_.emplace(std::move(sealer));
    CUSTODY_RETURN_IF_ERROR(f->Emit(header));
  }
  if (format == format::OutputFormat::kCsv) {
    f->line_.clear();
    for (size_t i = 0; i < f->columns_.size(); ++i) {
      if (i) f->line_.push_back(',');
      format::AppendCsvCell(f->columns_[i], &f->line_);
    }
    f->line_.append("\r\n");
    f->buf_.append(f->line_);
  }
  return f;
}

ReleaseFile::~ReleaseFile() = default;  // output_ removes an uncommitted file

Status ReleaseFile::Emit(std::string_view bytes) {
  hasher_.Update(bytes);
  bytes_ += bytes.size();
  return output_->file()->Append(bytes);
}

Status ReleaseFile::Flush(bool final) {
  plain_bytes_ += buf_.size();
  if (!sealer_) {
    CUSTODY_RETURN_IF_ERROR(Emit(buf_));
    buf_.clear();
    return OkStatus();
  }
  sealed_.clear();
  CUSTODY_RETURN_IF_ERROR(sealer_->Push(buf_, final, &sealed_));
  buf_.clear();
  return Emit(sealed_);
}

Status ReleaseFile::Write(std::string_view canonical) {
  if (format_ == format::OutputFormat::kJsonl) {
    buf_.append(canonical);
    buf_.push_back('\n');
  } else {
    cells_.assign(columns_.size(), std::string());
    for (auto& [key, value] : TopLevelMembers(canonical)) {
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (columns_[i] != key) continue;
        if (!value.empty() && value.front() == '"') {
          format::AppendJsonUnescaped(value.substr(1, value.size() - 2), &cells_[i]);
        } else {
          cells_[i].assign(value);
        }
      }
    }
    for (size_t i = 0; i < cells_.size(); ++i) {
      if (i) buf_.push_back(',');
      format::AppendCsvCell(cells_[i], &buf_);
    }
    buf_.append("\r\n");
  }
  if (buf_.size() >= kChunk) return Flush(false);
  return OkStatus();
}

Status ReleaseFile::Finish() {
  CUSTODY_RETURN_IF_ERROR(Flush(true));
  CUSTODY_RETURN_IF_ERROR(output_->Commit());
  file_hash_ = crypto::DigestHex(hasher_.Finish());
  return OkStatus();
}

Result<OpenResult> OpenEncryptedRelease(Env* env, const std::string& in,
                                        const crypto::SecretBytes& secret_key,
                                        const std::string& out, const OutputOptions& output) {
  crypto::X25519KeyPair kp;
  kp.secret_key = secret_key.Clone();
  CUSTODY_ASSIGN_OR_RETURN(kp.public_key, crypto::X25519PublicFromSecret(kp.secret_key));
  CUSTODY_ASSIGN_OR_RETURN(auto src, env->NewSequentialFile(in));
  std::string scratch;
  auto read_exact = [&](size_t n, std::string* dst) -> Result<bool> {
    dst->resize(n);
    size_t got = 0;
    while (got < n) {
      CUSTODY_ASSIGN_OR_RETURN(size_t r, src->Read(n - got, dst->data() + got));
      if (r == 0) break;
      got += r;
    }
    if (got == 0) return false;
    if (got < n) return DataLossError(in + ": truncated at byte " + std::to_string(got) + " of a " +
                                      std::to_string(n) + "-byte block");
    return true;
  };
  std::string header;
  CUSTODY_ASSIGN_OR_RETURN(bool have, read_exact(crypto::kStreamHeaderSize, &header));
  if (!have) return DataLossError(in + ": empty file, expected an encrypted release");
  auto opener = crypto::StreamOpener::Create(kp, header);
  if (!opener.ok()) return opener.status().WithPrefix(in);
  CUSTODY_ASSIGN_OR_RETURN(auto dst_file, OutputFile::Create(env, out, output));
  WritableFile* dst = dst_file->file();  // dst_file removes it on every early return
  OpenResult r;
  std::string frame, plain;
  while (true) {
    auto more = read_exact(crypto::kStreamFrameLengthSize, &frame);
    if (!more.ok()) return more.status();
    if (!*more) break;
    uint32_t n = DecodeFixed32(frame.data());
    if (n > crypto::kStreamMaxChunk + crypto::kStreamChunkOverhead) {
      return DataLossError(in + ": chunk length " + std::to_string(n) + " out of range");
    }
    auto body = read_exact(n, &frame);
    if (!body.ok()) return body.status();
    if (!*body) return DataLossError(in + ": truncated after a chunk length");
    plain.clear();
    bool final = false;
    Status s = opener->Pull(frame, &plain, &final);
    if (!s.ok()) return s.WithPrefix(in);
    s = dst->Append(plain);
    if (!s.ok()) return s;
    r.bytes += plain.size();
  }
  if (!opener->finished()) {
    return DataLossError(in + ": truncated (the final chunk is missing)");
  }
  CUSTODY_RETURN_IF_ERROR(dst_file->Commit());
  return r;
}

}  // namespace custody::core
