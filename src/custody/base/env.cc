#include "custody/base/env.h"

#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

namespace custody {

Result<std::unique_ptr<FileLock>> Env::AcquireLock(const std::string& path, LockMode mode,
                                                   bool wait) {
  if (mode == LockMode::kExclusive && !wait) return LockFile(path);
  return UnimplementedError(path + ": this file system offers only exclusive locks without waiting");
}

Result<std::string> Env::ReadFileToString(const std::string& path) {
  CUSTODY_ASSIGN_OR_RETURN(auto file, NewSequentialFile(path));
  std::string out;
  std::string buf(1 << 16, '\0');
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(size_t n, file->Read(buf.size(), buf.data()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  return out;
}

Status Env::WriteFileAtomically(const std::string& path, std::string_view data, int mode) {
  const std::string tmp = TempSiblingPath(path);
  {
    CUSTODY_ASSIGN_OR_RETURN(auto f, NewExclusiveFile(tmp, mode));
    Status s = f->Append(data);
    if (s.ok()) s = f->Sync();
    if (s.ok()) s = f->Close();
    if (!s.ok()) {
      RemoveFile(tmp).IgnoreError();
      return s;
    }
  }
  Status s = RenameFile(tmp, path);
  if (!s.ok()) {
    RemoveFile(tmp).IgnoreError();
    return s;
  }
  return SyncDir(DirName(path));
}

Result<int> Env::RemoveAbandonedTempFiles(const std::string& dir) {
  CUSTODY_ASSIGN_OR_RETURN(auto names, GetChildren(dir));
  int removed = 0;
  for (const auto& name : names) {
    if (!IsTempSiblingName(name)) continue;
    CUSTODY_ASSIGN_OR_RETURN(bool gone, RemoveAbandonedFile(JoinPath(dir, name)));
    if (gone) ++removed;
  }
  return removed;
}

namespace {

constexpr std::string_view kTempMarker = ".tmp-";
constexpr size_t kTempRandomHex = 12;

// Six unpredictable bytes as hex: getrandom(2), or (should it fail) the
// process id, a counter and the clock, still unique within this machine.
std::string RandomHex() {
  unsigned char b[kTempRandomHex / 2];
  if (::getrandom(b, sizeof(b), 0) != static_cast<ssize_t>(sizeof(b))) {
    static std::atomic<uint64_t> counter{0};
    uint64_t v = (static_cast<uint64_t>(::getpid()) << 32) ^ counter.fetch_add(1) ^
                 static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (size_t i = 0; i < sizeof(b); ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

std::string TempSiblingPath(std::string_view path) {
  return JoinPath(DirName(path), "." + BaseName(path) + std::string(kTempMarker) + RandomHex());
}

bool IsTempSiblingName(std::string_view name) {
  if (name.size() < 1 + 1 + kTempMarker.size() + kTempRandomHex || name.front() != '.') return false;
  const std::string_view tail = name.substr(name.size() - kTempRandomHex);
  for (char c : tail) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return name.substr(name.size() - kTempRandomHex - kTempMarker.size(), kTempMarker.size()) ==
         kTempMarker;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out += '/';
  if (b.front() == '/') b.remove_prefix(1);
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos) return std::string(path);
  return std::string(path.substr(pos + 1));
}

}  // namespace custody
