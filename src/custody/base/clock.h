// Time: the one time type of custody, a point in UTC with millisecond
// resolution; Clock: where "now" comes from, replaceable in tests; RFC 3339
// formatting/parsing (UTC) for time stamps shown to people.
//
// On disk every time is an integer count of milliseconds since the Unix
// epoch (catalog columns *_at, log events' "time"); ToUnixMillis and
// FromUnixMillis are the only conversions to and from that form.
// Thread-safety: SystemClock is thread-safe; FakeClock is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "custody/base/status.h"

namespace custody {

using Time = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

// Milliseconds since the Unix epoch: the on-disk form of a Time.
constexpr int64_t ToUnixMillis(Time t) { return t.time_since_epoch().count(); }
constexpr Time FromUnixMillis(int64_t ms) { return Time(Duration(ms)); }
// Whole seconds since the Unix epoch (rounded down), and back.
constexpr int64_t ToUnixSeconds(Time t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
constexpr Time FromUnixSeconds(int64_t s) { return Time(std::chrono::seconds(s)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
  static Clock* System();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_(start) {}
  Time Now() const override { return now_; }
  void Advance(Duration d) { now_ += d; }

 private:
  Time now_;
};

// "2026-11-28T22:07:44Z" (milliseconds are not shown).
std::string FormatRfc3339(Time t);
// Accepts "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SSZ" and
// "YYYY-MM-DD HH:MM:SS" (UTC); kInvalidArgument naming what was found.
Result<Time> ParseTime(std::string_view text);

}  // namespace custody
