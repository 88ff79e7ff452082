#include "custody/serve/routes.h"

#include "custody/serve/openapi_data.h"

namespace custody::serve {

std::span<const Route> Routes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/healthz", Access::kPublic},
      {"GET", "/readyz", Access::kPublic},
      {"GET", "/openapi.json", Access::kPublic},
      {"GET", "/", Access::kPublic},
      {"GET", "/dashboard/{file}", Access::kPublic},
      {"GET", "/metrics", Access::kRead},
      {"POST", "/v1/tasks/next", Access::kMember},
      {"POST", "/v1/tasks/{id}/result", Access::kMember},
      {"POST", "/v1/releases/{id}/key", Access::kMember},
      {"GET", "/v1/datasets", Access::kRead},
      {"GET", "/v1/partners", Access::kRead},
      {"GET", "/v1/members", Access::kRead},
      {"GET", "/v1/grants", Access::kRead},
      {"GET", "/v1/releases", Access::kRead},
      {"GET", "/v1/exposure", Access::kRead},
      {"GET", "/v1/risk", Access::kRead},
      {"GET", "/v1/incidents", Access::kRead},
      {"GET", "/v1/log/status", Access::kRead},
      {"GET", "/v1/log/checkpoint", Access::kRead},
      {"GET", "/v1/log/proof/inclusion", Access::kRead},
      {"GET", "/v1/log/proof/consistency", Access::kRead},
      {"GET", "/log/{path}", Access::kRead},
      // The admin writes (admin_routes.cc).
      {"POST", "/v1/partners", Access::kAdmin},
      {"POST", "/v1/partners/{name}/suspend", Access::kAdmin},
      {"POST", "/v1/partners/{name}/resume", Access::kAdmin},
      {"POST", "/v1/partners/{name}/terminate", Access::kAdmin},
      {"POST", "/v1/members", Access::kAdmin},
      {"POST", "/v1/members/{name}/revoke", Access::kAdmin},
      {"POST", "/v1/grants", Access::kAdmin},
      {"POST", "/v1/grants/{id}/revoke", Access::kAdmin},
      {"GET", "/v1/tokens", Access::kAdmin},
      {"POST", "/v1/tokens", Access::kAdmin},
      {"POST", "/v1/tokens/{id}/revoke", Access::kAdmin},
      // Analysis (analysis_routes.cc).
      {"POST", "/v1/match", Access::kRead},
      {"POST", "/v1/trace", Access::kAdmin},
      {"GET", "/v1/incidents/{id}", Access::kRead},
      {"GET", "/v1/incidents/{id}/report", Access::kRead},
      {"POST", "/v1/incidents", Access::kAdmin},
      {"POST", "/v1/incidents/{id}/notes", Access::kAdmin},
      {"POST", "/v1/incidents/{id}/update", Access::kAdmin},
      {"POST", "/v1/incidents/{id}/contain", Access::kAdmin},
      {"POST", "/v1/incidents/{id}/close", Access::kAdmin},
      {"GET", "/v1/audit", Access::kRead},
  };
  return kRoutes;
}

std::string_view OpenApiJson() { return kOpenApiJson; }

}  // namespace custody::serve
