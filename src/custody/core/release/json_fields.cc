#include "custody/core/release/json_fields.h"

#include <algorithm>
#include <cstring>

#include "custody/format/json_escape.h"

namespace custody::core {
namespace {

// Index one past the string starting at s[i] == '"'.
size_t SkipString(std::string_view s, size_t i) {
  ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return s.size();
}

// Index one past the value starting at s[i] (canonical: no whitespace).
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  char c = s[i];
  if (c == '"') return SkipString(s, i);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      char d = s[i];
      if (d == '"') {
        i = SkipString(s, i);
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

// Index of the closing quote of the string whose opening quote is at s[i].
size_t ClosingQuote(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size()) {
    const char* p = static_cast<const char*>(std::memchr(s.data() + j, '"', s.size() - j));
    if (p == nullptr) return s.size();
    const size_t q = static_cast<size_t>(p - s.data());
    size_t backslashes = 0;
    while (q - backslashes > i + 1 && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q;
    j = q + 1;
  }
  return s.size();
}

// The walk of format::ExtractTextFields (the same paths, in the same order),
// recording where each string value's body is instead of decoding it.
class SpanCollector {
 public:
  SpanCollector(std::string_view s, std::string* paths, std::vector<StringValueSpan>* spans)
      : s_(s), paths_(paths), spans_(spans) {}

  void Run() {
    paths_->clear();
    spans_->clear();
    path_.clear();
    if (!s_.empty()) Value(0);
  }

 private:
  size_t Value(size_t i) {
    if (i >= s_.size()) return i;
    const char c = s_[i];
    if (c == '{') {
      ++i;
      if (i < s_.size() && s_[i] == '}') return i + 1;
      while (i < s_.size()) {
        const size_t end = ClosingQuote(s_, i);
        const size_t saved = path_.size();
        if (!path_.empty()) path_.push_back('.');
        format::AppendJsonUnescaped(s_.substr(i + 1, end - i - 1), &path_);
        i = Value(end + 2);  // skip '":'
        path_.resize(saved);
        if (i < s_.size() && s_[i] == ',') {
          ++i;
          continue;
        }
        return i + 1;  // '}'
      }
      return i;
    }
    if (c == '[') {
      ++i;
      if (i < s_.size() && s_[i] == ']') return i + 1;
      size_t index = 0;
      while (i < s_.size()) {
        const size_t saved = path_.size();
        if (!path_.empty()) path_.push_back('.');
        path_.append(std::to_string(index++));
        i = Value(i);
        path_.resize(saved);
        if (i < s_.size() && s_[i] == ',') {
          ++i;
          continue;
        }
        return i + 1;  // ']'
      }
      return i;
    }
    if (c == '"') {
      const size_t end = ClosingQuote(s_, i);
      StringValueSpan v;
      v.path_begin = static_cast<uint32_t>(paths_->size());
      v.path_len = static_cast<uint32_t>(path_.size());
      v.begin = i + 1;
      v.end = end;
      paths_->append(path_);
      spans_->push_back(v);
      return end + 1;
    }
    return SkipValue(s_, i);
  }

  std::string_view s_;
  std::string* paths_;
  std::vector<StringValueSpan>* spans_;
  std::string path_;
};

}  // namespace

void StringValueSpans(std::string_view canonical, std::string* paths,
                      std::vector<StringValueSpan>* spans) {
  SpanCollector(canonical, paths, spans).Run();
}

std::vector<std::pair<std::string, std::string_view>> TopLevelMembers(std::string_view s) {
  std::vector<std::pair<std::string, std::string_view>> out;
  size_t i = 1;  // after '{'
  while (i < s.size() && s[i] == '"') {
    size_t kend = SkipString(s, i);
    std::string key;
    format::AppendJsonUnescaped(s.substr(i + 1, kend - i - 2), &key);
    size_t vstart = kend + 1;  // after ':'
    size_t vend = SkipValue(s, vstart);
    out.emplace_back(std::move(key), s.substr(vstart, vend - vstart));
    i = vend;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

std::vector<std::string> TopLevelKeys(std::string_view canonical) {
  std::vector<std::string> keys;
  for (auto& [k, v] : TopLevelMembers(canonical)) keys.push_back(k);
  return keys;
}

void ProjectFields(std::string_view canonical, const std::vector<std::string>& keep,
                   std::string* out) {
  if (keep.empty()) {
    out->append(canonical);
    return;
  }
  out->push_back('{');
  bool first = true;
  for (auto& [k, v] : TopLevelMembers(canonical)) {
    if (std::find(keep.begin(), keep.end(), k) == keep.end()) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    format::AppendJsonEscaped(k, out);
    out->append("\":");
    out->append(v);
  }
  out->push_back('}');
}

void ReplaceStringValues(std::string_view s, const std::vector<size_t>& indices,
                         const std::vector<std::string>& values, std::string* out) {
  size_t copied = 0;
  size_t ordinal = 0;
  size_t next = 0;
  size_t i = 0;
  while (i < s.size() && next < indices.size()) {
    if (s[i] != '"') {
      ++i;
      continue;
    }
    size_t end = SkipString(s, i);
    const bool is_key = end < s.size() && s[end] == ':';
    if (!is_key) {
      if (ordinal == indices[next]) {
        out->append(s.substr(copied, i + 1 - copied));
        format::AppendJsonEscaped(values[next], out);
        out->push_back('"');
        copied = end;
        ++next;
      }
      ++ordinal;
    }
    i = end;
  }
  out->append(s.substr(copied));
}

}  // namespace custody::core
