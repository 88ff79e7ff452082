// RecordReader for the structured shapes: a JSON array of objects and CSV.
// (Line-oriented JSONL and text live in reader.cc.)
#include <algorithm>
#include <cstring>

#include "custody/format/internal/json_escape.h"
#include "custody/format/reader.h"
#include "custody/format/utf8.h"

namespace custody::format {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return "byte " + std::to_string(u);
}

std::string TooLong(size_t limit) {
  return "record exceeds max_record_bytes (" + std::to_string(limit) + ")";
}

}  // namespace

// Skips whitespace between array tokens; false at end of input.
Result<bool> RecordReader::SkipArraySpace() {
  while (true) {
    while (pos_ < end_ && IsSpace(buf_[pos_])) {
      if (buf_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ < end_) return true;
    CUSTODY_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return false;
  }
}

Result<bool> RecordReader::NextArrayRecord(Record* out) {
  while (true) {
    auto has = SkipArraySpace();
    if (!has.ok()) {
      CUSTODY_RETURN_IF_ERROR(Fatal(has.status()));
      return false;
    }
    if (array_state_ == ArrayState::kDone) {
      if (*has) {
        done_ = true;
        CUSTODY_RETURN_IF_ERROR(
            Bad(line_, "expected end of input after the closing ']', found " + Describe(buf_[pos_])));
        return false;
      }
      CUSTODY_RETURN_IF_ERROR(Finish());
      return false;
    }
    if (!*has) {
      done_ = true;
      if (array_state_ == ArrayState::kBeforeFirst) {
        CUSTODY_RETURN_IF_ERROR(Finish());
      } else {
        CUSTODY_RETURN_IF_ERROR(Bad(line_, "expected ']' to close the JSON array, found end of input"));
      }
      return false;
    }
    const char c = buf_[pos_];
    if (array_state_ == ArrayState::kBeforeFirst) {
      if (c != '[') {
        done_ = true;
        CUSTODY_RETURN_IF_ERROR(Bad(line_, "expected '[' to start a JSON array, found " + Describe(c)));
        return false;
      }
      ++pos_;
      array_state_ = ArrayState::kBeforeElement;
      continue;
    }
    if (array_state_ == ArrayState::kAfterElement) {
      if (c == ',' || c == ']') {
        ++pos_;
        array_state_ = c == ',' ? ArrayState::kBeforeElement : ArrayState::kDone;
        array_first_ = false;
        continue;
      }
      done_ = true;
      CUSTODY_RETURN_IF_ERROR(
          Bad(line_, "expected ',' or ']' after an array element, found " + Describe(c)));
      return false;
    }
    // kBeforeElement
    if (c == ']' && array_first_) {
      ++pos_;
      array_state_ = ArrayState::kDone;
      continue;
    }
    element_line_ = line_;
    depth_ = 0;
    in_string_ = false;
    escape_ = false;
    scan_ = 0;
    while (true) {
      const char* p = buf_.get() + pos_;
      const size_t avail = end_ - pos_;
      size_t i = scan_;
      bool found = false;
      for (; i < avail; ++i) {
        const char d = p[i];
        if (in_string_) {
          if (escape_) {
            escape_ = false;
          } else if (d == '\\') {
            escape_ = true;
          } else if (d == '"') {
            in_string_ = false;
          }
          continue;
        }
        if (d == '"') {
          in_string_ = true;
        } else if (d == '{' || d == '[') {
          ++depth_;
        } else if (d == '}' || d == ']') {
          if (depth_ == 0 && d == ']') {
            found = true;
            break;
          }
          if (depth_ > 0) --depth_;
        } else if (d == ',' && depth_ == 0) {
          found = true;
          break;
        }
      }
      if (found) {
        std::string_view element(p, i);
        const uint64_t line = element_line_;
        Advance(i);
        scan_ = 0;
        array_state_ = ArrayState::kAfterElement;
        array_first_ = false;
        if (discarding_) {
          discarding_ = false;
          break;
        }
        while (!element.empty() && IsSpace(element.back())) element.remove_suffix(1);
        if (element.empty()) {
          CUSTODY_RETURN_IF_ERROR(Bad(line, "expected a JSON object, found " + Describe(p[i])));
          break;
        }
        if (element.size() > options_.max_record_bytes) {
          CUSTODY_RETURN_IF_ERROR(Bad(line, TooLong(options_.max_record_bytes)));
          break;
        }
        Status s = MakeJsonRecord(element, line, out);
        if (s.ok()) return true;
        CUSTODY_RETURN_IF_ERROR(Bad(line, s.message()));
        break;
      }
      if (discarding_) {
        Advance(avail);
        scan_ = 0;
      } else if (avail > options_.max_record_bytes) {
        discarding_ = true;
        Advance(avail);
        scan_ = 0;
        CUSTODY_RETURN_IF_ERROR(Bad(element_line_, TooLong(options_.max_record_bytes)));
      } else {
        scan_ = avail;
      }
      auto more = Fill();
      if (!more.ok()) {
        pos_ = end_;
        CUSTODY_RETURN_IF_ERROR(Fatal(more.status()));
        return false;
      }
      if (!*more) {
        done_ = true;
        if (!discarding_) {
          CUSTODY_RETURN_IF_ERROR(Bad(element_line_,
                                      "expected ',' or ']' after an array element, found end of input"));
        }
        return false;
      }
    }
  }
}

// Returns the next non-blank CSV row (without its line end), or false at
// the end of input. Oversized rows are reported and skipped up to the next
// line end.
Result<bool> RecordReader::NextCsvRow(std::string_view* row, uint64_t* line) {
  while (true) {
    const char* p = buf_.get() + pos_;
    const size_t avail = end_ - pos_;
    if (discarding_) {
      const void* nl = std::memchr(p, '\n', avail);
      if (nl != nullptr) {
        Advance(static_cast<const char*>(nl) - p + 1);
        discarding_ = false;
        csv_scanner_.Reset();
        scan_ = 0;
        continue;
      }
      Advance(avail);
      scan_ = 0;
    } else {
      const size_t idx = avail > scan_ ? csv_scanner_.Find(std::string_view(p + scan_, avail - scan_))
                                       : std::string_view::npos;
      if (idx != std::string_view::npos) {
        std::string_view r(p, scan_ + idx);
        *line = line_;
        Advance(r.size() + 1);
        scan_ = 0;
        csv_scanner_.Reset();
        if (!r.empty() && r.back() == '\r') r.remove_suffix(1);
        if (r.empty()) continue;
        if (r.size() > options_.max_record_bytes) {
          CUSTODY_RETURN_IF_ERROR(Bad(*line, TooLong(options_.max_record_bytes)));
          continue;
        }
        *row = r;
        return true;
      }
      scan_ = avail;
      if (avail > options_.max_record_bytes) {
        const uint64_t at = line_;
        discarding_ = true;
        Advance(avail);
        scan_ = 0;
        CUSTODY_RETURN_IF_ERROR(Bad(at, TooLong(options_.max_record_bytes)));
        continue;
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(bool more, Fill());
    if (more) continue;
    // End of input: a last row without a line end.
    if (discarding_ || pos_ == end_) return false;
    std::string_view r(buf_.get() + pos_, end_ - pos_);
    *line = line_;
    const bool open_quote = csv_scanner_.in_quotes();
    Advance(r.size());
    scan_ = 0;
    csv_scanner_.Reset();
    if (!r.empty() && r.back() == '\r') r.remove_suffix(1);
    if (open_quote) {
      CUSTODY_RETURN_IF_ERROR(Bad(*line, "unterminated quoted field at end of input"));
      return false;
    }
    if (r.empty()) return false;
    *row = r;
    return true;
  }
}

Status RecordReader::ReadCsvHeader() {
  std::string_view row;
  uint64_t line = 0;
  CUSTODY_ASSIGN_OR_RETURN(bool got, NextCsvRow(&row, &line));
  if (!got) return OkStatus();
  if (!IsValidUtf8(row)) {
    return Bad(line, "header: invalid UTF-8 at byte " + std::to_string(FirstInvalidUtf8(row)));
  }
  size_t count = 0;
  Status s = internal::SplitCsvRow(row, &cells_, &count);
  if (!s.ok()) return Bad(line, "header: " + s.message());
  columns_.assign(cells_.begin(), cells_.begin() + static_cast<std::ptrdiff_t>(count));
  sorted_columns_.resize(count);
  for (size_t i = 0; i < count; ++i) sorted_columns_[i] = i;
  std::sort(sorted_columns_.begin(), sorted_columns_.end(),
            [&](size_t a, size_t b) { return columns_[a] < columns_[b]; });
  for (size_t i = 1; i < count; ++i) {
    if (columns_[sorted_columns_[i]] == columns_[sorted_columns_[i - 1]]) {
      return Bad(line, "header: duplicate column name '" + columns_[sorted_columns_[i]] + "'");
    }
  }
  escaped_columns_.clear();
  for (const std::string& c : columns_) {
    std::string e;
    internal::AppendJsonString(c, &e);
    e.push_back(':');
    escaped_columns_.push_back(std::move(e));
  }
  have_header_ = true;
  return OkStatus();
}

Status RecordReader::MakeCsvRecord(std::string_view row, uint64_t line, Record* out) {
  if (!IsValidUtf8(row)) {
    return InvalidArgumentError("invalid UTF-8 at byte " + std::to_string(FirstInvalidUtf8(row)));
  }
  size_t count = 0;
  CUSTODY_RETURN_IF_ERROR(internal::SplitCsvRow(row, &cells_, &count));
  if (count != columns_.size()) {
    return InvalidArgumentError("expected " + std::to_string(columns_.size()) + " columns, found " +
                                std::to_string(count));
  }
  out->canonical.assign("{");
  out->text_fields.resize(count);
  for (size_t k = 0; k < count; ++k) {
    const size_t c = sorted_columns_[k];
    if (k > 0) out->canonical.push_back(',');
    out->canonical.append(escaped_columns_[c]);
    internal::AppendJsonString(cells_[c], &out->canonical);
    out->text_fields[k].name.assign(columns_[c]);
    out->text_fields[k].value.assign(cells_[c]);
  }
  out->canonical.push_back('}');
  out->line = line;
  return OkStatus();
}

Result<bool> RecordReader::NextCsvRecord(Record* out) {
  while (true) {
    if (!have_header_) {
      auto header = ReadCsvHeader();
      if (!header.ok()) {
        done_ = true;
        if (header.code() == StatusCode::kDataLoss) {
          CUSTODY_RETURN_IF_ERROR(Fatal(header));
          return false;
        }
        return header;
      }
      if (!have_header_) {  // no header: empty input, or a bad header skipped
        if (skipped_ == 0) CUSTODY_RETURN_IF_ERROR(Finish());
        done_ = true;
        return false;
      }
    }
    std::string_view row;
    uint64_t line = 0;
    auto got = NextCsvRow(&row, &line);
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kDataLoss) {
        pos_ = end_;
        CUSTODY_RETURN_IF_ERROR(Fatal(got.status()));
        return false;
      }
      return got.status();
    }
    if (!*got) {
      CUSTODY_RETURN_IF_ERROR(Finish());
      return false;
    }
    Status s = MakeCsvRecord(row, line, out);
    if (s.ok()) return true;
    CUSTODY_RETURN_IF_ERROR(Bad(line, s.message()));
  }
}

}  // namespace custody::format
