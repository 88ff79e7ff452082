// Fuzzes RecordReader's gzip and zstd decoding with streams that are valid
// up to a chosen damage: the content comes from the fuzzer, the target
// compresses it, then optionally truncates the stream or flips one bit. An
// undamaged stream must read exactly as the uncompressed content does (the
// same records, lines and errors); a damaged one must end in an error or in
// records, never a crash.
//
// Input: byte 0 = bit 0 zstd (else gzip), bit 1 zstd checksum, bits 2-3
// damage (0 none, 1 truncate, 2 flip a bit, 3 append garbage), bit 4
// skip_bad; bytes 1-2 = damage position; the rest is the content.
#include <zlib.h>
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "custody/format/reader.h"
#include "fuzz_input.h"
#include "memory_file.h"

namespace {

std::string Gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(std::string_view data, bool checksum) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) std::abort();
  out.resize(n);
  return out;
}

// What reading an input gives: each record or error, in order.
std::vector<std::string> ReadAll(std::string_view bytes, bool skip_bad) {
  custody::format::ReadOptions opts;
  opts.skip_bad = skip_bad;
  opts.max_record_bytes = 1024;
  std::vector<std::string> out;
  auto reader = custody::format::RecordReader::Open(
      std::make_unique<custody::fuzz::ShortReadFile>(bytes, 0), "fuzz", opts);
  if (!reader.ok()) return {"open: " + reader.status().ToString()};
  custody::format::Record rec;
  for (size_t guard = 0;; ++guard) {
    if (guard > 2 * bytes.size() + (1 << 16)) std::abort();  // no progress
    auto more = (*reader)->Next(&rec);
    if (!more.ok()) {
      out.push_back("error: " + more.status().ToString());
      if (more.status().code() == custody::StatusCode::kDataLoss) break;
      continue;
    }
    if (!*more) break;
    auto c = custody::format::CanonicalizeJson(rec.canonical);
    if (!c.ok() || *c != rec.canonical) std::abort();
    out.push_back(std::to_string(rec.line) + " " + rec.canonical);
  }
  out.push_back("skipped " + std::to_string((*reader)->skipped()));
  return out;
}

bool StartsCompressed(std::string_view s) {
  return s.substr(0, 2) == "\x1f\x8b" || s.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const uint16_t at = in.U16();
  const std::string_view content = in.Rest();
  const bool skip_bad = (flags & 0x10) != 0;
  std::string stream = (flags & 1) ? Zstd(content, (flags & 2) != 0) : Gzip(content);
  switch ((flags >> 2) & 3) {
    case 0:
      // A compressed stream reads as its content, unless the content is
      // itself compressed (only one layer is decoded).
      if (!StartsCompressed(content) && ReadAll(stream, skip_bad) != ReadAll(content, skip_bad)) {
        std::abort();
      }
      return 0;
    case 1: stream.resize(at % (stream.size() + 1)); break;
    case 2: stream[at % stream.size()] ^= static_cast<char>(1 << (at >> 13)); break;
    case 3: stream.append(content.substr(0, at % 64)); break;
  }
  (void)ReadAll(stream, skip_bad);
  return 0;
}
