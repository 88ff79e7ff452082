#include "custody/format/internal/canonical_walk.h"

#include <cstring>
#include <string>

#include "custody/format/internal/json_escape.h"
#include "custody/format/record.h"

namespace custody::format::internal {
namespace {

// Returns the index of the closing quote of the string whose opening quote
// is at s[i].
size_t StringEnd(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size()) {
    const char* p = static_cast<const char*>(std::memchr(s.data() + j, '"', s.size() - j));
    if (p == nullptr) return s.size();
    size_t q = static_cast<size_t>(p - s.data());
    size_t backslashes = 0;
    while (q - backslashes > i + 1 && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q;
    j = q + 1;
  }
  return s.size();
}

class TextFieldCollector {
 public:
  TextFieldCollector(std::string_view s, std::vector<TextField>* fields) : s_(s), fields_(fields) {}

  void Run() {
    if (!s_.empty()) Value(0);
    fields_->resize(count_);
  }

 private:
  size_t Value(size_t i) {
    if (i >= s_.size()) return i;
    const char c = s_[i];
    if (c == '{') {
      ++i;
      if (i < s_.size() && s_[i] == '}') return i + 1;
      while (i < s_.size()) {
        const size_t end = StringEnd(s_, i);
        const size_t saved = path_.size();
        if (!path_.empty()) path_.push_back('.');
        AppendJsonUnescaped(s_.substr(i + 1, end - i - 1), &path_);
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
      const size_t end = StringEnd(s_, i);
      if (count_ == fields_->size()) fields_->emplace_back();
      TextField& f = (*fields_)[count_++];
      f.name.assign(path_);
      f.value.clear();
      AppendJsonUnescaped(s_.substr(i + 1, end - i - 1), &f.value);
      return end + 1;
    }
    return SkipCanonicalValue(s_, i);
  }

  std::string_view s_;
  std::vector<TextField>* fields_;
  std::string path_;
  size_t count_ = 0;
};

}  // namespace

size_t SkipCanonicalValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  const char c = s[i];
  if (c == '"') return StringEnd(s, i) + 1;
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char d = s[i];
      if (d == '"') {
        i = StringEnd(s, i) + 1;
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

void SplitCanonicalObject(std::string_view s, std::vector<CanonicalMember>* members) {
  members->clear();
  if (s.size() < 2 || s[0] != '{') return;
  size_t i = 1;
  while (i < s.size() && s[i] != '}') {
    const size_t end = StringEnd(s, i);
    const std::string_view key = s.substr(i + 1, end - i - 1);
    const size_t v = end + 2;
    const size_t ve = SkipCanonicalValue(s, v);
    members->push_back({key, s.substr(v, ve - v)});
    i = ve;
    if (i < s.size() && s[i] == ',') ++i;
  }
}

}  // namespace custody::format::internal

namespace custody::format {

void ExtractTextFields(std::string_view canonical, std::vector<TextField>* fields) {
  internal::TextFieldCollector(canonical, fields).Run();
}

}  // namespace custody::format
