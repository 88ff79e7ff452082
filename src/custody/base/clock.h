// Clock: wall-clock time as Unix seconds, replaceable in tests, and RFC 3339
// formatting/parsing (UTC) for time stamps in the catalog, log and reports.
// Thread-safety: SystemClock is thread-safe; FakeClock is not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "custody/base/status.h"

namespace custody {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual int64_t NowSeconds() const = 0;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  static Clock* System();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t seconds) : millis_(seconds * 1000) {}
  int64_t NowSeconds() const override { return millis_ / 1000; }
  int64_t NowMillis() const override { return millis_; }
  void Advance(int64_t seconds) { millis_ += seconds * 1000; }

 private:
  int64_t millis_;
};

// "2026-11-28T22:07:44Z".
std::string FormatRfc3339(int64_t unix_seconds);
// Accepts "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SSZ" and
// "YYYY-MM-DD HH:MM:SS" (UTC).
Result<int64_t> ParseTime(std::string_view text);

}  // namespace custody
