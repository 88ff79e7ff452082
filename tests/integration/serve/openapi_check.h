// Checks custody serve's answers against docs/openapi.json: the status must
// be one the route documents, and a JSON body must match the documented
// schema of that status. Knows the subset of JSON Schema the document uses:
// $ref (to #/components/schemas), type (one or a list), required,
// properties, items, enum, additionalProperties: false.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace custody::testing {

inline nlohmann::json LoadOpenApi() {
  std::ifstream in(std::string(CUSTODY_SOURCE_DIR) + "/docs/openapi.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

// "" if `value` conforms to `schema`, else the first mismatch as "PATH:
// expected ..., found ...".
inline std::string SchemaMismatch(const nlohmann::json& doc, const nlohmann::json& schema,
                                  const nlohmann::json& value, const std::string& path = "$") {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0 || !doc["components"]["schemas"].contains(ref.substr(prefix.size()))) {
      return path + ": unresolvable $ref " + ref;
    }
    return SchemaMismatch(doc, doc["components"]["schemas"][ref.substr(prefix.size())], value, path);
  }
  if (schema.contains("type")) {
    auto is = [&](const std::string& t) {
      if (t == "object") return value.is_object();
      if (t == "array") return value.is_array();
      if (t == "string") return value.is_string();
      if (t == "integer") return value.is_number_integer();
      if (t == "number") return value.is_number();
      if (t == "boolean") return value.is_boolean();
      if (t == "null") return value.is_null();
      return false;
    };
    bool ok = false;
    if (schema["type"].is_array()) {
      for (const auto& t : schema["type"]) ok = ok || is(t.get<std::string>());
    } else {
      ok = is(schema["type"].get<std::string>());
    }
    if (!ok) return path + ": expected type " + schema["type"].dump() + ", found " + value.dump().substr(0, 60);
  }
  if (schema.contains("enum")) {
    bool ok = false;
    for (const auto& e : schema["enum"]) ok = ok || e == value;
    if (!ok) return path + ": expected one of " + schema["enum"].dump() + ", found " + value.dump();
  }
  if (value.is_object()) {
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(r.get<std::string>())) return path + ": expected field " + r.get<std::string>() + ", found none";
    }
    const auto props = schema.value("properties", nlohmann::json::object());
    for (const auto& [k, v] : value.items()) {
      if (props.contains(k)) {
        std::string m = SchemaMismatch(doc, props[k], v, path + "." + k);
        if (!m.empty()) return m;
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false) {
        return path + ": expected no field " + k + ", found one";
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      std::string m = SchemaMismatch(doc, schema["items"], value[i], path + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
  }
  return "";
}

// "" if the answer `status` with `content_type` and `body` of route
// `method` `route` (OpenAPI form, e.g. "/v1/grants/{id}/revoke") is
// documented and its JSON body matches the documented schema.
inline std::string ResponseMismatch(const nlohmann::json& doc, const std::string& method, const std::string& route,
                                    int status, const std::string& content_type, const std::string& body) {
  std::string m = method;
  for (char& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto& op = doc["paths"][route][m];
  if (!op.is_object()) return method + " " + route + " is not documented";
  const std::string code = std::to_string(status);
  if (!op["responses"].contains(code)) return method + " " + route + " does not document status " + code;
  const auto& resp = op["responses"][code];
  const std::string type = content_type.substr(0, content_type.find(';'));
  if (type != "application/json" && type != "application/problem+json") return "";
  if (!resp.contains("content") || !resp["content"].contains(type)) {
    return method + " " + route + " " + code + " does not document content " + type;
  }
  auto value = nlohmann::json::parse(body, nullptr, false);
  if (value.is_discarded()) return method + " " + route + " " + code + ": the body is not JSON";
  std::string mismatch = SchemaMismatch(doc, resp["content"][type]["schema"], value);
  return mismatch.empty() ? "" : method + " " + route + " " + code + ": " + mismatch;
}

}  // namespace custody::testing
