#include "custody/format/writer.h"

#include "custody/format/internal/byte_sink.h"
#include "custody/format/internal/json_escape.h"

namespace custody::format {
void AppendCsvCell(std::string_view cell, std::string* out) {
  bool quote = !cell.empty() && (cell.front() == ' ' || cell.back() == ' ');
  quote = quote || cell.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(cell);
    return;
  }
  out->push_back('"');
  for (char c : cell) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Result<std::unique_ptr<RecordWriter>> RecordWriter::Create(Env* env, const std::string& path,
                                                           OutputFormat format,
                                                           std::vector<std::string> csv_columns) {
  CUSTODY_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path));
  return Create(std::move(file), path, format, std::move(csv_columns));
}

Result<std::unique_ptr<RecordWriter>> RecordWriter::Create(std::unique_ptr<WritableFile> file,
                                                           const std::string& name,
                                                           OutputFormat format,
                                                           std::vector<std::string> csv_columns) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto sink, internal::ByteSink::Create(std::move(file), internal::CompressionForPath(name), name));
  return std::unique_ptr<RecordWriter>(
      new RecordWriter(std::move(sink), name, format, std::move(csv_columns)));
}

RecordWriter::RecordWriter(std::unique_ptr<internal::ByteSink> sink, std::string path,
                           OutputFormat format, std::vector<std::string> columns)
    : sink_(std::move(sink)), path_(std::move(path)), format_(format), columns_(std::move(columns)) {
  for (size_t i = 0; i < columns_.size(); ++i) column_index_.emplace(columns_[i], i);
}

RecordWriter::~RecordWriter() = default;

Status RecordWriter::Emit(std::string_view data) {
  bytes_ += data.size();
  return sink_->Append(data);
}

Status RecordWriter::Write(std::string_view json) {
  Status s = canonicalizer_.Canonicalize(json, &canonical_);
  if (!s.ok()) return s.WithPrefix(path_ + ": record " + std::to_string(records_ + 1));
  return WriteCanonical(canonical_);
}

Status RecordWriter::Write(const Record& record) { return WriteCanonical(record.canonical); }

Status RecordWriter::WriteCanonical(std::string_view canonical) {
  if (finished_) return FailedPreconditionError(path_ + ": write after Finish");
  ++records_;
  if (format_ == OutputFormat::kCsv) return WriteCsvRow(canonical);
  line_.assign(canonical);
  line_.push_back('\n');
  return Emit(line_);
}

Status RecordWriter::WriteCsvHeader() {
  header_written_ = true;
  line_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) line_.push_back(',');
    AppendCsvCell(columns_[i], &line_);
  }
  line_.append("\r\n");
  return Emit(line_);
}

Status RecordWriter::WriteCsvRow(std::string_view canonical) {
  SplitCanonicalObject(canonical, &members_);
  if (!header_written_) {
    if (columns_.empty()) {
      for (const auto& m : members_) {
        key_.clear();
        internal::AppendJsonUnescaped(m.key_escaped, &key_);
        column_index_.emplace(key_, columns_.size());
        columns_.push_back(key_);
      }
    }
    CUSTODY_RETURN_IF_ERROR(WriteCsvHeader());
  }
  cells_.assign(columns_.size(), std::string());
  for (const auto& m : members_) {
    key_.clear();
    internal::AppendJsonUnescaped(m.key_escaped, &key_);
    auto it = column_index_.find(key_);
    if (it == column_index_.end()) continue;
    std::string& cell = cells_[it->second];
    if (!m.value.empty() && m.value.front() == '"') {
      internal::AppendJsonUnescaped(m.value.substr(1, m.value.size() - 2), &cell);
    } else {
      cell.assign(m.value);
    }
  }
  line_.clear();
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (i > 0) line_.push_back(',');
    AppendCsvCell(cells_[i], &line_);
  }
  line_.append("\r\n");
  return Emit(line_);
}

Status RecordWriter::Finish() {
  if (finished_) return OkStatus();
  if (format_ == OutputFormat::kCsv && !header_written_) CUSTODY_RETURN_IF_ERROR(WriteCsvHeader());
  finished_ = true;
  return sink_->Finish();
}

}  // namespace custody::format
