// Env: custody's file-system layer. All persistent I/O goes through an Env so
// tests can inject faults (see fault_injection_env.h). PosixEnv is the real one.
// Thread-safety: Env::Default() is thread-safe; file objects are not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody {

// A file opened for appending bytes.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Flushes user-space buffers and fsyncs the file's data.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file (including not yet synced ones).
  virtual uint64_t Size() const = 0;
};

// A file read from start to end.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `scratch`; returns the count (0 at end of file).
  virtual Result<size_t> Read(size_t n, char* scratch) = 0;
};

// A file read at arbitrary offsets.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly `n` bytes at `offset`; kOutOfRange if the file is shorter.
  virtual Status ReadAt(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual uint64_t Size() const = 0;
};

// A read-only memory mapping of a whole file.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::span<const std::byte> data() const = 0;
};

// An advisory lock (exclusive or shared), released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class LockMode { kExclusive, kShared };

// What a directory entry is (as lstat(2) sees it when symbolic links are not followed).
enum class FileKind { kRegular, kDirectory, kSymlink, kOther };

struct FileInfo {
  FileKind kind = FileKind::kOther;
  uint32_t mode = 0;  // permission bits (st_mode & 07777)
  uint64_t size = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env.
  static Env* Default();

  // Creates or truncates `path`.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                               int mode = 0644) = 0;
  // Opens `path` for appending, creating it if missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                                 int mode = 0644) = 0;
  // Creates `path` with `mode` (less the umask) for writing, never reusing or
  // following what is there: kAlreadyExists if any entry exists at `path`, a
  // symbolic link (dangling or not) included (O_CREAT|O_EXCL|O_NOFOLLOW). The
  // file holds an advisory lock while it is open, which tells
  // RemoveAbandonedFile that its writer is alive.
  virtual Result<std::unique_ptr<WritableFile>> NewExclusiveFile(const std::string& path,
                                                                int mode) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Describes `path`; with `follow_symlinks` false, a symbolic link is
  // described itself (kSymlink) rather than its target. kNotFound if missing.
  virtual Result<FileInfo> GetFileInfo(const std::string& path, bool follow_symlinks) = 0;
  // Creates `dir` and missing parents; OK if it exists.
  virtual Status CreateDirs(const std::string& dir, int mode = 0755) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes a directory tree (used to discard staging areas).
  virtual Status RemoveTree(const std::string& path) = 0;
  // Atomically renames (POSIX rename semantics).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Renames atomically unless `to` exists: kAlreadyExists then, and nothing
  // is changed (no-clobber; `to` being a symbolic link counts as existing).
  virtual Status RenameNoReplace(const std::string& from, const std::string& to) = 0;
  // Removes the regular file `path` if no process has it open through
  // NewExclusiveFile (its writer was killed or crashed) and returns true;
  // returns false and leaves it if its writer is alive, or if `path` is not
  // a regular file or is missing.
  virtual Result<bool> RemoveAbandonedFile(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // fsyncs a directory so that renames and creations in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `path` (created if missing); fails
  // with kUnavailable if another process holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
  // Takes an advisory lock on `path` (created if missing) in `mode`: an
  // exclusive lock excludes every other lock, shared locks exclude only an
  // exclusive one. Two locks conflict even when one process takes both
  // (each call opens the file anew). With `wait`, blocks until the lock is
  // free; without, fails with kUnavailable if a conflicting lock is held.
  // The default implementation supports only an exclusive lock without
  // waiting (LockFile) and returns kUnimplemented for the rest.
  virtual Result<std::unique_ptr<FileLock>> AcquireLock(const std::string& path, LockMode mode,
                                                        bool wait);

  // Helpers built on the primitives above.
  Result<std::string> ReadFileToString(const std::string& path);
  // Writes `data` to a temporary sibling, fsyncs it, renames it over `path`
  // and fsyncs the directory: readers see the old or the new file, never a mix.
  // The temporary file is a TempSiblingPath of `path` made by
  // NewExclusiveFile, so a file or link planted under its name is never
  // written through.
  Status WriteFileAtomically(const std::string& path, std::string_view data, int mode = 0644);
  // Removes the abandoned temporary files (IsTempSiblingName) in `dir` that
  // an interrupted write left behind (RemoveAbandonedFile); returns how many
  // it removed. Errors: those of listing `dir` or removing a file.
  Result<int> RemoveAbandonedTempFiles(const std::string& dir);
};

// A fresh name for a temporary sibling of `path`: ".<name>.tmp-<12 random hex
// digits>" in the same directory (so renaming it over `path` is atomic).
std::string TempSiblingPath(std::string_view path);
// Whether the directory entry `name` has the form TempSiblingPath gives.
bool IsTempSiblingName(std::string_view name);

// Joins path components with '/'.
std::string JoinPath(std::string_view a, std::string_view b);
// The directory part of `path` ("." if none).
std::string DirName(std::string_view path);
// The last component of `path`.
std::string BaseName(std::string_view path);

}  // namespace custody
