#include "custody/base/output_file.h"

namespace custody {
namespace {

// OK if `path` is missing, or a regular file that may be replaced.
Status CheckDestination(Env* env, const std::string& path, const OutputOptions& o) {
  const std::string field = o.field + ": ";
  auto info = env->GetFileInfo(path, /*follow_symlinks=*/false);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) return OkStatus();
    return info.status().WithPrefix(o.field);
  }
  switch (info->kind) {
    case FileKind::kSymlink:
      return FailedPreconditionError(field + path +
                                     " is a symbolic link; refusing to write through it");
    case FileKind::kDirectory:
      return FailedPreconditionError(field + "expected a file path, found the directory " + path);
    case FileKind::kOther:
      return FailedPreconditionError(field + path + " is not a regular file");
    case FileKind::kRegular:
      break;
  }
  if (!o.overwrite) return AlreadyExistsError(field + path + " already exists; not overwriting it");
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<OutputFile>> OutputFile::Create(Env* env, const std::string& path,
                                                       const OutputOptions& options) {
  if (path.empty()) return InvalidArgumentError(options.field + ": expected a file path");
  CUSTODY_RETURN_IF_ERROR(CheckDestination(env, path, options));
  // Best effort: a directory that cannot be listed fails below, with the
  // creation's own error.
  env->RemoveAbandonedTempFiles(DirName(path)).status().IgnoreError();
  std::unique_ptr<OutputFile> f(new OutputFile());
  f->env_ = env;
  f->path_ = path;
  f->tmp_ = TempSiblingPath(path);
  f->options_ = options;
  auto file = env->NewExclusiveFile(f->tmp_, options.mode);
  if (!file.ok()) {
    // The reason without the temporary file's random name.
    std::string why = file.status().message();
    if (why.compare(0, f->tmp_.size() + 2, f->tmp_ + ": ") == 0) why.erase(0, f->tmp_.size() + 2);
    return Status(file.status().code(), options.field + ": cannot write " + path + " (in " +
                                            DirName(path) + "): " + why);
  }
  f->file_ = std::move(file).value();
  return f;
}

OutputFile::~OutputFile() {
  if (committed_ || env_ == nullptr) return;
  if (file_) file_->Close().IgnoreError();
  env_->RemoveFile(tmp_).IgnoreError();
}

Status OutputFile::Commit() {
  if (committed_) {
    return FailedPreconditionError(options_.field + ": " + path_ + " was already committed");
  }
  if (file_) {
    CUSTODY_RETURN_IF_ERROR(file_->Sync());
    CUSTODY_RETURN_IF_ERROR(file_->Close());
  }
  CUSTODY_RETURN_IF_ERROR(CheckDestination(env_, path_, options_));
  Status moved = options_.overwrite ? env_->RenameFile(tmp_, path_)
                                    : env_->RenameNoReplace(tmp_, path_);
  if (!moved.ok()) {
    if (moved.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError(options_.field + ": " + path_ +
                                " appeared while it was being written; not overwriting it");
    }
    return moved;
  }
  committed_ = true;
  return env_->SyncDir(DirName(path_));
}

}  // namespace custody
