#include "custody/base/env.h"

#include <atomic>
#include <unistd.h>

namespace custody {

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
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
  {
    CUSTODY_ASSIGN_OR_RETURN(auto f, NewWritableFile(tmp, mode));
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
