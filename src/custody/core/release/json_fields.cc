#include "custody/core/release/json_fields.h"

#include <algorithm>

#include "custody/format/json_escape.h"

namespace custody::core {

std::vector<std::pair<std::string, std::string_view>> TopLevelMembers(std::string_view s) {
  std::vector<format::CanonicalMember> members;
  format::SplitCanonicalObject(s, &members);
  std::vector<std::pair<std::string, std::string_view>> out;
  out.reserve(members.size());
  for (const format::CanonicalMember& m : members) {
    std::string key;
    format::AppendJsonUnescaped(m.key_escaped, &key);
    out.emplace_back(std::move(key), m.value);
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
  // String values in the order of ExtractTextFields: the same walk.
  thread_local std::string paths;
  thread_local std::vector<format::StringValueSpan> spans;
  format::StringValueSpans(s, &paths, &spans);
  size_t copied = 0;
  for (size_t n = 0; n < indices.size() && indices[n] < spans.size(); ++n) {
    const format::StringValueSpan& v = spans[indices[n]];
    out->append(s.substr(copied, v.begin - copied));
    format::AppendJsonEscaped(values[n], out);
    copied = v.end;
  }
  out->append(s.substr(copied));
}

}  // namespace custody::core
