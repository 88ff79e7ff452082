// TOML for the questionnaire: the template as TOML, and a TOML submission
// read into the same JSON shape as a JSON one (arrays of tables become
// arrays of objects). toml++ does the parsing and escaping. Internal to
// core/audit. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"

namespace custody::core::audit {

// `j` (a template: control set plus "answers" of nulls) as TOML; the null
// answers become commented lines naming the expected answer.
std::string TemplateToml(const nlohmann::json& j);

// Parses TOML text into JSON; kInvalidArgument "source:LINE: ..." if malformed.
Result<nlohmann::json> TomlToJson(std::string_view text, std::string_view source);

}  // namespace custody::core::audit
