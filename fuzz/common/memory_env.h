// MemoryEnv: an Env whose files live in memory, for fuzz targets that feed
// bytes to parsers which read through an Env (a path, a mapping, a log
// directory). Directories exist implicitly: a path is a directory if
// CreateDirs made it or a file lies below it. Locks always succeed.
// Thread-safety: one mutex around the file map; file objects are not
// thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "custody/base/env.h"

namespace custody::fuzz {

class MemoryEnv final : public Env {
 public:
  // Creates or replaces `path` with `data` (its directories are implied).
  void Put(const std::string& path, std::string_view data);
  // The contents of `path`, or "" if there is no such file.
  std::string Get(const std::string& path) const;
  // Removes every file and directory.
  void Clear();

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                       int mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                         int mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewExclusiveFile(const std::string& path,
                                                        int mode) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override;
  Result<uint64_t> GetFileSize(const std::string& path) override;
  Status CreateDirs(const std::string& dir, int mode = 0755) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveTree(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Result<FileInfo> GetFileInfo(const std::string& path, bool follow_symlinks) override;
  Result<bool> RemoveAbandonedFile(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

 private:
  friend class MemoryWritableFile;
  void Append(const std::string& path, std::string_view data);

  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::set<std::string> dirs_;
};

}  // namespace custody::fuzz
