#include "custody/sketch/internal/index_file.h"

#include <algorithm>
#include <thread>

#include <xxhash.h>

#include <cstring>

#include "custody/sketch/index_format.h"

namespace custody::sketch::internal {


namespace {


uint32_t Get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }

Status Corrupt(const std::string& name, const std::string& what) {
  return DataLossError(name + ": corrupt sketch index: " + what);
}

// A table's place in the file, checked against the file and its offsets
// (the entries are checked by SummarizeKeyTable).
struct TableSpan {
  const uint32_t* offsets = nullptr;
  const uint32_t* entries = nullptr;
  uint8_t bits = 1;
};

Status LocateTable(const std::string& name, const char* base, size_t size, size_t* pos,
                   uint8_t bits, uint64_t entries, TableSpan* out) {
  if (bits < 1 || bits > 24) return Corrupt(name, "bucket bits out of range");
  size_t nb = size_t{1} << bits;
  size_t bytes = (nb + 1) * 4 + entries * 4;
  if (*pos + bytes > size) return Corrupt(name, "table extends past the end of the file");
  const uint32_t* offsets = reinterpret_cast<const uint32_t*>(base + *pos);
  if (offsets[0] != 0 || offsets[nb] != entries) return Corrupt(name, "table offsets");
  for (size_t i = 0; i < nb; ++i) {
    if (offsets[i] > offsets[i + 1]) return Corrupt(name, "table offsets not sorted");
  }
  *out = TableSpan{offsets, offsets + nb + 1, bits};
  *pos = Align8(*pos + bytes);
  return OkStatus();
}

// Checks the sections after the header and points `f` at them, but for the
// tables' entries (located in `exact` and `anchors`).
Status LocateSections(IndexFile* f, const char* base, size_t body, uint32_t version,
                      TableSpan* exact, TableSpan* anchors) {
  const std::string& name = f->name;
  SketchParams& p = f->params;
  p.shingle_words = static_cast<uint8_t>(base[kOffShingleWords]);
  p.bins_log2 = static_cast<uint8_t>(base[kOffBinsLog2]);
  p.sig_bits = static_cast<uint8_t>(base[kOffSigBits]);
  p.anchors = static_cast<uint8_t>(base[kOffAnchors]);
  if (p.shingle_words == 0 || p.bins_log2 < 3 || p.bins_log2 > 10 ||
      (p.sig_bits != 1 && p.sig_bits != 2 && p.sig_bits != 4)) {
    return Corrupt(name, "parameters out of range");
  }
  f->n = Get64(base + kOffRecordCount);
  if (f->n > kMaxRecordsPerIndex) return Corrupt(name, "record count too large");
  f->id_base = Get64(base + kOffIdBase);
  const uint64_t flags = Get64(base + kOffFlags);
  const uint64_t exact_entries = Get64(base + kOffExactEntries);
  const uint64_t anchor_entries = Get64(base + kOffAnchorEntries);
  const uint32_t label_bytes = Get32(base + kOffLabelBytes);
  if (exact_entries > body / 4 || anchor_entries > body / 4 || label_bytes > body) {
    return Corrupt(name, "section sizes exceed the file");
  }
  size_t pos = kIndexHeaderSize;
  f->label = std::string_view(base + pos, label_bytes);
  pos = Align8(pos + label_bytes);
  if (flags & kFlagExplicitIds) {
    if (pos + f->n * 8 > body) return Corrupt(name, "id table past the end");
    f->ids = reinterpret_cast<const uint64_t*>(base + pos);
    pos += f->n * 8;
  }
  if (pos + f->n * 2 > body) return Corrupt(name, "counts past the end");
  f->counts = reinterpret_cast<const uint16_t*>(base + pos);
  pos = Align8(pos + f->n * 2);
  if (pos + f->n * p.sig_bytes() > body) return Corrupt(name, "signatures past the end");
  f->sigs = reinterpret_cast<const uint8_t*>(base + pos);
  pos = Align8(pos + f->n * p.sig_bytes());
  if (pos + f->n * p.filled_bytes() > body) return Corrupt(name, "bin bitmaps past the end");
  f->filled = reinterpret_cast<const uint8_t*>(base + pos);
  pos = Align8(pos + f->n * p.filled_bytes());
  if (version >= 3) {
    if (pos + f->n * 4 > body) return Corrupt(name, "record key table past the end");
    f->key_lo = reinterpret_cast<const uint32_t*>(base + pos);
    pos = Align8(pos + f->n * 4);
  }
  CUSTODY_RETURN_IF_ERROR(LocateTable(name, base, body, &pos,
                                      static_cast<uint8_t>(base[kOffExactBucketBits]),
                                      exact_entries, exact));
  CUSTODY_RETURN_IF_ERROR(LocateTable(name, base, body, &pos,
                                      static_cast<uint8_t>(base[kOffAnchorBucketBits]),
                                      anchor_entries, anchors));
  if (pos != body) return Corrupt(name, "unexpected bytes before the trailer");
  return OkStatus();
}

// Version 4: returns where the block checksum table starts (the end of the
// checksummed data), checked against the file size.
Result<size_t> LocateBlockTable(const std::string& name, const char* base, size_t body) {
  const uint32_t log2 = Get32(base + kOffBlockLog2);
  const uint64_t data = Get64(base + kOffDataBytes);
  if (log2 < kIndexBlockLog2Min || log2 > kIndexBlockLog2Max) {
    return Corrupt(name, "block size (header bytes 76-79): expected 2^" +
                             std::to_string(kIndexBlockLog2Min) + " to 2^" +
                             std::to_string(kIndexBlockLog2Max) + ", found 2^" +
                             std::to_string(log2));
  }
  const uint64_t block = uint64_t{1} << log2;
  const uint64_t blocks = data / block + (data % block != 0);
  if (data < kIndexHeaderSize || data > body || body - data != blocks * 8) {
    return Corrupt(name, "block table (header bytes 80-87): " + std::to_string(data) +
                             " data bytes do not fit a file of " +
                             std::to_string(body + kIndexTrailerSize) + " bytes");
  }
  return static_cast<size_t>(data);
}

// Version 4: checks the block table against the trailer, then every block
// against the table; the error names the first bad block and its bytes.
Status CheckBlocks(const std::string& name, const char* base, size_t data, size_t body) {
  const uint64_t block = uint64_t{1} << Get32(base + kOffBlockLog2);
  const size_t blocks = (body - data) / 8;
  if (XXH3_64bits(base + data, body - data) != Get64(base + body)) {
    return Corrupt(name, "block checksum table (bytes " + std::to_string(data) + "-" +
                             std::to_string(body - 1) + "): checksum mismatch");
  }
  for (size_t i = 0; i < blocks; ++i) {
    const size_t begin = i * block;
    const size_t len = std::min<size_t>(block, data - begin);
    if (XXH3_64bits(base + begin, len) != Get64(base + data + i * 8)) {
      return Corrupt(name, "block " + std::to_string(i) + " of " + std::to_string(blocks) +
                               " (bytes " + std::to_string(begin) + "-" +
                               std::to_string(begin + len - 1) + "): checksum mismatch");
    }
  }
  return OkStatus();
}

}  // namespace

Status ParseIndex(IndexFile* f, std::span<const std::byte> data, uint64_t key_check,
                  size_t threads) {
  const std::string& name = f->name;
  const char* base = reinterpret_cast<const char*>(data.data());
  const size_t size = data.size();
  if (size < kIndexHeaderSize + kIndexTrailerSize) {
    return Corrupt(name, "expected at least " +
                             std::to_string(kIndexHeaderSize + kIndexTrailerSize) +
                             " bytes, found " + std::to_string(size));
  }
  if (std::memcmp(base, kIndexMagic, 8) != 0) return Corrupt(name, "bad magic");
  if (std::memcmp(base + size - 8, kIndexTrailerMagic, 8) != 0) {
    return Corrupt(name, "bad trailer (truncated file?)");
  }
  const uint32_t version = Get32(base + kOffVersion);
  if (version < kIndexFormatVersionMin || version > kIndexFormatVersion) {
    return Corrupt(name, "version: expected " + std::to_string(kIndexFormatVersionMin) + " to " +
                             std::to_string(kIndexFormatVersion) + ", found " +
                             std::to_string(version));
  }
  const size_t body = size - kIndexTrailerSize;
  // Version 4: the sections end where the block checksum table starts.
  size_t sections_end = body;
  if (version >= 4) {
    CUSTODY_ASSIGN_OR_RETURN(sections_end, LocateBlockTable(name, base, body));
  }
  // Every entry of both tables is checked (and summarized, key_table.h) on
  // every open, and the whole file is checksummed: with threads, the anchor
  // table's pass runs beside the checksum and the exact table's. Errors are
  // reported as a sequential check would find them: the checksum first.
  TableSpan exact, anchors;
  const Status located = LocateSections(f, base, sections_end, version, &exact, &anchors);
  std::string exact_wrong, anchor_wrong;
  auto summarize_anchors = [&] {
    anchor_wrong = SummarizeKeyTable(anchors.offsets, anchors.entries, anchors.bits, f->n,
                                     &f->anchor_buckets);
  };
  std::thread helper;
  if (located.ok() && threads > 1) helper = std::thread(summarize_anchors);
  const Status checksum =
      version >= 4 ? CheckBlocks(name, base, sections_end, body)
                   : (XXH3_64bits(base, body) == Get64(base + body)
                          ? OkStatus()
                          : Corrupt(name, "checksum mismatch"));
  const bool checksum_ok = checksum.ok();
  if (located.ok() && checksum_ok) {
    exact_wrong = SummarizeKeyTable(exact.offsets, exact.entries, exact.bits, f->n, &f->exact_buckets);
  }
  if (helper.joinable()) {
    helper.join();
  } else if (located.ok() && checksum_ok) {
    summarize_anchors();
  }
  CUSTODY_RETURN_IF_ERROR(checksum);
  if (Get64(base + kOffKeyCheck) != key_check) {
    return UnauthenticatedError(name + ": sketch index was built with a different index key");
  }
  CUSTODY_RETURN_IF_ERROR(located);
  if (!exact_wrong.empty()) return Corrupt(name, exact_wrong);
  if (!anchor_wrong.empty()) return Corrupt(name, anchor_wrong);
  f->exact = KeyTableView(exact.offsets, exact.entries, exact.bits, f->exact_buckets.data());
  f->anchors = KeyTableView(anchors.offsets, anchors.entries, anchors.bits, f->anchor_buckets.data());
  return OkStatus();
}


}  // namespace custody::sketch::internal
