// How route files beside server.cc (admin_routes.cc, analysis_routes.cc)
// register their handlers with the running server without reaching into
// it: the server is a RouteHost. Private to the serve module.
// Thread-safety: RegisterLocked before the server runs; the handlers it
// registers run on HTTP worker threads, one at a time over the vault.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/serve/internal/reply.h"
#include "custody/serve/token.h"

namespace custody::serve::internal {

// A handler of an authenticated route: `who` passed the route's access rule.
using LockedHandler =
    std::function<Result<Reply>(const httplib::Request& req, const Principal& who, const std::string& request_id)>;

class RouteHost {
 public:
  virtual ~RouteHost() = default;

  // Registers route `key` ("POST /v1/partners", as routes.cc lists it) for
  // paths matching the regex `pattern`. The handler runs with the vault's
  // mutex held and the vault's actor set to "<principal's actor>
  // request:<request id>", so every event it commits names who asked and
  // the request; an error Status becomes its problem. CHECK-fails for a key
  // routes.cc does not list (a bug).
  virtual void RegisterLocked(std::string_view key, const std::string& pattern, LockedHandler handler) = 0;

  // The open vault; only from inside a handler.
  virtual core::Custody& vault() = 0;

  // Token `id` was revoked by a handler: refused from the next request on.
  virtual void TokenRevoked(TokenId id) = 0;

  // The largest dump body POST /v1/match and /v1/trace take (413 above).
  virtual size_t max_dump_bytes() const = 0;
};

// admin_routes.cc: the admin writes (partners, members, grants, tokens).
void RegisterAdminRoutes(RouteHost& host);
// analysis_routes.cc: match, trace, incidents, audit.
void RegisterAnalysisRoutes(RouteHost& host);

}  // namespace custody::serve::internal
