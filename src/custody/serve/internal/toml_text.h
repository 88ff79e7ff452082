// Parsing the TOML file of `custody serve --config` (its [limits],
// [anomaly] and [webhook] tables are read by limits.cc and webhook.cc).
// Private to the serve module.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "custody/base/status.h"

namespace custody::serve::internal {

// Parses `text` (the content of `path`) into `*root`; kInvalidArgument
// "PATH:LINE: DESCRIPTION" for malformed TOML.
inline Status ParseTomlText(const std::string& path, const std::string& text, toml::table* root) {
  try {
    *root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()));
  }
  return OkStatus();
}

// "PATH:LINE: TABLE.KEY", the place of a value in error messages.
inline std::string WhereInToml(const std::string& path, const toml::node& node, const char* table,
                               const toml::key& key) {
  return path + ":" + std::to_string(node.source().begin.line) + ": " + table + "." + std::string(key.str());
}

}  // namespace custody::serve::internal
