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

}  // namespace

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
