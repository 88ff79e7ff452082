#include "custody/base/clock.h"

#include <chrono>
#include <cstdio>

namespace custody {
namespace {
class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
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

std::string FormatRfc3339(int64_t t) {
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

Result<int64_t> ParseTime(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string t(text);
  char tail[4] = {0};
  bool ok = false;
  if (t.size() == 10) {
    ok = std::sscanf(t.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3;
  } else if (t.size() == 20 && (t[10] == 'T' || t[10] == ' ')) {
    ok = std::sscanf(t.c_str() + 0, "%4d-%2d-%2d", &y, &mo, &d) == 3 &&
         std::sscanf(t.c_str() + 11, "%2d:%2d:%2d%1s", &h, &mi, &s, tail) == 4 && tail[0] == 'Z';
  } else if (t.size() == 19 && (t[10] == 'T' || t[10] == ' ')) {
    ok = std::sscanf(t.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3 &&
         std::sscanf(t.c_str() + 11, "%2d:%2d:%2d", &h, &mi, &s) == 3;
  }
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return InvalidArgumentError("expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, found '" +
                                t + "'");
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + s;
}

}  // namespace custody
