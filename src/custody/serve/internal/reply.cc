#include "custody/serve/internal/reply.h"

namespace custody::serve::internal {
namespace {

const char* TitleFor(int http) {
  switch (http) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

}  // namespace

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

Reply Problem(int http, const std::string& detail, const std::string& request_id) {
  Reply r;
  r.status = http;
  r.content_type = "application/problem+json";
  Json p = {{"type", "about:blank"}, {"title", TitleFor(http)}, {"status", http}, {"detail", detail},
            {"instance", "urn:custody:request:" + request_id}};
  r.body = Dump(p);
  if (http == 401) r.headers["WWW-Authenticate"] = "Bearer";
  return r;
}

Reply ProblemOf(const Status& s, const std::string& request_id) {
  const int http = HttpStatusFor(s.code());
  Reply r = Problem(http, http == 500 ? "internal error (see the server's log)" : s.message(), request_id);
  if (http == 500) r.internal_error = s.ToString();
  return r;
}

Reply JsonReply(const Json& j, int status) {
  Reply r;
  r.status = status;
  r.body = Dump(j);
  return r;
}

}  // namespace custody::serve::internal
