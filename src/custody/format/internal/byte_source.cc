#include "custody/format/internal/byte_source.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

namespace custody::format::internal {
namespace {

constexpr size_t kRawChunk = 256 << 10;

// Reads the raw file in chunks; the first chunk is read eagerly to sniff.
class RawInput {
 public:
  RawInput(std::unique_ptr<SequentialFile> file, std::string name)
      : file_(std::move(file)), name_(std::move(name)), buf_(kRawChunk) {}

  // Makes sure some unread raw bytes are buffered; returns false at end.
  Result<bool> Fill() {
    if (pos_ < len_) return true;
    if (eof_) return false;
    auto n = file_->Read(buf_.size(), buf_.data());
    if (!n.ok()) return n.status().WithPrefix(name_);
    pos_ = 0;
    len_ = *n;
    total_ += len_;
    if (len_ == 0) eof_ = true;
    return len_ > 0;
  }

  const char* data() const { return buf_.data() + pos_; }
  size_t available() const { return len_ - pos_; }
  void Consume(size_t n) { pos_ += n; }
  uint64_t total() const { return total_; }
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<SequentialFile> file_;
  std::string name_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t total_ = 0;
  bool eof_ = false;
};

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(RawInput in) : in_(std::move(in)) {}
  Result<size_t> Read(char* dst, size_t n) override {
    CUSTODY_ASSIGN_OR_RETURN(bool more, in_.Fill());
    if (!more) return size_t{0};
    const size_t k = std::min(n, in_.available());
    std::memcpy(dst, in_.data(), k);
    in_.Consume(k);
    return k;
  }
  Compression compression() const override { return Compression::kNone; }
  uint64_t raw_bytes() const override { return in_.total(); }

 private:
  RawInput in_;
};

// Returns `produced` bytes now and `error` on the next call, so that data
// decoded before a stream error is not lost.
class DeferredError {
 public:
  Result<size_t> Take(size_t produced, Status error) {
    if (produced == 0) return error;
    error_ = std::move(error);
    return produced;
  }
  bool pending() const { return !error_.ok(); }
  Status Release() {
    Status s = std::move(error_);
    error_ = OkStatus();
    return s;
  }

 private:
  Status error_;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(RawInput in) : in_(std::move(in)) {
    std::memset(&z_, 0, sizeof(z_));
    ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
  }
  ~GzipSource() override { inflateEnd(&z_); }

  Result<size_t> Read(char* dst, size_t n) override {
    if (!ok_) return InternalError(in_.name() + ": cannot initialize zlib");
    if (deferred_.pending()) return deferred_.Release();
    if (done_) return size_t{0};
    z_.next_out = reinterpret_cast<Bytef*>(dst);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (z_.avail_out > 0) {
      CUSTODY_ASSIGN_OR_RETURN(bool more, in_.Fill());
      if (!more) {
        if (in_member_) {
          return deferred_.Take(n - z_.avail_out,
                                DataLossError(in_.name() + ": truncated gzip stream after " +
                                              std::to_string(in_.total()) + " compressed bytes"));
        }
        done_ = true;
        break;
      }
      if (!in_member_) {  // a new member starts
        if (inflateReset(&z_) != Z_OK) return InternalError(in_.name() + ": zlib reset failed");
        in_member_ = true;
      }
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_.data()));
      z_.avail_in = static_cast<uInt>(in_.available());
      const uInt before = z_.avail_in;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      in_.Consume(before - z_.avail_in);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return deferred_.Take(
            n - z_.avail_out,
            DataLossError(in_.name() + ": corrupt gzip stream near compressed byte " +
                          std::to_string(in_.total() - in_.available()) + ": " +
                          (z_.msg != nullptr ? z_.msg : "inflate error")));
      }
    }
    return n - z_.avail_out;
  }
  Compression compression() const override { return Compression::kGzip; }
  uint64_t raw_bytes() const override { return in_.total(); }

 private:
  RawInput in_;
  DeferredError deferred_;
  z_stream z_;
  bool ok_ = false;
  bool in_member_ = false;
  bool done_ = false;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(RawInput in) : in_(std::move(in)), dctx_(ZSTD_createDCtx()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }

  Result<size_t> Read(char* dst, size_t n) override {
    if (dctx_ == nullptr) return InternalError(in_.name() + ": cannot create zstd context");
    if (deferred_.pending()) return deferred_.Release();
    if (done_) return size_t{0};
    ZSTD_outBuffer out{dst, n, 0};
    while (out.pos < out.size) {
      CUSTODY_ASSIGN_OR_RETURN(bool more, in_.Fill());
      if (!more) {
        if (!frame_done_) {
          return deferred_.Take(out.pos, DataLossError(in_.name() + ": truncated zstd stream after " +
                                                       std::to_string(in_.total()) +
                                                       " compressed bytes"));
        }
        done_ = true;
        break;
      }
      ZSTD_inBuffer inb{in_.data(), in_.available(), 0};
      const size_t rc = ZSTD_decompressStream(dctx_, &out, &inb);
      in_.Consume(inb.pos);
      if (ZSTD_isError(rc)) {
        return deferred_.Take(out.pos,
                              DataLossError(in_.name() + ": corrupt zstd stream near compressed byte " +
                                            std::to_string(in_.total() - in_.available()) + ": " +
                                            ZSTD_getErrorName(rc)));
      }
      frame_done_ = rc == 0;
      if (inb.pos == 0 && out.pos == 0 && rc != 0 && in_.available() > 0) {
        return DataLossError(in_.name() + ": zstd decoder made no progress");
      }
    }
    return out.pos;
  }
  Compression compression() const override { return Compression::kZstd; }
  uint64_t raw_bytes() const override { return in_.total(); }

 private:
  RawInput in_;
  DeferredError deferred_;
  ZSTD_DCtx* dctx_;
  bool frame_done_ = true;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ByteSource::Open(std::unique_ptr<SequentialFile> file,
                                                     std::string name) {
  RawInput in(std::move(file), std::move(name));
  CUSTODY_ASSIGN_OR_RETURN(bool more, in.Fill());
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = more ? in.available() : 0;
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    return std::unique_ptr<ByteSource>(new GzipSource(std::move(in)));
  }
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
    auto src = std::unique_ptr<ByteSource>(new ZstdSource(std::move(in)));
    return src;
  }
  return std::unique_ptr<ByteSource>(new PlainSource(std::move(in)));
}

}  // namespace custody::format::internal
