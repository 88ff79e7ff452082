// Status and Result<T>: custody's error values. Shaped like abseil's Status and
// StatusOr; custody code throws no exceptions and returns these instead.
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "custody/base/check.h"

namespace custody {

// Canonical codes (abseil's set, the subset custody uses).
enum class StatusCode : uint8_t {
  kOk = 0,
  kCancelled,
  kUnknown,
  kInvalidArgument,    // bad input from a user or a file
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kResourceExhausted,
  kFailedPrecondition, // wrong state (e.g. expired grant, shredded dataset)
  kAborted,
  kOutOfRange,
  kUnimplemented,
  kInternal,
  kUnavailable,
  kDataLoss,           // tampering, failed MAC, failed proof, corruption
  kUnauthenticated,    // missing or wrong key / passphrase
};

// Returns the canonical name of `code`, e.g. "INVALID_ARGUMENT".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "`prefix`: message".
  Status WithPrefix(std::string_view prefix) const;

  // "INVALID_ARGUMENT: message" (or "OK").
  std::string ToString() const;

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status DataLossError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status ResourceExhaustedError(std::string message);
Status OutOfRangeError(std::string message);
Status AbortedError(std::string message);
Status UnimplementedError(std::string message);

// Result<T>: either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : value_(value) {}        // NOLINT: implicit by design
  Result(T&& value) : value_(std::move(value)) {}  // NOLINT
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    CUSTODY_CHECK(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    CUSTODY_CHECK(ok());
    return *value_;
  }
  const T& value() const& {
    CUSTODY_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    CUSTODY_CHECK(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace custody

#define CUSTODY_STATUS_CONCAT_INNER(a, b) a##b
#define CUSTODY_STATUS_CONCAT(a, b) CUSTODY_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define CUSTODY_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::custody::Status custody_status_tmp_ = (expr);   \
    if (!custody_status_tmp_.ok()) return custody_status_tmp_; \
  } while (0)

// CUSTODY_ASSIGN_OR_RETURN(auto x, ExprReturningResult());
#define CUSTODY_ASSIGN_OR_RETURN(lhs, expr) \
  CUSTODY_ASSIGN_OR_RETURN_IMPL(CUSTODY_STATUS_CONCAT(custody_result_, __LINE__), lhs, expr)
#define CUSTODY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
