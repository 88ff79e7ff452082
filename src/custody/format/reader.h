// RecordReader: streams the records of one input file (JSONL, a JSON array
// of objects, CSV with a header, or plain text; optionally gzip or zstd
// compressed) as canonical JSON objects, in memory bounded by the record size
// limit. Formats, detection rules and error messages: docs/formats/inputs.md.
// Thread-safety: not thread-safe; use one reader per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/format/canonical_json.h"
#include "custody/format/formats.h"
#include "custody/format/internal/csv.h"
#include "custody/format/record.h"

namespace custody::format {

namespace internal {
class ByteSource;
}  // namespace internal

struct ReadOptions {
  InputFormat format = InputFormat::kAuto;
  // The whole (decompressed) file is one record: a JSON object if it starts
  // with '{' (after whitespace), else {"text": content}. Not valid with kCsv.
  bool record_per_file = false;
  // A line, CSV row or array element longer than this is a bad record.
  size_t max_record_bytes = 16 << 20;
  // A JSON record nested deeper than this is a bad record (1 to
  // kMaxJsonDepthLimit, canonical_json.h).
  size_t max_json_depth = kMaxJsonDepth;
  // Count and skip bad records instead of returning their error.
  bool skip_bad = false;
  // How many bad records bad_records() keeps (skipped() counts all).
  size_t max_reported_bad = 10;
  // JSONL lines are returned unparsed, for parsing on other threads: Next
  // sets `deferred` and puts the line as read in `canonical` (text_fields
  // empty); ParseDeferredJson then makes it the record Next would have
  // returned, or returns the error Next would have reported for that line
  // (which the reader has not counted as skipped). Other formats are parsed
  // as usual.
  bool defer_json_lines = false;
};

// Where and why a record was rejected.
struct BadRecord {
  std::string source;
  uint64_t line = 0;  // 0 when the error has no line (e.g. a corrupt stream)
  std::string what;   // e.g. "expected 3 columns, found 2"
  // "source:line: what" (or "source: what").
  std::string ToString() const;
};

// Completes a deferred record (ReadOptions::defer_json_lines): parses `json`,
// which must be followed in memory by JsonCanonicalizer::kPadding readable
// bytes, into `out` (canonical form and text fields; line and source kept).
// kInvalidArgument, with what Next would have reported, for a bad record.
Status ParseDeferredJson(std::string_view json, JsonCanonicalizer* canonicalizer, Record* out);

class RecordReader {
 public:
  // Opens `path` through `env` and sniffs its compression and (for kAuto)
  // its format. kNotFound if the file is missing; kInvalidArgument for
  // invalid options (a zero record size, a depth limit out of range). Errors
  // in the content are reported by Next.
  static Result<std::unique_ptr<RecordReader>> Open(Env* env, const std::string& path,
                                                    const ReadOptions& options = {});
  // Same, reading from an already open file; `source` names it in records
  // and messages.
  static Result<std::unique_ptr<RecordReader>> Open(std::unique_ptr<SequentialFile> file,
                                                    std::string source,
                                                    const ReadOptions& options = {});
  ~RecordReader();

  // Fills `out` with the next record (reusing its buffers) and returns true,
  // or returns false at the end. Errors, each "source:line: what":
  // kInvalidArgument for a bad record (the reader moves past it, so Next may
  // be called again) or an input without records; kDataLoss for a truncated
  // or corrupt compressed stream (final). With skip_bad, bad records are
  // counted instead, and a corrupt stream ends the input.
  Result<bool> Next(Record* out);

  // The format being read (the detected one for kAuto).
  InputFormat format() const { return format_; }
  Compression compression() const;
  // Bytes read from the file (compressed size), for progress.
  uint64_t bytes_read() const;
  // Decompressed bytes produced so far.
  uint64_t bytes_decoded() const { return decoded_; }
  // Records returned so far.
  uint64_t records() const { return records_; }
  // Bad records skipped (skip_bad only).
  uint64_t skipped() const { return skipped_; }
  const std::optional<BadRecord>& first_bad() const { return first_bad_; }
  // The first max_reported_bad bad records.
  const std::vector<BadRecord>& bad_records() const { return bad_records_; }

 private:
  enum class ArrayState { kBeforeFirst, kBeforeElement, kAfterElement, kDone };

  RecordReader(std::unique_ptr<internal::ByteSource> source, std::string name,
               const ReadOptions& options);

  Result<bool> Fill();
  void Advance(size_t n);
  void SkipBom();
  void Sniff();
  Status Bad(uint64_t line, std::string what);
  Status Fatal(Status status);
  Status Finish();

  Result<bool> NextLineRecord(Record* out);
  Result<bool> NextArrayRecord(Record* out);
  Result<bool> NextCsvRecord(Record* out);
  Result<bool> NextWholeFile(Record* out);

  Status MakeJsonRecord(std::string_view json, uint64_t line, Record* out);
  Status MakeTextRecord(std::string_view text, uint64_t line, Record* out);
  Status ReadCsvHeader();
  Status MakeCsvRecord(std::string_view row, uint64_t line, Record* out);
  Result<bool> SkipArraySpace();
  Result<bool> NextCsvRow(std::string_view* row, uint64_t* line);

  std::unique_ptr<internal::ByteSource> source_;
  std::string name_;
  ReadOptions options_;
  InputFormat format_ = InputFormat::kText;
  JsonCanonicalizer canonicalizer_;

  // Decoded bytes: [pos_, end_) unread; kPadding readable bytes after cap_.
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;  // bytes after pos_ already scanned for a record end
  bool eof_ = false;
  bool done_ = false;
  bool discarding_ = false;  // dropping the rest of an oversized record
  std::optional<Status> pending_;  // a stream error met while sniffing
  uint64_t line_ = 1;  // line number of buf_[pos_]
  uint64_t decoded_ = 0;

  uint64_t records_ = 0;
  uint64_t skipped_ = 0;
  std::optional<BadRecord> first_bad_;
  std::vector<BadRecord> bad_records_;

  // JSON array scanning state.
  ArrayState array_state_ = ArrayState::kBeforeFirst;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  uint64_t element_line_ = 0;
  bool array_first_ = true;

  // CSV state.
  internal::CsvRowScanner csv_scanner_;
  bool have_header_ = false;
  std::vector<std::string> columns_;
  std::vector<size_t> sorted_columns_;
  std::vector<std::string> escaped_columns_;
  std::vector<std::string> cells_;
  std::string row_copy_;
};

}  // namespace custody::format
