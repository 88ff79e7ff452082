// CUSTODY_CHECK: aborts on a violated internal invariant (a bug). Never use it
// for user input; return a Status instead.
#pragma once

namespace custody::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);
}  // namespace custody::internal

#define CUSTODY_CHECK(cond)                                          \
  do {                                                               \
    if (!(cond)) ::custody::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)
