#include "custody/base/fault_injection_env.h"

namespace custody {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    bool fail = false;
    size_t n = env_->AdmitWrite(data.size(), &fail);
    if (n > 0) CUSTODY_RETURN_IF_ERROR(base_->Append(data.substr(0, n)));
    if (fail) return InternalError(path_ + ": injected write failure");
    return OkStatus();
  }
  Status Sync() override {
    if (!env_->AdmitSync()) return InternalError(path_ + ": injected sync failure");
    CUSTODY_RETURN_IF_ERROR(base_->Sync());
    env_->RecordSync(path_, base_->Size());
    return OkStatus();
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectionEnv::FailWritesAfter(int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  write_budget_ = bytes < 0 ? -1 : bytes_written_ + bytes;
}

void FaultInjectionEnv::FailSyncAfter(int n) {
  std::lock_guard<std::mutex> l(mu_);
  sync_countdown_ = n;
  syncs_failing_ = false;
}

void FaultInjectionEnv::FailRenames(bool fail) {
  std::lock_guard<std::mutex> l(mu_);
  fail_renames_ = fail;
}

void FaultInjectionEnv::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  write_budget_ = -1;
  sync_countdown_ = 0;
  syncs_failing_ = false;
  fail_renames_ = false;
}

int64_t FaultInjectionEnv::bytes_written() const {
  std::lock_guard<std::mutex> l(mu_);
  return bytes_written_;
}

size_t FaultInjectionEnv::AdmitWrite(size_t n, bool* fail) {
  std::lock_guard<std::mutex> l(mu_);
  *fail = false;
  size_t allowed = n;
  if (write_budget_ >= 0) {
    int64_t left = write_budget_ - bytes_written_;
    if (left < static_cast<int64_t>(n)) {
      allowed = left > 0 ? static_cast<size_t>(left) : 0;
      *fail = true;
    }
  }
  bytes_written_ += static_cast<int64_t>(allowed);
  return allowed;
}

bool FaultInjectionEnv::AdmitSync() {
  std::lock_guard<std::mutex> l(mu_);
  if (syncs_failing_) return false;
  if (sync_countdown_ > 0 && --sync_countdown_ == 0) {
    syncs_failing_ = true;
    return false;
  }
  return true;
}

void FaultInjectionEnv::RecordSync(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  auto& st = files_[path];
  st.synced = size;
  st.ever_synced = true;
}

void FaultInjectionEnv::Track(const std::string& path, uint64_t initial_synced) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    files_[path] = FileState{initial_synced, initial_synced > 0};
  } else {
    // Reopened: bytes already on disk from before count as synced only if
    // they were synced earlier.
    it->second.synced = std::min(it->second.synced, initial_synced);
  }
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path,
                                                                        int mode) {
  CUSTODY_ASSIGN_OR_RETURN(auto f, base_->NewWritableFile(path, mode));
  {
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = FileState{};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewExclusiveFile(const std::string& path,
                                                                         int mode) {
  CUSTODY_ASSIGN_OR_RETURN(auto f, base_->NewExclusiveFile(path, mode));
  {
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = FileState{};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(const std::string& path,
                                                                          int mode) {
  bool existed = base_->FileExists(path);
  CUSTODY_ASSIGN_OR_RETURN(auto f, base_->NewAppendableFile(path, mode));
  Track(path, existed ? f->Size() : 0);
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  {
    std::lock_guard<std::mutex> l(mu_);
    files_.erase(path);
  }
  return base_->RemoveFile(path);
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (fail_renames_) return InternalError(from + ": injected rename failure");
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(it);
    }
  }
  return base_->RenameFile(from, to);
}

Status FaultInjectionEnv::RenameNoReplace(const std::string& from, const std::string& to) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (fail_renames_) return InternalError(from + ": injected rename failure");
  }
  CUSTODY_RETURN_IF_ERROR(base_->RenameNoReplace(from, to));
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(it);
  }
  return OkStatus();
}

Result<bool> FaultInjectionEnv::RemoveAbandonedFile(const std::string& path) {
  CUSTODY_ASSIGN_OR_RETURN(bool removed, base_->RemoveAbandonedFile(path));
  if (removed) {
    std::lock_guard<std::mutex> l(mu_);
    files_.erase(path);
  }
  return removed;
}

Status FaultInjectionEnv::SimulateCrash() {
  std::map<std::string, FileState> files;
  {
    std::lock_guard<std::mutex> l(mu_);
    files = files_;
  }
  for (const auto& [path, st] : files) {
    if (!base_->FileExists(path)) continue;
    if (!st.ever_synced && st.synced == 0) {
      CUSTODY_RETURN_IF_ERROR(base_->RemoveFile(path));
    } else {
      CUSTODY_RETURN_IF_ERROR(base_->Truncate(path, st.synced));
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  files_.clear();
  return OkStatus();
}

}  // namespace custody
