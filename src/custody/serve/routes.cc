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
  };
  return kRoutes;
}

std::string_view OpenApiJson() { return kOpenApiJson; }

}  // namespace custody::serve
