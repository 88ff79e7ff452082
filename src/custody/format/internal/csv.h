// RFC 4180 CSV pieces shared by the reader and the sniffer: finding where a
// row ends (newlines inside quoted fields belong to the row) and splitting a
// row into unquoted cells. A '"' inside an unquoted field is kept literally.
// Thread-safety: values; pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody::format::internal {

// Finds row ends incrementally: feed it successive bytes of the input.
class CsvRowScanner {
 public:
  // Scans `data` (the bytes after those already scanned). Returns the index
  // of the '\n' that ends the current row, or npos if the row goes on; the
  // state is then kept for the next call. Call Reset() after each row.
  size_t Find(std::string_view data);
  void Reset() { state_ = State::kFieldStart; }
  bool in_quotes() const { return state_ == State::kQuoted; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state_ = State::kFieldStart;
};

// Splits `row` (without its line terminator) into `cells` (reusing their
// storage; `*count` is set to the number of cells). kInvalidArgument, with
// the byte offset, for text after a closing quote or an unterminated quote.
Status SplitCsvRow(std::string_view row, std::vector<std::string>* cells, size_t* count);

}  // namespace custody::format::internal
