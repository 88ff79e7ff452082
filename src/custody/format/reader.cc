#include "custody/format/reader.h"

#include <algorithm>
#include <cstring>

#include "custody/format/internal/byte_source.h"
#include "custody/format/internal/json_escape.h"
#include "custody/format/internal/sniff.h"
#include "custody/format/utf8.h"

namespace custody::format {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kPadding = JsonCanonicalizer::kPadding;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

std::string BadRecord::ToString() const {
  if (line == 0) return source + ": " + what;
  return source + ":" + std::to_string(line) + ": " + what;
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(Env* env, const std::string& path,
                                                         const ReadOptions& options) {
  CUSTODY_ASSIGN_OR_RETURN(auto file, env->NewSequentialFile(path));
  return Open(std::move(file), path, options);
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(std::unique_ptr<SequentialFile> file,
                                                         std::string source,
                                                         const ReadOptions& options) {
  if (options.record_per_file && options.format == InputFormat::kCsv) {
    return InvalidArgumentError(source + ": record_per_file cannot be used with CSV input");
  }
  if (options.max_record_bytes == 0) {
    return InvalidArgumentError(source + ": max_record_bytes: expected > 0, found 0");
  }
  CUSTODY_RETURN_IF_ERROR(ValidateJsonDepth(options.max_json_depth).WithPrefix(source));
  CUSTODY_ASSIGN_OR_RETURN(auto bytes, internal::ByteSource::Open(std::move(file), source));
  std::unique_ptr<RecordReader> reader(new RecordReader(std::move(bytes), std::move(source), options));
  reader->Sniff();
  return reader;
}

RecordReader::RecordReader(std::unique_ptr<internal::ByteSource> source, std::string name,
                           const ReadOptions& options)
    : source_(std::move(source)),
      name_(std::move(name)),
      options_(options),
      canonicalizer_(options.max_json_depth) {
  cap_ = std::max(kChunk, internal::kSniffBytes);
  buf_.reset(new char[cap_ + kPadding]);
}

RecordReader::~RecordReader() = default;

Compression RecordReader::compression() const { return source_->compression(); }
uint64_t RecordReader::bytes_read() const { return source_->raw_bytes(); }

Result<bool> RecordReader::Fill() {
  if (pending_) {  // a stream error met while sniffing, after the data before it
    Status s = *pending_;
    pending_.reset();
    return s;
  }
  if (eof_) return false;
  if (pos_ > 0 && (end_ == cap_ || pos_ >= cap_ / 2)) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == cap_) {
    const size_t limit = options_.max_record_bytes + kChunk;
    const size_t new_cap = std::max(cap_ + kChunk, std::min(cap_ * 2, limit));
    std::unique_ptr<char[]> bigger(new char[new_cap + kPadding]);
    std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    cap_ = new_cap;
  }
  auto n = source_->Read(buf_.get() + end_, cap_ - end_);
  if (!n.ok()) {
    eof_ = true;
    return n.status();
  }
  if (*n == 0) {
    eof_ = true;
    return false;
  }
  end_ += *n;
  decoded_ += *n;
  return true;
}

void RecordReader::Advance(size_t n) {
  const char* p = buf_.get() + pos_;
  line_ += static_cast<uint64_t>(std::count(p, p + n, '\n'));
  pos_ += n;
}

void RecordReader::SkipBom() {
  if (end_ - pos_ >= 3 && std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
}

void RecordReader::Sniff() {
  while (end_ - pos_ < internal::kSniffBytes) {
    auto more = Fill();
    if (!more.ok()) {
      pending_ = more.status();
      break;
    }
    if (!*more) break;
  }
  SkipBom();
  const std::string_view head(buf_.get() + pos_, end_ - pos_);
  InputFormat sniffed = internal::SniffFormat(head, eof_);
  if (options_.record_per_file) {
    format_ = sniffed == InputFormat::kJsonl ? InputFormat::kJsonl : InputFormat::kText;
    if (options_.format == InputFormat::kText) format_ = InputFormat::kText;
    return;
  }
  switch (options_.format) {
    case InputFormat::kAuto: format_ = sniffed; break;
    case InputFormat::kJsonl:
    case InputFormat::kJsonArray:
      // Both JSON shapes are accepted whichever was asked for.
      format_ = sniffed == InputFormat::kJsonArray ? InputFormat::kJsonArray : InputFormat::kJsonl;
      break;
    default: format_ = options_.format; break;
  }
}

Status RecordReader::Bad(uint64_t line, std::string what) {
  BadRecord bad{name_, line, std::move(what)};
  if (!options_.skip_bad) return InvalidArgumentError(bad.ToString());
  ++skipped_;
  if (!first_bad_) first_bad_ = bad;
  if (bad_records_.size() < options_.max_reported_bad) bad_records_.push_back(std::move(bad));
  return OkStatus();
}

Status RecordReader::Fatal(Status status) {
  done_ = true;
  if (!options_.skip_bad) return status;
  ++skipped_;
  BadRecord bad{name_, 0, status.message()};
  const std::string prefix = name_ + ": ";
  if (bad.what.compare(0, prefix.size(), prefix) == 0) bad.what.erase(0, prefix.size());
  if (!first_bad_) first_bad_ = bad;
  if (bad_records_.size() < options_.max_reported_bad) bad_records_.push_back(std::move(bad));
  return OkStatus();
}

// Called at the end of input: an input that gave nothing at all is an error.
Status RecordReader::Finish() {
  done_ = true;
  if (records_ == 0 && skipped_ == 0) return Bad(0, "no records (empty input)");
  return OkStatus();
}

Result<bool> RecordReader::Next(Record* out) {
  if (done_) return false;
  out->deferred = false;
  Result<bool> r = false;
  if (options_.record_per_file) {
    r = NextWholeFile(out);
  } else {
    switch (format_) {
      case InputFormat::kJsonArray: r = NextArrayRecord(out); break;
      case InputFormat::kCsv: r = NextCsvRecord(out); break;
      default: r = NextLineRecord(out); break;
    }
  }
  if (r.ok() && *r) {
    ++records_;
    out->source = name_;
  }
  return r;
}

Status ParseDeferredJson(std::string_view json, JsonCanonicalizer* canonicalizer, Record* out) {
  out->deferred = false;
  Status s = canonicalizer->CanonicalizePadded(json, &out->canonical);
  if (!s.ok()) return InvalidArgumentError(s.message());
  ExtractTextFields(out->canonical, &out->text_fields);
  return OkStatus();
}

Status RecordReader::MakeJsonRecord(std::string_view json, uint64_t line, Record* out) {
  out->line = line;
  return ParseDeferredJson(json, &canonicalizer_, out);
}

namespace {

// A JSONL line left for ParseDeferredJson.
void DeferJsonRecord(std::string_view json, uint64_t line, Record* out) {
  out->canonical.assign(json);
  out->text_fields.clear();
  out->line = line;
  out->deferred = true;
}

}  // namespace

Status RecordReader::MakeTextRecord(std::string_view text, uint64_t line, Record* out) {
  if (!IsValidUtf8(text)) {
    return InvalidArgumentError("invalid UTF-8 at byte " + std::to_string(FirstInvalidUtf8(text)));
  }
  out->canonical.assign("{\"text\":");
  internal::AppendJsonString(text, &out->canonical);
  out->canonical.push_back('}');
  out->text_fields.resize(1);
  out->text_fields[0].name.assign("text");
  out->text_fields[0].value.assign(text);
  out->line = line;
  return OkStatus();
}

// JSONL and plain text: one record per non-blank line.
Result<bool> RecordReader::NextLineRecord(Record* out) {
  const bool json = format_ == InputFormat::kJsonl;
  while (true) {
    const char* start = buf_.get() + pos_;
    const size_t avail = end_ - pos_;
    const void* nl = avail > scan_ ? std::memchr(start + scan_, '\n', avail - scan_) : nullptr;
    std::string_view line;
    if (nl != nullptr) {
      line = std::string_view(start, static_cast<const char*>(nl) - start);
      pos_ += line.size() + 1;
      scan_ = 0;
      const uint64_t line_no = line_++;
      if (discarding_) {
        discarding_ = false;
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > options_.max_record_bytes) {
        CUSTODY_RETURN_IF_ERROR(Bad(line_no, "record of " + std::to_string(line.size()) +
                                                  " bytes exceeds max_record_bytes (" +
                                                  std::to_string(options_.max_record_bytes) + ")"));
        continue;
      }
      if (IsBlank(line)) continue;
      if (json && options_.defer_json_lines) {
        DeferJsonRecord(line, line_no, out);
        return true;
      }
      Status s = json ? MakeJsonRecord(line, line_no, out) : MakeTextRecord(line, line_no, out);
      if (s.ok()) return true;
      CUSTODY_RETURN_IF_ERROR(Bad(line_no, s.message()));
      continue;
    }
    // No newline buffered: the line goes on.
    if (discarding_) {
      pos_ = end_;
      scan_ = 0;
    } else {
      scan_ = avail;
      if (avail > options_.max_record_bytes) {
        discarding_ = true;
        pos_ = end_;
        scan_ = 0;
        CUSTODY_RETURN_IF_ERROR(Bad(line_, "record exceeds max_record_bytes (" +
                                               std::to_string(options_.max_record_bytes) + ")"));
        continue;
      }
    }
    auto more = Fill();
    if (!more.ok()) {
      pos_ = end_;  // the partial line before a stream error is dropped
      CUSTODY_RETURN_IF_ERROR(Fatal(more.status()));
      return false;
    }
    if (*more) continue;
    // End of input: a last line without '\n'.
    if (pos_ < end_ && !discarding_) {
      line = std::string_view(buf_.get() + pos_, end_ - pos_);
      pos_ = end_;
      scan_ = 0;
      const uint64_t line_no = line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!IsBlank(line) && json && options_.defer_json_lines) {
        DeferJsonRecord(line, line_no, out);
        return true;  // the next call finds the end
      }
      if (!IsBlank(line)) {
        Status s = json ? MakeJsonRecord(line, line_no, out) : MakeTextRecord(line, line_no, out);
        if (s.ok()) return true;
        CUSTODY_RETURN_IF_ERROR(Bad(line_no, s.message()));
      }
    }
    CUSTODY_RETURN_IF_ERROR(Finish());
    return false;
  }
}

// The whole file as one record.
Result<bool> RecordReader::NextWholeFile(Record* out) {
  while (true) {
    if (end_ - pos_ > options_.max_record_bytes) {
      done_ = true;
      CUSTODY_RETURN_IF_ERROR(Bad(1, "record exceeds max_record_bytes (" +
                                         std::to_string(options_.max_record_bytes) + ")"));
      return false;
    }
    auto more = Fill();
    if (!more.ok()) {
      CUSTODY_RETURN_IF_ERROR(Fatal(more.status()));
      return false;
    }
    if (!*more) break;
  }
  const std::string_view all(buf_.get() + pos_, end_ - pos_);
  pos_ = end_;
  done_ = true;
  if (all.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    CUSTODY_RETURN_IF_ERROR(Finish());
    return false;
  }
  Status s = format_ == InputFormat::kJsonl ? MakeJsonRecord(all, 1, out) : MakeTextRecord(all, 1, out);
  if (s.ok()) return true;
  CUSTODY_RETURN_IF_ERROR(Bad(1, s.message()));
  return false;
}

}  // namespace custody::format
