#include "custody/store/word_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/word_file_format.h"

namespace custody::store {
namespace {

std::string AdPrefix(std::string_view header, const std::string& context, int seq) {
  std::string ad(header);
  ad += context;
  ad += ":words:";
  ad += std::to_string(seq);
  return ad;
}

size_t SealedSize(size_t plain) { return crypto::kAeadNonceSize + plain + crypto::kAeadTagSize; }

}  // namespace

std::string WordFileName(int seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "words-%06d.cwrd", seq);
  return buf;
}

Result<int64_t> WriteWordFile(Env* env, const std::string& path, const crypto::SecretBytes& key,
                              const std::string& context, int seq, uint64_t first_record_id,
                              std::string_view entries, const std::vector<uint32_t>& lengths) {
  // Cut the entries into blocks of about kWordBlockTargetBytes.
  struct Cut {
    uint32_t first, end;  // record indexes [first, end)
    size_t begin_byte, end_byte;
  };
  std::vector<Cut> cuts;
  size_t byte = 0;
  for (uint32_t i = 0; i < lengths.size();) {
    Cut c{i, i, byte, byte};
    while (c.end < lengths.size() && (c.end == c.first || c.end_byte - c.begin_byte < kWordBlockTargetBytes)) {
      c.end_byte += lengths[c.end];
      ++c.end;
    }
    byte = c.end_byte;
    i = c.end;
    cuts.push_back(c);
  }
  if (byte != entries.size()) {
    return InvalidArgumentError("word file: entry lengths add up to " + std::to_string(byte) +
                                " bytes, found " + std::to_string(entries.size()));
  }
  std::string header(kWordFileMagic, sizeof(kWordFileMagic));
  PutFixed32(&header, kWordFileFormat);
  PutFixed64(&header, first_record_id);
  PutFixed32(&header, static_cast<uint32_t>(lengths.size()));
  PutFixed32(&header, static_cast<uint32_t>(cuts.size()));
  PutFixed32(&header, 0);
  const std::string prefix = AdPrefix(header, context, seq);

  std::string blocks, payload, index;
  for (size_t b = 0; b < cuts.size(); ++b) {
    const Cut& c = cuts[b];
    payload.clear();
    PutVarint64(&payload, c.end - c.first);
    for (uint32_t i = c.first; i < c.end; ++i) PutVarint64(&payload, lengths[i]);
    payload.append(entries.substr(c.begin_byte, c.end_byte - c.begin_byte));
    CUSTODY_ASSIGN_OR_RETURN(std::string sealed,
                             crypto::AeadSeal(key, payload, prefix + ":block:" + std::to_string(b)));
    PutFixed32(&index, c.first);
    PutFixed32(&index, static_cast<uint32_t>(sealed.size()));
    blocks += sealed;
  }
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed_index, crypto::AeadSeal(key, index, prefix + ":index"));
  CUSTODY_ASSIGN_OR_RETURN(auto f, env->NewWritableFile(path, 0600));
  CUSTODY_RETURN_IF_ERROR(f->Append(header));
  CUSTODY_RETURN_IF_ERROR(f->Append(sealed_index));
  CUSTODY_RETURN_IF_ERROR(f->Append(blocks));
  CUSTODY_RETURN_IF_ERROR(f->Sync());
  CUSTODY_RETURN_IF_ERROR(f->Close());
  return static_cast<int64_t>(header.size() + sealed_index.size() + blocks.size());
}

std::string_view WordBlock::Entry(uint32_t index) const {
  const uint32_t i = index - first_;
  const uint32_t begin = i == 0 ? base_ : ends_[i - 1];
  return std::string_view(plain_).substr(begin, ends_[i] - begin);
}

Result<std::unique_ptr<WordFileReader>> WordFileReader::Open(Env* env, const std::string& path,
                                                             const crypto::SecretBytes& key,
                                                             const std::string& context, int seq) {
  auto r = std::unique_ptr<WordFileReader>(new WordFileReader());
  r->path_ = path;
  r->key_ = &key;
  CUSTODY_ASSIGN_OR_RETURN(r->file_, env->NewRandomAccessFile(path));
  const uint64_t size = r->file_->Size();
  auto corrupt = [&](const std::string& what) {
    return DataLossError(path + ": " + what + ": tampered or corrupt");
  };
  if (size < kWordFileHeaderSize) return corrupt("shorter than a word file header");
  r->header_.resize(kWordFileHeaderSize);
  CUSTODY_RETURN_IF_ERROR(r->file_->ReadAt(0, kWordFileHeaderSize, r->header_.data()));
  const char* h = r->header_.data();
  if (std::memcmp(h, kWordFileMagic, sizeof(kWordFileMagic)) != 0) {
    return corrupt("not a custody word file (bad magic)");
  }
  if (DecodeFixed32(h + 8) != kWordFileFormat) {
    return DataLossError(path + ": word file format " + std::to_string(DecodeFixed32(h + 8)) +
                         ", expected 1");
  }
  r->first_record_id_ = DecodeFixed64(h + 12);
  r->count_ = DecodeFixed32(h + 20);
  const uint32_t nblocks = DecodeFixed32(h + 24);
  const size_t index_sealed = SealedSize(static_cast<size_t>(nblocks) * kWordIndexEntrySize);
  if (nblocks > r->count_ || size < kWordFileHeaderSize + index_sealed) {
    return corrupt("block index truncated");
  }
  r->ad_prefix_ = AdPrefix(r->header_, context, seq);
  std::string sealed(index_sealed, '\0');
  CUSTODY_RETURN_IF_ERROR(r->file_->ReadAt(kWordFileHeaderSize, index_sealed, sealed.data()));
  auto index = crypto::AeadOpen(key, sealed, r->ad_prefix_ + ":index");
  if (!index.ok()) {
    return corrupt("block index failed authentication (or its dataset key was destroyed)");
  }
  uint64_t offset = kWordFileHeaderSize + index_sealed;
  r->blocks_.reserve(nblocks);
  for (uint32_t b = 0; b < nblocks; ++b) {
    Block blk;
    blk.first = DecodeFixed32(index->data() + b * kWordIndexEntrySize);
    blk.sealed_size = DecodeFixed32(index->data() + b * kWordIndexEntrySize + 4);
    blk.offset = offset;
    const uint32_t expected_first = b == 0 ? 0 : r->blocks_.back().first + 1;
    if (blk.first < expected_first || blk.first >= r->count_ || (b == 0 && blk.first != 0) ||
        blk.sealed_size < SealedSize(1)) {
      return corrupt("block index out of order");
    }
    offset += blk.sealed_size;
    r->blocks_.push_back(blk);
  }
  if (offset != size) return corrupt("size does not match its block index");
  return r;
}

size_t WordFileReader::BlockOf(uint32_t index) const {
  // Blocks hold about as many records each, so the block is near its
  // proportional place: widen a bracket around that guess, then bisect it
  // (a few nearby cache lines rather than a search over the whole index).
  const size_t n = blocks_.size();
  if (n == 0) return static_cast<size_t>(-1);  // no block (as the search over none gave)
  size_t lo = std::min(n - 1, static_cast<size_t>(uint64_t{index} * n / count_));
  size_t hi = lo + 1;  // invariant sought: blocks_[lo].first <= index < blocks_[hi].first (hi == n: end)
  for (size_t step = 1; blocks_[lo].first > index; step *= 2) {
    hi = lo;
    lo = lo > step ? lo - step : 0;
  }
  for (size_t step = 1; hi < n && blocks_[hi].first <= index; step *= 2) {
    lo = hi;
    hi = std::min(n, hi + step);
  }
  auto it = std::upper_bound(blocks_.begin() + static_cast<std::ptrdiff_t>(lo) + 1,
                             blocks_.begin() + static_cast<std::ptrdiff_t>(hi), index,
                             [](uint32_t x, const Block& b) { return x < b.first; });
  return static_cast<size_t>(it - blocks_.begin()) - 1;
}

Status WordFileReader::ReadBlock(size_t b, WordBlock* out) const {
  const Block& blk = blocks_[b];
  const uint32_t end = b + 1 < blocks_.size() ? blocks_[b + 1].first : count_;
  out->sealed_.resize(blk.sealed_size);
  CUSTODY_RETURN_IF_ERROR(file_->ReadAt(blk.offset, blk.sealed_size, out->sealed_.data()));
  if (!crypto::AeadOpenTo(*key_, out->sealed_, ad_prefix_ + ":block:" + std::to_string(b),
                          &out->plain_).ok()) {
    return DataLossError(path_ + ": block " + std::to_string(b) +
                         " failed authentication: tampered or corrupt");
  }
  std::string_view in(out->plain_);
  uint64_t n = 0;
  if (!GetVarint64(&in, &n) || n != end - blk.first) {
    return DataLossError(path_ + ": block " + std::to_string(b) + ": wrong record count");
  }
  out->first_ = blk.first;
  out->ends_.resize(n);
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!GetVarint64(&in, &len)) return DataLossError(path_ + ": block " + std::to_string(b) + ": bad length table");
    total += len;
    out->ends_[i] = static_cast<uint32_t>(total);
  }
  if (total != in.size()) {
    return DataLossError(path_ + ": block " + std::to_string(b) + ": entries do not fill the block");
  }
  // Entries are addressed from the start of plain_: shift the ends past the table.
  const uint32_t table = static_cast<uint32_t>(out->plain_.size() - in.size());
  for (auto& e : out->ends_) e += table;
  out->base_ = table;
  return OkStatus();
}

}  // namespace custody::store
