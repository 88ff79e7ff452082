// The OpenAPI document lists exactly the routes the server registers, with
// the roles routes.h gives them.
#include "custody/serve/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace custody::serve {
namespace {

std::string Lower(std::string_view s) {
  std::string o(s);
  for (char& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return o;
}

std::set<std::string> Roles(Access a) {
  switch (a) {
    case Access::kPublic: return {"public"};
    case Access::kMember: return {"member"};
    case Access::kRead: return {"admin", "auditor"};
    case Access::kAdmin: return {"admin"};
  }
  return {};
}

void CheckDocument(const nlohmann::json& doc) {
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented, registered;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) documented.insert(method + " " + path);
  }
  for (const Route& r : Routes()) {
    const std::string key = Lower(r.method) + " " + std::string(r.path);
    registered.insert(key);
    const auto& op = doc["paths"][std::string(r.path)][Lower(r.method)];
    ASSERT_TRUE(op.is_object()) << key << " is not in docs/openapi.json";
    std::set<std::string> roles;
    for (const auto& role : op["x-custody-roles"]) roles.insert(role.get<std::string>());
    EXPECT_EQ(roles, Roles(r.access)) << key;
  }
  EXPECT_EQ(documented, registered);
}

TEST(RoutesTest, OpenApiInTheRepositoryListsEveryRouteAndNoOther) {
  std::ifstream in(std::string(CUSTODY_SOURCE_DIR) + "/docs/openapi.json");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  CheckDocument(nlohmann::json::parse(ss.str(), nullptr, false));
}

TEST(RoutesTest, OpenApiBuiltIntoTheBinaryListsEveryRouteAndNoOther) {
  CheckDocument(nlohmann::json::parse(OpenApiJson(), nullptr, false));
}

TEST(RoutesTest, EveryRouteIsListedOnce) {
  std::set<std::string> seen;
  for (const Route& r : Routes()) {
    EXPECT_TRUE(seen.insert(std::string(r.method) + " " + std::string(r.path)).second) << r.path;
  }
}

}  // namespace
}  // namespace custody::serve
