// What a route handler of custody serve answers: a body, or an RFC 9457
// problem (docs/api.md, "Errors"), and the Status-to-HTTP mapping every
// route shares. Private to the serve module.
// Thread-safety: pure functions and values.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"

namespace custody::serve::internal {

using Json = nlohmann::json;

// Compact JSON text; invalid UTF-8 in strings is replaced, never thrown on.
std::string Dump(const Json& j);

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  // For a 500: the error, written to the access log line, never to the client.
  std::string internal_error;
};

// 400 bad input, 401, 403 (also a wrong state), 404, 409, 413
// (kResourceExhausted is 429: limits), 503, else 500.
int HttpStatusFor(StatusCode code);

// A problem: {"type": "about:blank", "title", "status", "detail",
// "instance": "urn:custody:request:<id>"}; 401 adds WWW-Authenticate.
Reply Problem(int http, const std::string& detail, const std::string& request_id);

// The problem of `s`. A 500 says only "internal error": its message may
// name files.
Reply ProblemOf(const Status& s, const std::string& request_id);

// 200 (or `status`) with `j` as its body.
Reply JsonReply(const Json& j, int status = 200);

}  // namespace custody::serve::internal
