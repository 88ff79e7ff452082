// FaultInjectionEnv: an Env for tests that wraps a real Env and injects faults:
// failed writes after a byte budget, short writes, failed syncs, and a
// simulated crash that drops every byte not yet made durable by Sync().
// Thread-safety: all methods lock one mutex; usable from several threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "custody/base/env.h"

namespace custody {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  // After `bytes` more bytes are appended (across all files), the next Append
  // writes only the bytes still within budget (a short write) and fails, as
  // does every later Append. Negative disables.
  void FailWritesAfter(int64_t bytes);
  // The `n`-th Sync() from now (1 = next) and all later ones fail. 0 disables.
  void FailSyncAfter(int n);
  // Fails every RenameFile from now on.
  void FailRenames(bool fail);
  // Simulates power loss: every file written through this Env is truncated to
  // its last synced length; files created but never synced are removed.
  Status SimulateCrash();
  // Clears all injected faults.
  void Reset();

  int64_t bytes_written() const;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                       int mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                         int mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewExclusiveFile(const std::string& path,
                                                        int mode) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return base_->NewSequentialFile(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    return base_->MapFile(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_->GetChildren(dir);
  }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    return base_->GetFileSize(path);
  }
  Result<FileInfo> GetFileInfo(const std::string& path, bool follow_symlinks) override {
    return base_->GetFileInfo(path, follow_symlinks);
  }
  Status CreateDirs(const std::string& dir, int mode = 0755) override {
    return base_->CreateDirs(dir, mode);
  }
  Status RemoveFile(const std::string& path) override;
  Status RemoveTree(const std::string& path) override { return base_->RemoveTree(path); }
  Status RenameFile(const std::string& from, const std::string& to) override;
  // Fails like RenameFile when renames are failing.
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Result<bool> RemoveAbandonedFile(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override {
    return base_->Truncate(path, size);
  }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }
  Result<std::unique_ptr<FileLock>> AcquireLock(const std::string& path, LockMode mode,
                                                bool wait) override {
    return base_->AcquireLock(path, mode, wait);
  }

 private:
  friend class FaultWritableFile;
  struct FileState {
    uint64_t synced = 0;
    bool ever_synced = false;
  };
  // Returns how many of `n` bytes may be written, and whether to fail.
  size_t AdmitWrite(size_t n, bool* fail);
  bool AdmitSync();
  void RecordSync(const std::string& path, uint64_t size);
  void Track(const std::string& path, uint64_t initial_synced);

  Env* base_;
  mutable std::mutex mu_;
  int64_t write_budget_ = -1;
  int64_t bytes_written_ = 0;
  int sync_countdown_ = 0;
  bool syncs_failing_ = false;
  bool fail_renames_ = false;
  std::map<std::string, FileState> files_;
};

}  // namespace custody
