#include "custody/format/internal/csv.h"

namespace custody::format::internal {

size_t CsvRowScanner::Find(std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    switch (state_) {
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
        } else if (c == '\n') {
          return i;
        } else if (c != ',') {
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (c == ',') {
          state_ = State::kFieldStart;
        } else if (c == '\n') {
          return i;
        }
        break;
      case State::kQuoted:
        if (c == '"') state_ = State::kQuoteInQuoted;
        break;
      case State::kQuoteInQuoted:
        if (c == '"') {
          state_ = State::kQuoted;
        } else if (c == ',') {
          state_ = State::kFieldStart;
        } else if (c == '\n') {
          return i;
        } else {
          state_ = State::kUnquoted;  // malformed; SplitCsvRow reports it
        }
        break;
    }
  }
  return std::string_view::npos;
}

Status SplitCsvRow(std::string_view row, std::vector<std::string>* cells, size_t* count) {
  size_t n = 0;
  size_t i = 0;
  auto next_cell = [&]() -> std::string& {
    if (n == cells->size()) cells->emplace_back();
    std::string& cell = (*cells)[n++];
    cell.clear();
    return cell;
  };
  while (true) {
    std::string& cell = next_cell();
    if (i < row.size() && row[i] == '"') {
      const size_t open = i;
      ++i;
      while (true) {
        const size_t q = row.find('"', i);
        if (q == std::string_view::npos) {
          *count = n;
          return InvalidArgumentError("unterminated quoted field starting at byte " +
                                      std::to_string(open));
        }
        cell.append(row.substr(i, q - i));
        if (q + 1 < row.size() && row[q + 1] == '"') {
          cell.push_back('"');
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < row.size() && row[i] != ',') {
        *count = n;
        const char c = row[i];
        std::string shown = (c >= 0x20 && c < 0x7f) ? std::string("'") + c + "'"
                                                    : "byte " + std::to_string(static_cast<unsigned char>(c));
        return InvalidArgumentError("expected ',' or end of row after a closing quote at byte " +
                                    std::to_string(i) + ", found " + shown);
      }
    } else {
      const size_t comma = row.find(',', i);
      const size_t stop = comma == std::string_view::npos ? row.size() : comma;
      cell.append(row.substr(i, stop - i));
      i = stop;
    }
    if (i >= row.size()) break;
    ++i;  // ','
  }
  *count = n;
  return OkStatus();
}

}  // namespace custody::format::internal
