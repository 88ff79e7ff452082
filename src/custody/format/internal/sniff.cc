#include "custody/format/internal/sniff.h"

#include <set>
#include <string>
#include <vector>

#include "custody/format/internal/csv.h"

namespace custody::format::internal {
namespace {

constexpr size_t kMaxSniffRows = 50;
constexpr size_t kMaxHeaderName = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A plausible column name: short, no surrounding space, no sentence text.
bool LooksLikeColumnName(std::string_view s) {
  if (s.empty() || s.size() > kMaxHeaderName) return false;
  if (IsSpace(s.front()) || IsSpace(s.back())) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == ' ' || c == '.' || c == '/' || c == '#' ||
                    c == '(' || c == ')' || u >= 0x80;
    if (!ok) return false;
  }
  return true;
}

bool LooksLikeCsv(std::string_view head, bool complete) {
  CsvRowScanner scanner;
  std::vector<std::string> cells;
  size_t header_columns = 0;
  size_t rows = 0;
  size_t pos = 0;
  while (rows <= kMaxSniffRows && pos < head.size()) {
    scanner.Reset();
    const size_t nl = scanner.Find(head.substr(pos));
    std::string_view row;
    if (nl == std::string_view::npos) {
      if (!complete) break;  // a partial row proves nothing
      row = head.substr(pos);
      pos = head.size();
    } else {
      row = head.substr(pos, nl);
      pos += nl + 1;
    }
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (row.empty()) continue;
    size_t count = 0;
    if (!SplitCsvRow(row, &cells, &count).ok()) return false;
    if (rows == 0) {
      if (count < 2) return false;
      std::set<std::string_view> names;
      for (size_t i = 0; i < count; ++i) {
        if (!LooksLikeColumnName(cells[i]) || !names.insert(cells[i]).second) return false;
      }
      header_columns = count;
    } else if (count != header_columns) {
      return false;
    }
    ++rows;
  }
  return rows >= 2;
}

}  // namespace

InputFormat SniffFormat(std::string_view head, bool complete) {
  size_t i = 0;
  while (i < head.size() && IsSpace(head[i])) ++i;
  if (i < head.size() && head[i] == '{') return InputFormat::kJsonl;
  if (i < head.size() && head[i] == '[') {
    size_t j = i + 1;
    while (j < head.size() && IsSpace(head[j])) ++j;
    if (j == head.size() || head[j] == '{' || head[j] == ']') return InputFormat::kJsonArray;
  }
  if (LooksLikeCsv(head, complete)) return InputFormat::kCsv;
  return InputFormat::kText;
}

}  // namespace custody::format::internal
