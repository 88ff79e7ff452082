// A request's JSON body with typed field readers: every error names the
// field, what was expected and what was found ("expires_at: expected a
// date or RFC 3339 time, found 12"), and never throws. Private to the
// serve module. Thread-safety: a value; const methods may be called
// concurrently.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/status.h"

namespace custody::serve::internal {

class JsonBody {
 public:
  // Parses `text`: a JSON object, or nothing (read as {}). kInvalidArgument
  // "body: expected a JSON object, found ..." otherwise.
  static Result<JsonBody> Parse(std::string_view text);

  // kInvalidArgument naming the first field not in `known` (a misspelt
  // field is an error, never silently ignored).
  Status OnlyFields(std::initializer_list<std::string_view> known) const;

  // A string field: "" if absent and not `required`. kInvalidArgument if it
  // is missing but required, not a string, or empty but required.
  Result<std::string> String(std::string_view field, bool required) const;
  // A positive integer field (nullopt if absent); kInvalidArgument if it is
  // present and not an integer >= 1.
  Result<std::optional<int64_t>> PositiveInt(std::string_view field) const;
  // An array of strings ([] if absent).
  Result<std::vector<std::string>> Strings(std::string_view field) const;
  // A boolean field (false if absent); kInvalidArgument if it is present
  // and not true or false.
  Result<bool> Bool(std::string_view field) const;
  // A time as the CLI takes it (YYYY-MM-DD or RFC 3339 UTC); nullopt if
  // absent and not `required`.
  Result<std::optional<Time>> TimeField(std::string_view field, bool required) const;
  // An object of times by name ({} if absent), each as TimeField reads
  // one; kInvalidArgument naming "FIELD.NAME" for a value that is not a
  // time, or FIELD if it is not an object.
  Result<std::map<std::string, Time>> TimesByName(std::string_view field) const;

  const nlohmann::json& json() const { return json_; }

 private:
  explicit JsonBody(nlohmann::json j) : json_(std::move(j)) {}
  nlohmann::json json_;
};

// A short rendering of a JSON value for "found ..." in messages (at most 40
// characters).
std::string Found(const nlohmann::json& value);

}  // namespace custody::serve::internal
