// RecordWriter: writes records as JSONL (one canonical object per line) or
// as RFC 4180 CSV, compressed with gzip or zstd when the path ends in ".gz"
// or ".zst". Output formats: docs/formats/inputs.md ("Writing").
// Thread-safety: not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/format/canonical_json.h"
#include "custody/format/formats.h"
#include "custody/format/internal/canonical_walk.h"
#include "custody/format/record.h"

namespace custody::format {

// Appends one RFC 4180 CSV cell: quoted (with inner quotes doubled) when it
// holds a comma, quote, CR or LF, or starts or ends with a space (which some
// readers would trim); as is otherwise. The one CSV quoting of the tree.
void AppendCsvCell(std::string_view cell, std::string* out);

namespace internal {
class ByteSink;
}  // namespace internal

class RecordWriter {
 public:
  // Creates (or truncates) `path`. For kCsv, `csv_columns` are the header
  // and select the fields written, in that order; if empty, the columns
  // are the first record's top-level keys (sorted). Ignored for kJsonl.
  static Result<std::unique_ptr<RecordWriter>> Create(Env* env, const std::string& path,
                                                      OutputFormat format,
                                                      std::vector<std::string> csv_columns = {});
  // As above, into `file` (already open, e.g. an OutputFile's temporary
  // file); `name` gives the compression and names the file in messages.
  // Finish syncs and closes `file`.
  static Result<std::unique_ptr<RecordWriter>> Create(std::unique_ptr<WritableFile> file,
                                                      const std::string& name, OutputFormat format,
                                                      std::vector<std::string> csv_columns = {});
  ~RecordWriter();

  // Writes one JSON object, canonicalizing it first (kInvalidArgument if it
  // is not one JSON object).
  Status Write(std::string_view json);
  // Writes `record.canonical`, trusted to be canonical (as readers make it).
  Status Write(const Record& record);
  // Writes `canonical`, which the caller guarantees is canonical JSON.
  Status WriteCanonical(std::string_view canonical);
  // Writes the CSV header if nothing was written, ends any compressed
  // stream, syncs and closes. No writes after Finish.
  Status Finish();

  uint64_t records() const { return records_; }
  // Uncompressed bytes written.
  uint64_t bytes() const { return bytes_; }

 private:
  RecordWriter(std::unique_ptr<internal::ByteSink> sink, std::string path, OutputFormat format,
               std::vector<std::string> columns);
  Status WriteCsvRow(std::string_view canonical);
  Status WriteCsvHeader();
  Status Emit(std::string_view data);

  std::unique_ptr<internal::ByteSink> sink_;
  std::string path_;
  OutputFormat format_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, size_t> column_index_;
  bool header_written_ = false;
  bool finished_ = false;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  JsonCanonicalizer canonicalizer_;
  std::string canonical_;
  std::string line_;
  std::string key_;
  std::vector<std::string> cells_;
  std::vector<CanonicalMember> members_;
};

}  // namespace custody::format
