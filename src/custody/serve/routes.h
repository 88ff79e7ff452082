// The routes of `custody serve` and who may call each: the authorization
// matrix of docs/api.md, as data. The server registers exactly these routes
// (and routes_test.cc checks docs/openapi.json lists exactly these).
// Thread-safety: constant data.
#pragma once

#include <span>
#include <string_view>

namespace custody::serve {

// Who may call a route. kPublic routes need no token.
enum class Access {
  kPublic,       // anyone (health, readiness, the OpenAPI document, the dashboard's files)
  kMember,       // a member token only
  kRead,         // admin or auditor
  kAdmin,        // admin only: the writes (parties, grants, tokens, trace, incidents)
};

struct Route {
  std::string_view method;   // "GET" or "POST"
  std::string_view path;     // OpenAPI form: "/v1/tasks/{id}/result"
  Access access;
};

// Every route, in the order docs/api.md lists them.
std::span<const Route> Routes();

// docs/openapi.json as built into the binary (served at /openapi.json).
std::string_view OpenApiJson();

}  // namespace custody::serve
