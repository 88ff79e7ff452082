#include "custody/base/clock.h"

#include <chrono>
#include <cstdio>

namespace custody {
namespace {
class SystemClock final : public Clock {
 public:
  Time Now() const override {
    return std::chrono::floor<Duration>(std::chrono::system_clock::now());
  }
};

// Days from civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
}  // namespace

Clock* Clock::System() {
  static SystemClock* c = new SystemClock();
  return c;
}

std::string FormatRfc3339(Time time) {
  const int64_t t = ToUnixSeconds(time);
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

Result<Time> ParseTime(std::string_view t) {
  // Strict ISO 8601 shapes only: every digit where a digit belongs, so
  // "30-06-2027" is refused rather than read as the year 30.
  auto digits = [&](size_t at, size_t n, int* out) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= t.size() || t[i] < '0' || t[i] > '9') return false;
      v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  bool ok = (t.size() == 10 || t.size() == 19 || t.size() == 20) && digits(0, 4, &y) &&
            t[4] == '-' && digits(5, 2, &mo) && t[7] == '-' && digits(8, 2, &d);
  if (ok && t.size() > 10) {
    ok = (t[10] == 'T' || t[10] == ' ') && digits(11, 2, &h) && t[13] == ':' &&
         digits(14, 2, &mi) && t[16] == ':' && digits(17, 2, &s) &&
         (t.size() == 19 || t[19] == 'Z');
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  ok = ok && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= kDays[mo - 1] &&
       (mo != 2 || d <= 28 || leap) && h <= 23 && mi <= 59 && s <= 59;
  if (!ok) {
    return InvalidArgumentError(
        "expected an ISO 8601 date YYYY-MM-DD or time YYYY-MM-DDTHH:MM:SSZ (UTC), found '" +
        std::string(t) + "'");
  }
  return FromUnixSeconds(DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
                             86400 +
                         h * 3600 + mi * 60 + s);
}

}  // namespace custody
