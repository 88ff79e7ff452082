#include "custody/format/internal/byte_sink.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

namespace custody::format::internal {
namespace {

constexpr size_t kBuffer = 256 << 10;

class SinkBase : public ByteSink {
 public:
  SinkBase(std::unique_ptr<WritableFile> file, std::string name)
      : file_(std::move(file)), name_(std::move(name)) {}

 protected:
  Status Write(std::string_view data) {
    Status s = file_->Append(data);
    return s.ok() ? s : s.WithPrefix(name_);
  }
  Status Close() {
    Status s = file_->Sync();
    if (s.ok()) s = file_->Close();
    return s.ok() ? s : s.WithPrefix(name_);
  }
  std::unique_ptr<WritableFile> file_;
  std::string name_;
};

class PlainSink final : public SinkBase {
 public:
  using SinkBase::SinkBase;
  Status Append(std::string_view data) override {
    if (buf_.size() + data.size() > kBuffer) {
      CUSTODY_RETURN_IF_ERROR(Flush());
      if (data.size() > kBuffer) return Write(data);
    }
    buf_.append(data);
    return OkStatus();
  }
  Status Finish() override {
    CUSTODY_RETURN_IF_ERROR(Flush());
    return Close();
  }

 private:
  Status Flush() {
    if (buf_.empty()) return OkStatus();
    Status s = Write(buf_);
    buf_.clear();
    return s;
  }
  std::string buf_;
};

class GzipSink final : public SinkBase {
 public:
  GzipSink(std::unique_ptr<WritableFile> file, std::string name)
      : SinkBase(std::move(file), std::move(name)), out_(kBuffer) {
    std::memset(&z_, 0, sizeof(z_));
    ok_ = deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipSink() override { deflateEnd(&z_); }
  Status Append(std::string_view data) override { return Run(data, Z_NO_FLUSH); }
  Status Finish() override {
    CUSTODY_RETURN_IF_ERROR(Run({}, Z_FINISH));
    return Close();
  }

 private:
  Status Run(std::string_view data, int flush) {
    if (!ok_) return InternalError(name_ + ": cannot initialize zlib");
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      const int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return InternalError(name_ + ": deflate failed");
      const size_t produced = out_.size() - z_.avail_out;
      if (produced > 0) CUSTODY_RETURN_IF_ERROR(Write(std::string_view(out_.data(), produced)));
      if (flush == Z_FINISH ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out > 0)) break;
    }
    return OkStatus();
  }
  z_stream z_;
  bool ok_ = false;
  std::vector<char> out_;
};

class ZstdSink final : public SinkBase {
 public:
  ZstdSink(std::unique_ptr<WritableFile> file, std::string name)
      : SinkBase(std::move(file), std::move(name)), cctx_(ZSTD_createCCtx()), out_(kBuffer) {
    if (cctx_ != nullptr) {
      ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);  // detects corruption on read
    }
  }
  ~ZstdSink() override { ZSTD_freeCCtx(cctx_); }
  Status Append(std::string_view data) override { return Run(data, ZSTD_e_continue); }
  Status Finish() override {
    CUSTODY_RETURN_IF_ERROR(Run({}, ZSTD_e_end));
    return Close();
  }

 private:
  Status Run(std::string_view data, ZSTD_EndDirective mode) {
    if (cctx_ == nullptr) return InternalError(name_ + ": cannot create zstd context");
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    while (true) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const size_t rc = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(rc)) return InternalError(name_ + ": zstd: " + ZSTD_getErrorName(rc));
      if (out.pos > 0) CUSTODY_RETURN_IF_ERROR(Write(std::string_view(out_.data(), out.pos)));
      if (mode == ZSTD_e_end ? rc == 0 : in.pos == in.size) break;
    }
    return OkStatus();
  }
  ZSTD_CCtx* cctx_;
  std::vector<char> out_;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Compression CompressionForPath(std::string_view path) {
  if (EndsWith(path, ".gz")) return Compression::kGzip;
  if (EndsWith(path, ".zst")) return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<ByteSink>> ByteSink::Create(std::unique_ptr<WritableFile> file,
                                                   Compression compression, std::string name) {
  switch (compression) {
    case Compression::kGzip:
      return std::unique_ptr<ByteSink>(new GzipSink(std::move(file), std::move(name)));
    case Compression::kZstd:
      return std::unique_ptr<ByteSink>(new ZstdSink(std::move(file), std::move(name)));
    case Compression::kNone: break;
  }
  return std::unique_ptr<ByteSink>(new PlainSink(std::move(file), std::move(name)));
}

}  // namespace custody::format::internal
