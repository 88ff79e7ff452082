#include "custody/core/release/json_fields.h"

#include <algorithm>

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

void UnescapeCanonical(std::string_view body, std::string* out) {
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out->push_back(c);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case 'r': out->push_back('\r'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'u': {
        // Canonical escaping uses \u00xx only for control characters.
        unsigned v = 0;
        for (int k = 0; k < 4 && i + 1 < body.size(); ++k) {
          char h = body[++i];
          v = v * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        out->push_back(static_cast<char>(v));
        break;
      }
      default: out->push_back(e);
    }
  }
}

void AppendCanonicalEscaped(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (u < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
        } else {
          out->push_back(c);
        }
    }
  }
}

std::vector<std::pair<std::string, std::string_view>> TopLevelMembers(std::string_view s) {
  std::vector<std::pair<std::string, std::string_view>> out;
  size_t i = 1;  // after '{'
  while (i < s.size() && s[i] == '"') {
    size_t kend = SkipString(s, i);
    std::string key;
    UnescapeCanonical(s.substr(i + 1, kend - i - 2), &key);
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
    AppendCanonicalEscaped(k, out);
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
        AppendCanonicalEscaped(values[next], out);
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

bool FieldUnder(std::string_view name, std::string_view f) {
  return name == f || (name.size() > f.size() && name.compare(0, f.size(), f) == 0 &&
                       name[f.size()] == '.');
}

}  // namespace custody::core
