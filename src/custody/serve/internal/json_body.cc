#include "custody/serve/internal/json_body.h"

#include <utility>

namespace custody::serve::internal {
namespace {

std::string Key(std::string_view field) { return std::string(field); }

}  // namespace

std::string Found(const nlohmann::json& value) {
  std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

Result<JsonBody> JsonBody::Parse(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return JsonBody(nlohmann::json::object());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return InvalidArgumentError("body: expected a JSON object, found text that is not JSON");
  if (!j.is_object()) return InvalidArgumentError("body: expected a JSON object, found " + Found(j));
  return JsonBody(std::move(j));
}

Status JsonBody::OnlyFields(std::initializer_list<std::string_view> known) const {
  for (const auto& [name, value] : json_.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == name;
    if (!ok) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgumentError(name + ": expected one of the fields " + list + ", found an unknown field");
    }
  }
  return OkStatus();
}

Result<std::string> JsonBody::String(std::string_view field, bool required) const {
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) {
    if (required) return InvalidArgumentError(Key(field) + ": expected a string, found nothing (it is required)");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgumentError(Key(field) + ": expected a string, found " + Found(*it));
  std::string s = it->get<std::string>();
  if (required && s.empty()) return InvalidArgumentError(Key(field) + ": expected a non-empty string, found \"\"");
  return s;
}

Result<std::optional<int64_t>> JsonBody::PositiveInt(std::string_view field) const {
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() < 1) {
    return InvalidArgumentError(Key(field) + ": expected a positive integer, found " + Found(*it));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<std::vector<std::string>> JsonBody::Strings(std::string_view field) const {
  std::vector<std::string> out;
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidArgumentError(Key(field) + ": expected an array of strings, found " + Found(*it));
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    if (!v.is_string()) {
      return InvalidArgumentError(Key(field) + "[" + std::to_string(i) + "]: expected a string, found " + Found(v));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<bool> JsonBody::Bool(std::string_view field) const {
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) return false;
  if (!it->is_boolean()) return InvalidArgumentError(Key(field) + ": expected true or false, found " + Found(*it));
  return it->get<bool>();
}

Result<std::optional<Time>> JsonBody::TimeField(std::string_view field, bool required) const {
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) {
    if (required) {
      return InvalidArgumentError(Key(field) + ": expected a date or RFC 3339 time, found nothing (it is required)");
    }
    return std::optional<Time>();
  }
  if (!it->is_string()) {
    return InvalidArgumentError(Key(field) + ": expected a date or RFC 3339 time, found " + Found(*it));
  }
  auto t = ParseTime(it->get<std::string>());
  if (!t.ok()) return t.status().WithPrefix(Key(field));
  return std::optional<Time>(*t);
}

Result<std::map<std::string, Time>> JsonBody::TimesByName(std::string_view field) const {
  std::map<std::string, Time> out;
  auto it = json_.find(Key(field));
  if (it == json_.end() || it->is_null()) return out;
  if (!it->is_object()) {
    return InvalidArgumentError(Key(field) + ": expected an object of name: time, found " + Found(*it));
  }
  for (const auto& [name, value] : it->items()) {
    const std::string where = Key(field) + "." + name;
    if (!value.is_string()) {
      return InvalidArgumentError(where + ": expected a date or RFC 3339 time, found " + Found(value));
    }
    auto t = ParseTime(value.get<std::string>());
    if (!t.ok()) return t.status().WithPrefix(where);
    out[name] = *t;
  }
  return out;
}

}  // namespace custody::serve::internal
