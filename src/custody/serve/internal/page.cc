#include "custody/serve/internal/page.h"

#include <string>

#include "custody/base/encoding.h"

namespace custody::serve::internal {
namespace {

std::string Base64Url(std::string_view bytes) {
  std::string b = Base64Encode(bytes);
  while (!b.empty() && b.back() == '=') b.pop_back();
  for (char& ch : b) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  return b;
}

}  // namespace

Result<std::optional<uint64_t>> UintParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<uint64_t>();
  const std::string v = req.get_param_value(name);
  uint64_t out = 0;
  if (v.empty() || v.size() > 19) {
    return InvalidArgumentError(std::string(name) + ": expected a non-negative integer, found '" + v + "'");
  }
  for (char ch : v) {
    if (ch < '0' || ch > '9') {
      return InvalidArgumentError(std::string(name) + ": expected a non-negative integer, found '" + v + "'");
    }
    out = out * 10 + static_cast<uint64_t>(ch - '0');
  }
  return std::optional<uint64_t>(out);
}

Result<Json> Page(const httplib::Request& req, std::vector<Json> items) {
  CUSTODY_ASSIGN_OR_RETURN(auto limit, UintParam(req, "limit"));
  const uint64_t n = limit.value_or(100);
  if (n == 0 || n > 1000) {
    return InvalidArgumentError("limit: expected 1 to 1000, found " + std::to_string(n));
  }
  int64_t after = 0;
  if (req.has_param("after")) {
    std::string t = req.get_param_value("after");
    for (char& ch : t) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    while (t.size() % 4 != 0) t += '=';
    auto raw = Base64Decode(t);
    const std::string prefix = "after:";
    if (!raw.ok() || raw->rfind(prefix, 0) != 0 || raw->size() == prefix.size() || raw->size() > 26) {
      return InvalidArgumentError("after: expected a continuation token from a previous page");
    }
    for (size_t i = prefix.size(); i < raw->size(); ++i) {
      const char ch = (*raw)[i];
      if (ch < '0' || ch > '9') return InvalidArgumentError("after: expected a continuation token from a previous page");
      after = after * 10 + (ch - '0');
    }
  }
  Json page = {{"items", Json::array()}};
  for (auto& it : items) {
    if (it["id"].get<int64_t>() <= after) continue;
    if (page["items"].size() == n) {
      page["next"] = Base64Url("after:" + std::to_string(page["items"].back()["id"].get<int64_t>()));
      break;
    }
    page["items"].push_back(std::move(it));
  }
  return page;
}

}  // namespace custody::serve::internal
