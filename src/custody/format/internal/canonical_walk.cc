#include "custody/format/internal/canonical_walk.h"

#include <cstring>
#include <string>

#include "custody/format/internal/json_escape.h"
#include "custody/format/record.h"

namespace custody::format::internal {

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

namespace {

// The walk behind ExtractTextFields and StringValueSpans: every string
// value of a canonical text in document order, with its dotted path (object
// keys unescaped, array indices as numbers). Calls on_string(path, i, end)
// with the value's opening and closing quote positions.
template <typename OnString>
class StringWalker {
 public:
  StringWalker(std::string_view s, OnString on_string) : s_(s), on_string_(on_string) {}

  void Run() {
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
      on_string_(std::string_view(path_), i, end);
      return end + 1;
    }
    return SkipCanonicalValue(s_, i);
  }

  std::string_view s_;
  OnString on_string_;
  std::string path_;
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

}  // namespace custody::format::internal

namespace custody::format {

void SplitCanonicalObject(std::string_view s, std::vector<CanonicalMember>* members) {
  members->clear();
  if (s.size() < 2 || s[0] != '{') return;
  size_t i = 1;
  while (i < s.size() && s[i] != '}') {
    const size_t end = internal::StringEnd(s, i);
    const std::string_view key = s.substr(i + 1, end - i - 1);
    const size_t v = end + 2;
    const size_t ve = internal::SkipCanonicalValue(s, v);
    members->push_back({key, s.substr(v, ve - v)});
    i = ve;
    if (i < s.size() && s[i] == ',') ++i;
  }
}


void ExtractTextFields(std::string_view canonical, std::vector<TextField>* fields) {
  size_t count = 0;
  auto on_string = [&](std::string_view path, size_t i, size_t end) {
    if (count == fields->size()) fields->emplace_back();
    TextField& f = (*fields)[count++];
    f.name.assign(path);
    f.value.clear();
    internal::AppendJsonUnescaped(canonical.substr(i + 1, end - i - 1), &f.value);
  };
  internal::StringWalker<decltype(on_string)&>(canonical, on_string).Run();
  fields->resize(count);
}

void StringValueSpans(std::string_view canonical, std::string* paths,
                      std::vector<StringValueSpan>* spans) {
  paths->clear();
  spans->clear();
  auto on_string = [&](std::string_view path, size_t i, size_t end) {
    StringValueSpan v;
    v.path_begin = static_cast<uint32_t>(paths->size());
    v.path_len = static_cast<uint32_t>(path.size());
    v.begin = i + 1;
    v.end = end;
    paths->append(path);
    spans->push_back(v);
  };
  internal::StringWalker<decltype(on_string)&>(canonical, on_string).Run();
}

}  // namespace custody::format
