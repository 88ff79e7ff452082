#include "custody/base/status.h"

#include <cstdio>
#include <cstdlib>

namespace custody {
namespace internal {
void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "custody: internal check failed at %s:%d: %s\n", file, line, expr);
  std::abort();
}
}  // namespace internal

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kUnknown: return "UNKNOWN";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kAborted: return "ABORTED";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

Status Status::WithPrefix(std::string_view prefix) const {
  if (ok()) return *this;
  std::string m(prefix);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

#define CUSTODY_DEFINE_ERROR(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
CUSTODY_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
CUSTODY_DEFINE_ERROR(NotFoundError, kNotFound)
CUSTODY_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
CUSTODY_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
CUSTODY_DEFINE_ERROR(DataLossError, kDataLoss)
CUSTODY_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
CUSTODY_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
CUSTODY_DEFINE_ERROR(InternalError, kInternal)
CUSTODY_DEFINE_ERROR(UnavailableError, kUnavailable)
CUSTODY_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
CUSTODY_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
CUSTODY_DEFINE_ERROR(AbortedError, kAborted)
CUSTODY_DEFINE_ERROR(UnimplementedError, kUnimplemented)
#undef CUSTODY_DEFINE_ERROR

}  // namespace custody
