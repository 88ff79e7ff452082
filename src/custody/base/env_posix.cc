// PosixEnv: the real file system.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "custody/base/env.h"

namespace custody {
namespace {

Status PosixError(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOENT: return NotFoundError(std::move(msg));
    case EEXIST: return AlreadyExistsError(std::move(msg));
    case EACCES:
    case EPERM: return PermissionDeniedError(std::move(msg));
    case ENOSPC: return ResourceExhaustedError(std::move(msg));
    default: return InternalError(std::move(msg));
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      FlushBuffer().IgnoreError();
      ::close(fd_);
    }
  }
  Status Append(std::string_view data) override {
    if (fd_ < 0) return FailedPreconditionError(path_ + ": file is closed");
    size_ += data.size();
    if (buf_.size() + data.size() <= kBufSize) {
      buf_.append(data);
      return OkStatus();
    }
    CUSTODY_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() >= kBufSize) return WriteRaw(data);
    buf_.append(data);
    return OkStatus();
  }
  Status Sync() override {
    CUSTODY_RETURN_IF_ERROR(FlushBuffer());
    if (::fdatasync(fd_) != 0) return PosixError(path_ + ": fsync", errno);
    return OkStatus();
  }
  Status Close() override {
    if (fd_ < 0) return OkStatus();
    Status s = FlushBuffer();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_ + ": close", errno);
    fd_ = -1;
    return s;
  }
  uint64_t Size() const override { return size_; }

 private:
  static constexpr size_t kBufSize = 1 << 16;
  Status FlushBuffer() {
    if (buf_.empty()) return OkStatus();
    Status s = WriteRaw(buf_);
    buf_.clear();
    return s;
  }
  Status WriteRaw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_ + ": write", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }
  std::string path_;
  int fd_;
  uint64_t size_;
  std::string buf_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  Result<size_t> Read(size_t n, char* scratch) override {
    while (true) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_ + ": read", errno);
      }
      return static_cast<size_t>(r);
    }
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  Status ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_ + ": read", errno);
      }
      if (r == 0) {
        return OutOfRangeError(path_ + ": expected " + std::to_string(n) + " bytes at offset " +
                               std::to_string(offset) + ", file ends at " + std::to_string(size_));
      }
      done += static_cast<size_t>(r);
    }
    return OkStatus();
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixMappedFile final : public MappedFile {
 public:
  PosixMappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~PosixMappedFile() override {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  std::span<const std::byte> data() const override {
    return {static_cast<const std::byte*>(addr_), size_};
  }

 private:
  void* addr_;
  size_t size_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                       int mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return PosixError(path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, 0));
  }
  Result<std::unique_ptr<WritableFile>> NewExclusiveFile(const std::string& path,
                                                        int mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return PosixError(path, errno);
    // The lock marks the file as in use (RemoveAbandonedFile). A clean-up
    // that locked it between open and flock has unlinked it: report that
    // rather than write a file that can never be renamed into place.
    struct stat st;
    if (::flock(fd, LOCK_EX) != 0 || ::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return PosixError(path, e);
    }
    if (st.st_nlink == 0) {
      ::close(fd);
      return UnavailableError(path + ": removed by a concurrent clean-up while being created; "
                              "try again");
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, 0));
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                         int mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return PosixError(path, e);
    }
    return std::unique_ptr<WritableFile>(
        new PosixWritableFile(path, fd, static_cast<uint64_t>(st.st_size)));
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return PosixError(path, e);
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size)));
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return PosixError(path, e);
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
      addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (addr == MAP_FAILED) {
        int e = errno;
        ::close(fd);
        return PosixError(path + ": mmap", e);
      }
    }
    ::close(fd);
    return std::unique_ptr<MappedFile>(new PosixMappedFile(addr, size));
  }
  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      out.emplace_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  Result<FileInfo> GetFileInfo(const std::string& path, bool follow_symlinks) override {
    struct stat st;
    int r = follow_symlinks ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (r != 0) return PosixError(path, errno);
    FileInfo info;
    if (S_ISREG(st.st_mode)) {
      info.kind = FileKind::kRegular;
    } else if (S_ISDIR(st.st_mode)) {
      info.kind = FileKind::kDirectory;
    } else if (S_ISLNK(st.st_mode)) {
      info.kind = FileKind::kSymlink;
    }
    info.mode = static_cast<uint32_t>(st.st_mode & 07777);
    info.size = static_cast<uint64_t>(st.st_size);
    return info;
  }
  Status CreateDirs(const std::string& dir, int mode) override {
    if (dir.empty() || IsDirectory(dir)) return OkStatus();
    std::string parent = DirName(dir);
    if (parent != dir && parent != "." && parent != "/") {
      CUSTODY_RETURN_IF_ERROR(CreateDirs(parent, mode));
    }
    if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return PosixError(dir, errno);
    }
    return OkStatus();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, errno);
    return OkStatus();
  }
  Status RemoveTree(const std::string& path) override {
    if (!IsDirectory(path)) {
      if (!FileExists(path)) return OkStatus();
      return RemoveFile(path);
    }
    CUSTODY_ASSIGN_OR_RETURN(auto children, GetChildren(path));
    for (const auto& c : children) CUSTODY_RETURN_IF_ERROR(RemoveTree(JoinPath(path, c)));
    if (::rmdir(path.c_str()) != 0) return PosixError(path, errno);
    return OkStatus();
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError(from + " -> " + to, errno);
    return OkStatus();
  }
  Status RenameNoReplace(const std::string& from, const std::string& to) override {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
      return OkStatus();
    }
    if (errno != EINVAL && errno != ENOSYS) return PosixError(from + " -> " + to, errno);
    // A file system without RENAME_NOREPLACE: link(2) fails if `to` exists.
    if (::link(from.c_str(), to.c_str()) != 0) return PosixError(from + " -> " + to, errno);
    if (::unlink(from.c_str()) != 0) return PosixError(from, errno);
    return OkStatus();
  }
  Result<bool> RemoveAbandonedFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      // Gone already, a symbolic link, or another user's: not ours to remove.
      if (errno == ENOENT || errno == ELOOP || errno == EACCES || errno == EPERM) return false;
      return PosixError(path, errno);
    }
    struct stat opened, named;
    bool abandoned = ::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
                     ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::lstat(path.c_str(), &named) == 0 &&
                     named.st_dev == opened.st_dev && named.st_ino == opened.st_ino;
    Status s;
    if (abandoned && ::unlink(path.c_str()) != 0) {
      abandoned = false;
      if (errno != ENOENT && errno != EPERM && errno != EACCES) s = PosixError(path, errno);
    }
    ::close(fd);
    if (!s.ok()) return s;
    return abandoned;
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return PosixError(path, errno);
    return OkStatus();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, errno);
    int r = ::fsync(fd);
    int e = errno;
    ::close(fd);
    if (r != 0) return PosixError(dir + ": fsync", e);
    return OkStatus();
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return AcquireLock(path, LockMode::kExclusive, /*wait=*/false);
  }
  Result<std::unique_ptr<FileLock>> AcquireLock(const std::string& path, LockMode mode,
                                                bool wait) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return PosixError(path, errno);
    const int op = (mode == LockMode::kExclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
    int r;
    do {
      r = ::flock(fd, op);
    } while (r != 0 && errno == EINTR);
    if (r != 0) {
      int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK) {
        return UnavailableError(path + ": locked by another custody process");
      }
      return PosixError(path, e);
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();
  return env;
}

}  // namespace custody
