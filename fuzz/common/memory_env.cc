#include "memory_env.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace custody::fuzz {
namespace {

bool Below(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

// A copy of the contents in an allocation of exactly their size, so an
// address sanitizer sees any read past the end.
std::unique_ptr<char[]> ExactCopy(const std::string& s) {
  std::unique_ptr<char[]> p(new char[s.size() == 0 ? 1 : s.size()]);
  if (!s.empty()) std::memcpy(p.get(), s.data(), s.size());
  return p;
}

class MemorySequentialFile final : public SequentialFile {
 public:
  explicit MemorySequentialFile(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(size_t n, char* scratch) override {
    const size_t k = std::min(n, data_.size() - pos_);
    if (k > 0) std::memcpy(scratch, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemoryRandomAccessFile(std::string data) : data_(std::move(data)) {}
  Status ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    if (offset > data_.size() || n > data_.size() - offset) {
      return OutOfRangeError("read of " + std::to_string(n) + " bytes at " +
                             std::to_string(offset) + " past the end (" +
                             std::to_string(data_.size()) + " bytes)");
    }
    if (n > 0) std::memcpy(scratch, data_.data() + offset, n);
    return OkStatus();
  }
  uint64_t Size() const override { return data_.size(); }

 private:
  std::string data_;
};

class MemoryMappedFile final : public MappedFile {
 public:
  explicit MemoryMappedFile(const std::string& data) : size_(data.size()), data_(ExactCopy(data)) {}
  std::span<const std::byte> data() const override {
    return {reinterpret_cast<const std::byte*>(data_.get()), size_};
  }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

class MemoryFileLock final : public FileLock {};

}  // namespace

class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(MemoryEnv* env, std::string path, uint64_t size)
      : env_(env), path_(std::move(path)), size_(size) {}
  Status Append(std::string_view data) override {
    env_->Append(path_, data);
    size_ += data.size();
    return OkStatus();
  }
  Status Sync() override { return OkStatus(); }
  Status Close() override { return OkStatus(); }
  uint64_t Size() const override { return size_; }

 private:
  MemoryEnv* env_;
  std::string path_;
  uint64_t size_;
};

void MemoryEnv::Put(const std::string& path, std::string_view data) {
  std::lock_guard<std::mutex> l(mu_);
  files_[path] = std::string(data);
}

std::string MemoryEnv::Get(const std::string& path) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second;
}

void MemoryEnv::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  files_.clear();
  dirs_.clear();
}

void MemoryEnv::Append(const std::string& path, std::string_view data) {
  std::lock_guard<std::mutex> l(mu_);
  files_[path].append(data);
}

Result<std::unique_ptr<WritableFile>> MemoryEnv::NewWritableFile(const std::string& path, int) {
  std::lock_guard<std::mutex> l(mu_);
  files_[path].clear();
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(this, path, 0));
}

Result<std::unique_ptr<WritableFile>> MemoryEnv::NewAppendableFile(const std::string& path, int) {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t size = files_[path].size();
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(this, path, size));
}

Result<std::unique_ptr<SequentialFile>> MemoryEnv::NewSequentialFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  return std::unique_ptr<SequentialFile>(new MemorySequentialFile(it->second));
}

Result<std::unique_ptr<RandomAccessFile>> MemoryEnv::NewRandomAccessFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  return std::unique_ptr<RandomAccessFile>(new MemoryRandomAccessFile(it->second));
}

Result<std::unique_ptr<MappedFile>> MemoryEnv::MapFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  return std::unique_ptr<MappedFile>(new MemoryMappedFile(it->second));
}

bool MemoryEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.count(path) || dirs_.count(path)) return true;
  for (const auto& [p, _] : files_) {
    if (Below(p, path)) return true;
  }
  return false;
}

bool MemoryEnv::IsDirectory(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (dirs_.count(path)) return true;
  for (const auto& [p, _] : files_) {
    if (Below(p, path)) return true;
  }
  return false;
}

Result<std::vector<std::string>> MemoryEnv::GetChildren(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  std::set<std::string> names;
  auto add = [&](const std::string& p) {
    if (!Below(p, dir)) return;
    const std::string rest = p.substr(dir.size() + 1);
    names.insert(rest.substr(0, rest.find('/')));
  };
  for (const auto& [p, _] : files_) add(p);
  for (const auto& d : dirs_) add(d);
  return std::vector<std::string>(names.begin(), names.end());
}

Result<uint64_t> MemoryEnv::GetFileSize(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  return static_cast<uint64_t>(it->second.size());
}

Status MemoryEnv::CreateDirs(const std::string& dir, int) {
  std::lock_guard<std::mutex> l(mu_);
  dirs_.insert(dir);
  return OkStatus();
}

Status MemoryEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.erase(path) == 0) return NotFoundError(path + ": no such file");
  return OkStatus();
}

Status MemoryEnv::RemoveTree(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = files_.begin(); it != files_.end();) {
    it = (it->first == path || Below(it->first, path)) ? files_.erase(it) : std::next(it);
  }
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    it = (*it == path || Below(*it, path)) ? dirs_.erase(it) : std::next(it);
  }
  return OkStatus();
}

Status MemoryEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return NotFoundError(from + ": no such file");
  std::string data = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(data);
  return OkStatus();
}

Status MemoryEnv::RenameNoReplace(const std::string& from, const std::string& to) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (files_.count(to)) return AlreadyExistsError(to + ": exists");
  }
  return RenameFile(from, to);
}

Result<std::unique_ptr<WritableFile>> MemoryEnv::NewExclusiveFile(const std::string& path, int) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.count(path)) return AlreadyExistsError(path + ": exists");
  files_[path].clear();
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(this, path, 0));
}

Result<FileInfo> MemoryEnv::GetFileInfo(const std::string& path, bool) {
  FileInfo info;
  if (IsDirectory(path)) {
    info.kind = FileKind::kDirectory;
    info.mode = 0755;
    return info;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  info.kind = FileKind::kRegular;
  info.mode = 0600;
  info.size = it->second.size();
  return info;
}

// In memory no writer can die: nothing is ever abandoned.
Result<bool> MemoryEnv::RemoveAbandonedFile(const std::string&) { return false; }

Status MemoryEnv::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError(path + ": no such file");
  it->second.resize(size);
  return OkStatus();
}

Status MemoryEnv::SyncDir(const std::string&) { return OkStatus(); }

Result<std::unique_ptr<FileLock>> MemoryEnv::LockFile(const std::string&) {
  return std::unique_ptr<FileLock>(new MemoryFileLock());
}

}  // namespace custody::fuzz
