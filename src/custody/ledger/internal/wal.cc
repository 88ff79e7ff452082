#include "custody/ledger/internal/wal.h"

#include <algorithm>
#include <cstring>

#include <sodium.h>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/log_format.h"

namespace custody::ledger::internal {
namespace {

std::string Where(const std::string& path, uint64_t offset) {
  return BaseName(path) + ":" + std::to_string(offset);
}

bool SameBytes(std::string_view a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Header fields, body, checksum and MAC of one batch.
std::string EncodeBatch(uint64_t first_index, std::span<const std::string> entries,
                        const crypto::SecretBytes& mac_key, uint64_t file_offset,
                        std::vector<uint64_t>* offsets) {
  size_t body_len = 0;
  for (const auto& e : entries) body_len += 4 + e.size();
  std::string batch;
  batch.reserve(kWalBatchHeaderSize + body_len + kWalChecksumSize + kWalMacSize);
  PutFixed32(&batch, static_cast<uint32_t>(body_len));
  PutFixed64(&batch, first_index);
  PutFixed32(&batch, static_cast<uint32_t>(entries.size()));
  if (offsets) offsets->clear();
  for (const auto& e : entries) {
    PutFixed32(&batch, static_cast<uint32_t>(e.size()));
    if (offsets) offsets->push_back(file_offset + batch.size());
    batch += e;
  }
  batch += crypto::Prf(mac_key, batch, kWalMacSize);
  batch += crypto::DigestBytes(crypto::Sha256(batch));
  return batch;
}

}  // namespace

crypto::SecretBytes WalMacKey(const crypto::SecretBytes& signing_seed) {
  return crypto::DeriveKey(signing_seed, kWalMacKeyPurpose, 32);
}

namespace {

// The batches of `data` from byte `off` on, the first expected to start at
// entry `next_index`; fills `r` (valid_size, entries, torn_tail).
Status ScanBatches(const std::string& path, std::string_view data, uint64_t off,
                   uint64_t next_index, const crypto::SecretBytes* mac_key,
                   const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry,
                   WalScanResult* out) {
  WalScanResult& r = *out;
  const size_t mac_size = r.version == 2 ? kWalMacSize : 0;
  const size_t trailer = mac_size + kWalChecksumSize;
  r.authenticated = r.version == 2 && mac_key != nullptr;
  r.valid_size = off;
  r.entries = next_index;
  while (off < data.size()) {
    const uint64_t left = data.size() - off;
    if (left < kWalBatchHeaderSize) {
      r.torn_tail = "incomplete batch header at byte " + std::to_string(off);
      break;
    }
    const char* p = data.data() + off;
    const uint64_t body_len = DecodeFixed32(p);
    const uint64_t first = DecodeFixed64(p + 4);
    const uint64_t count = DecodeFixed32(p + 12);
    const uint64_t total = kWalBatchHeaderSize + body_len + trailer;
    if (total > left) {
      r.torn_tail = "batch at byte " + std::to_string(off) + " extends past the end of the file";
      break;
    }
    crypto::Digest sum = crypto::Sha256(data.substr(off, kWalBatchHeaderSize + body_len + mac_size));
    if (std::memcmp(sum.data(), p + kWalBatchHeaderSize + body_len + mac_size, sum.size()) != 0) {
      if (total == left) {
        r.torn_tail = "final batch at byte " + std::to_string(off) + " fails its checksum";
        break;
      }
      return DataLossError(Where(path, off) + ": batch of entries from " + std::to_string(first) +
                           ": checksum mismatch (expected SHA-256 of the batch)");
    }
    if (r.authenticated) {
      const std::string_view signed_part = data.substr(off, kWalBatchHeaderSize + body_len);
      const std::string_view mac = data.substr(off + kWalBatchHeaderSize + body_len, kWalMacSize);
      if (!SameBytes(mac, crypto::Prf(*mac_key, signed_part, kWalMacSize))) {
        return DataLossError(Where(path, off) + ": batch of entries from " +
                             std::to_string(first) +
                             ": MAC mismatch: not written with this vault's key (rewritten "
                             "or forged history)");
      }
    }
    if (first != next_index) {
      return DataLossError(Where(path, off) + ": batch: expected first entry " +
                           std::to_string(next_index) + ", found " + std::to_string(first) +
                           " (entries dropped or reordered)");
    }
    uint64_t pos = off + kWalBatchHeaderSize;
    const uint64_t end = pos + body_len;
    for (uint64_t i = 0; i < count; ++i) {
      if (end - pos < 4) {
        return DataLossError(Where(path, pos) + ": entry " + std::to_string(first + i) +
                             ": expected a length, found the end of the batch");
      }
      const uint64_t len = DecodeFixed32(data.data() + pos);
      if (len > end - pos - 4) {
        return DataLossError(Where(path, pos) + ": entry " + std::to_string(first + i) +
                             ": length " + std::to_string(len) + " exceeds the batch");
      }
      if (len > kMaxEntrySize) {
        // No writer makes one: an entry bundle could not carry it.
        return DataLossError(Where(path, pos) + ": entry " + std::to_string(first + i) +
                             ": length " + std::to_string(len) + ", expected at most " +
                             std::to_string(kMaxEntrySize));
      }
      on_entry(first + i, pos + 4, data.substr(pos + 4, len));
      pos += 4 + len;
    }
    if (pos != end) {
      return DataLossError(Where(path, pos) + ": batch: expected " + std::to_string(count) +
                           " entries to fill it, found trailing bytes");
    }
    next_index = first + count;
    off += total;
    r.valid_size = off;
    r.entries = next_index;
  }
  return OkStatus();
}

}  // namespace

Result<WalScanResult> ScanWal(
    Env* env, const std::string& path, const crypto::SecretBytes* mac_key,
    const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry) {
  WalScanResult r;
  if (!env->FileExists(path)) return r;
  CUSTODY_ASSIGN_OR_RETURN(r.file_size, env->GetFileSize(path));
  if (r.file_size == 0) return r;
  CUSTODY_ASSIGN_OR_RETURN(auto mapped, env->MapFile(path));
  const auto bytes = mapped->data();
  std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  r.file_size = data.size();
  if (data.size() < kWalMagic.size()) {
    if (kWalMagic.substr(0, data.size()) == data) {
      r.torn_tail = "incomplete header";
      return r;
    }
    return DataLossError(Where(path, 0) + ": header: expected the custody log magic");
  }
  if (data.substr(0, kWalMagic.size()) == kWalMagicV1) {
    r.version = 1;
  } else if (data.substr(0, kWalMagic.size()) != kWalMagic) {
    return DataLossError(Where(path, 0) + ": header: expected the custody log magic");
  }
  CUSTODY_RETURN_IF_ERROR(ScanBatches(path, data, kWalMagic.size(), 0, mac_key, on_entry, &r));
  return r;
}

Result<WalScanResult> ScanWalFrom(
    Env* env, const std::string& path, const crypto::SecretBytes* mac_key, uint64_t offset,
    uint64_t first_index,
    const std::function<void(uint64_t, uint64_t, std::string_view)>& on_entry) {
  if (offset < kWalMagic.size()) return ScanWal(env, path, mac_key, on_entry);
  WalScanResult r;
  auto size = env->GetFileSize(path);
  if (!size.ok() || *size < offset) {
    return DataLossError(Where(path, offset) + ": expected at least " + std::to_string(offset) +
                         " bytes (" + std::to_string(first_index) + " entries), found " +
                         (size.ok() ? std::to_string(*size) + " bytes" : size.status().message()) +
                         ": entries lost or the log rolled back");
  }
  r.file_size = *size;
  if (r.file_size == offset) {
    r.valid_size = offset;
    r.entries = first_index;
    r.authenticated = mac_key != nullptr;
    return r;
  }
  CUSTODY_ASSIGN_OR_RETURN(auto mapped, env->MapFile(path));
  const auto bytes = mapped->data();
  std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  r.file_size = data.size();
  if (data.size() < offset || data.substr(0, kWalMagic.size()) != kWalMagic) {
    return DataLossError(Where(path, 0) + ": header: expected the custody log magic of a "
                         "version 2 file of at least " + std::to_string(offset) + " bytes");
  }
  CUSTODY_RETURN_IF_ERROR(ScanBatches(path, data, offset, first_index, mac_key, on_entry, &r));
  return r;
}

Status RewriteWal(Env* env, const std::string& path, std::span<const std::string> entries,
                  const crypto::SecretBytes& mac_key) {
  constexpr size_t kRewriteBatch = 4096;
  std::string data(kWalMagic);
  for (size_t i = 0; i < entries.size(); i += kRewriteBatch) {
    const size_t n = std::min(kRewriteBatch, entries.size() - i);
    data += EncodeBatch(i, entries.subspan(i, n), mac_key, data.size(), nullptr);
  }
  // WriteFileAtomically: temp file, fsync, rename, fsync of the directory.
  return env->WriteFileAtomically(path, data, 0644);
}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(Env* env, const std::string& path,
                                                   uint64_t valid_size,
                                                   const crypto::SecretBytes& mac_key) {
  std::unique_ptr<WalWriter> w(new WalWriter());
  w->env_ = env;
  w->path_ = path;
  w->mac_key_ = mac_key.Clone();
  if (env->FileExists(path)) {
    CUSTODY_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(path));
    if (size != valid_size) CUSTODY_RETURN_IF_ERROR(env->Truncate(path, valid_size));
  }
  CUSTODY_ASSIGN_OR_RETURN(w->file_, env->NewAppendableFile(path));
  w->size_ = valid_size;
  if (valid_size == 0) {
    CUSTODY_RETURN_IF_ERROR(w->file_->Append(kWalMagic));
    CUSTODY_RETURN_IF_ERROR(w->file_->Sync());
    CUSTODY_RETURN_IF_ERROR(env->SyncDir(DirName(path)));
    w->size_ = kWalMagic.size();
  }
  return w;
}

Status WalWriter::AppendBatch(uint64_t first_index, std::span<const std::string> entries,
                              std::vector<uint64_t>* offsets) {
  if (broken_) {
    return FailedPreconditionError(BaseName(path_) +
                                   ": an earlier write failed; reopen the log to recover");
  }
  size_t body_len = 0;
  for (const auto& e : entries) body_len += 4 + e.size();
  if (body_len > kMaxWalBatchBody) {
    return InvalidArgumentError("log batch: expected at most 2 GiB of entries");
  }
  const std::string batch = EncodeBatch(first_index, entries, mac_key_, size_, offsets);
  Status s = file_->Append(batch);
  if (s.ok()) s = file_->Sync();
  if (!s.ok()) {
    broken_ = true;
    env_->Truncate(path_, size_).IgnoreError();
    return s.WithPrefix(BaseName(path_) + ": append of entries from " +
                        std::to_string(first_index));
  }
  size_ += batch.size();
  return OkStatus();
}

Status WalWriter::Resync(uint64_t valid_size) {
  if (broken_) {
    return FailedPreconditionError(BaseName(path_) +
                                   ": an earlier write failed; reopen the log to recover");
  }
  CUSTODY_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path_));
  if (size != valid_size) CUSTODY_RETURN_IF_ERROR(env_->Truncate(path_, valid_size));
  size_ = valid_size;
  return OkStatus();
}

}  // namespace custody::ledger::internal
