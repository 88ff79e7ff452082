#include "custody/store/segment.h"

#include <zstd.h>

#include <cstdio>
#include <cstring>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/segment_format.h"
#include "custody/store/word_file.h"

namespace custody::store {
namespace {

std::string SegmentName(int seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "seg-%06d.cseg", seq);
  return buf;
}

std::string SegmentAd(std::string_view header, const std::string& context, int seq) {
  std::string ad(header);
  ad += context;
  ad += ":seg:";
  ad += std::to_string(seq);
  return ad;
}

}  // namespace

std::string VersionContext(DatasetId dataset_id, int version) {
  return "dataset:" + ToString(dataset_id) + ":v" + std::to_string(version);
}

SegmentWriter::SegmentWriter(Env* env, std::string dir, std::string rel_dir,
                             const crypto::SecretBytes& key, std::string context,
                             uint64_t first_record_id, uint32_t max_records)
    : env_(env),
      dir_(std::move(dir)),
      rel_dir_(std::move(rel_dir)),
      key_(key),
      context_(std::move(context)),
      first_id_(first_record_id),
      next_id_(first_record_id),
      seg_first_id_(first_record_id),
      max_records_(max_records == 0 ? kSegmentMaxRecords : max_records) {}

Status SegmentWriter::Add(std::string_view record, std::string_view content_id,
                          std::string_view words) {
  CUSTODY_CHECK(content_id.size() == kContentIdSize);
  words_.append(words);
  word_lengths_.push_back(static_cast<uint32_t>(words.size()));
  PutVarint64(&lengths_, record.size());
  cids_.append(content_id);
  all_cids_.append(content_id);
  bodies_.append(record);
  ++seg_count_;
  ++next_id_;
  if (bodies_.size() >= kSegmentTargetBytes || seg_count_ >= max_records_) return Flush();
  return OkStatus();
}

Status SegmentWriter::Flush() {
  if (seg_count_ == 0) return OkStatus();
  std::string payload;
  payload.reserve(lengths_.size() + cids_.size() + bodies_.size());
  payload += lengths_;
  payload += cids_;
  payload += bodies_;
  compressed_.resize(ZSTD_compressBound(payload.size()));
  size_t n = ZSTD_compress(compressed_.data(), compressed_.size(), payload.data(), payload.size(),
                           kSegmentZstdLevel);
  if (ZSTD_isError(n)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(n));
  std::string header(kSegmentMagic, sizeof(kSegmentMagic));
  PutFixed32(&header, kSegmentFormat);
  PutFixed64(&header, seg_first_id_);
  PutFixed32(&header, seg_count_);
  PutFixed32(&header, static_cast<uint32_t>(payload.size()));
  int seq = static_cast<int>(segments_.size()) + 1;
  CUSTODY_ASSIGN_OR_RETURN(
      std::string sealed,
      crypto::AeadSeal(key_, std::string_view(compressed_.data(), n), SegmentAd(header, context_, seq)));
  std::string name = SegmentName(seq);
  {
    CUSTODY_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(JoinPath(dir_, name), 0600));
    CUSTODY_RETURN_IF_ERROR(f->Append(header));
    CUSTODY_RETURN_IF_ERROR(f->Append(sealed));
    CUSTODY_RETURN_IF_ERROR(f->Sync());
    CUSTODY_RETURN_IF_ERROR(f->Close());
  }
  CUSTODY_ASSIGN_OR_RETURN(int64_t word_bytes,
                           WriteWordFile(env_, JoinPath(dir_, WordFileName(seq)), key_, context_,
                                         seq, seg_first_id_, words_, word_lengths_));
  stored_bytes_ += word_bytes;
  words_.clear();
  word_lengths_.clear();
  SegmentInfo info;
  info.seq = seq;
  info.first_record_id = seg_first_id_;
  info.count = seg_count_;
  info.file = JoinPath(rel_dir_, name);
  info.bytes = static_cast<int64_t>(header.size() + sealed.size());
  stored_bytes_ += info.bytes;
  segments_.push_back(info);
  seg_first_id_ = next_id_;
  seg_count_ = 0;
  lengths_.clear();
  cids_.clear();
  bodies_.clear();
  return OkStatus();
}

Status SegmentWriter::Finish() {
  CUSTODY_RETURN_IF_ERROR(Flush());
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed, crypto::AeadSeal(key_, all_cids_, "cids:" + context_));
  {
    CUSTODY_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(JoinPath(dir_, kContentIdsFile), 0600));
    CUSTODY_RETURN_IF_ERROR(f->Append(sealed));
    CUSTODY_RETURN_IF_ERROR(f->Sync());
    CUSTODY_RETURN_IF_ERROR(f->Close());
  }
  stored_bytes_ += static_cast<int64_t>(sealed.size());
  return env_->SyncDir(dir_);
}

Result<SegmentContents> ReadSegment(Env* env, const std::string& path,
                                    const crypto::SecretBytes& key, const std::string& context,
                                    int seq) {
  CUSTODY_ASSIGN_OR_RETURN(std::string data, env->ReadFileToString(path));
  if (data.size() < kSegmentHeaderSize || std::memcmp(data.data(), kSegmentMagic, 8) != 0) {
    return DataLossError(path + ": not a custody segment (bad header): tampered or corrupt");
  }
  std::string_view header(data.data(), kSegmentHeaderSize);
  uint32_t format = DecodeFixed32(data.data() + 8);
  if (format != kSegmentFormat) {
    return DataLossError(path + ": segment format " + std::to_string(format) + ", expected 1");
  }
  SegmentContents out;
  out.first_record_id = DecodeFixed64(data.data() + 12);
  uint32_t count = DecodeFixed32(data.data() + 20);
  uint32_t payload_size = DecodeFixed32(data.data() + 24);
  auto compressed = crypto::AeadOpen(key, std::string_view(data).substr(kSegmentHeaderSize),
                                     SegmentAd(header, context, seq));
  if (!compressed.ok()) {
    return DataLossError(path + ": segment failed authentication: tampered or corrupt "
                         "(or its dataset key was destroyed)");
  }
  // The header is authentic but its sizes are still checked before they
  // size anything: the zstd frame must state the payload size, and every
  // record takes at least a length byte and a content id.
  const unsigned long long stated = ZSTD_getFrameContentSize(compressed->data(), compressed->size());
  if (stated != payload_size) {
    return DataLossError(path + ": segment payload size " + std::to_string(payload_size) +
                         ": expected the size its zstd frame states");
  }
  if (count > payload_size / (1 + kContentIdSize)) {
    return DataLossError(path + ": segment record count " + std::to_string(count) +
                         " exceeds what a payload of " + std::to_string(payload_size) +
                         " bytes holds");
  }
  std::string payload(payload_size, '\0');
  size_t n = ZSTD_decompress(payload.data(), payload.size(), compressed->data(), compressed->size());
  if (ZSTD_isError(n) || n != payload_size) {
    return DataLossError(path + ": segment payload does not decompress to its stated size");
  }
  std::string_view in(payload);
  std::vector<uint64_t> lens(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (!GetVarint64(&in, &lens[i])) return DataLossError(path + ": bad record length table");
  }
  if (in.size() < static_cast<size_t>(count) * kContentIdSize) {
    return DataLossError(path + ": truncated content-id table");
  }
  out.content_ids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    out.content_ids.emplace_back(in.substr(i * kContentIdSize, kContentIdSize));
  }
  in.remove_prefix(static_cast<size_t>(count) * kContentIdSize);
  out.records.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (in.size() < lens[i]) return DataLossError(path + ": truncated record " + std::to_string(i));
    out.records.emplace_back(in.substr(0, lens[i]));
    in.remove_prefix(lens[i]);
  }
  if (!in.empty()) return DataLossError(path + ": trailing bytes after the last record");
  return out;
}

Result<std::vector<std::string>> ReadContentIds(Env* env, const std::string& dir,
                                                const crypto::SecretBytes& key,
                                                const std::string& context) {
  std::string path = JoinPath(dir, kContentIdsFile);
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed, env->ReadFileToString(path));
  auto plain = crypto::AeadOpen(key, sealed, "cids:" + context);
  if (!plain.ok()) return DataLossError(path + ": failed authentication: tampered or corrupt");
  if (plain->size() % kContentIdSize != 0) return DataLossError(path + ": bad length");
  std::vector<std::string> out;
  out.reserve(plain->size() / kContentIdSize);
  for (size_t i = 0; i < plain->size(); i += kContentIdSize) {
    out.push_back(plain->substr(i, kContentIdSize));
  }
  return out;
}

}  // namespace custody::store
