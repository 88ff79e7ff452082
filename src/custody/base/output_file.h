// OutputFile: a file custody writes at a path the user chose (an export, a
// release, a decrypted copy), which may hold plaintext. It is written to a
// temporary sibling (TempSiblingPath) created exclusively with mode 0600, so
// nothing planted under that name — a file, a symbolic link — is written
// through; then it is fsynced and renamed into place, so the destination
// holds the whole file or is untouched. The destination itself is never a
// symbolic link and never an existing file unless the caller allows it.
//
// Create makes the temporary file first: a directory that cannot be written
// fails there, before the caller logs or commits anything. It also removes
// the temporary files an interrupted write (a killed process) left in that
// directory, the ones no live writer holds (Env::RemoveAbandonedTempFiles).
// Thread-safety: one thread.
#pragma once

#include <memory>
#include <string>

#include "custody/base/env.h"
#include "custody/base/status.h"

namespace custody {

struct OutputOptions {
  // Replace an existing regular file at the destination (never a symbolic
  // link or a directory).
  bool overwrite = false;
  int mode = 0600;
  // The option field that named the destination, which starts every error
  // message ("out: ...").
  std::string field = "out";
};

class OutputFile {
 public:
  // Checks the destination `path` and creates its temporary sibling.
  // Errors, their messages starting with options.field ("out: "):
  //   kFailedPrecondition  `path` is a symbolic link, a directory or not a
  //                        regular file;
  //   kAlreadyExists       `path` exists and !options.overwrite;
  //   kPermissionDenied, kNotFound, ...  the temporary file cannot be made
  //                        (an unwritable or missing directory).
  static Result<std::unique_ptr<OutputFile>> Create(Env* env, const std::string& path,
                                                    const OutputOptions& options);
  // Removes the temporary file unless Commit succeeded.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // The temporary file to write; null once taken.
  WritableFile* file() { return file_.get(); }
  // Hands the temporary file to a writer that syncs and closes it itself
  // (format::RecordWriter); Commit then expects it closed.
  std::unique_ptr<WritableFile> TakeFile() { return std::move(file_); }

  // Syncs and closes the file (unless taken), checks the destination again
  // and renames the file to it: without overwrite, kAlreadyExists if
  // something appeared there meanwhile (the rename never replaces); a
  // symbolic link that appeared is refused as in Create. Then fsyncs the
  // directory. Call at most once.
  Status Commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

 private:
  OutputFile() = default;

  Env* env_ = nullptr;
  std::string path_, tmp_;
  OutputOptions options_;
  std::unique_ptr<WritableFile> file_;
  bool committed_ = false;
};

}  // namespace custody
