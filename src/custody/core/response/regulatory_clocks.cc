// Regulatory clocks; see regulatory_clocks.h.
#include "custody/core/response/regulatory_clocks.h"

#include <chrono>

namespace custody::core {

Time GdprArt33Deadline(Time aware_at) { return aware_at + std::chrono::hours(72); }

int WeekdayUtc(Time t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  return static_cast<int>(std::chrono::weekday(std::chrono::sys_days(day)).c_encoding());
}

Time Sec8kDeadline(Time material_at) {
  auto day = std::chrono::floor<std::chrono::days>(material_at);
  int counted = 0;
  while (counted < 4) {
    day += std::chrono::days(1);
    const int wd = static_cast<int>(std::chrono::weekday(std::chrono::sys_days(day)).c_encoding());
    if (wd != 0 && wd != 6) ++counted;
  }
  return Time(day + std::chrono::days(1)) - std::chrono::seconds(1);
}

std::string NoticeStatus(std::optional<Time> deadline, std::optional<Time> notified, Time now,
                         bool has_deadline) {
  if (!has_deadline) return notified ? "met" : "open";
  if (notified) return deadline && *notified <= *deadline ? "met" : deadline ? "overdue" : "met";
  if (deadline && now > *deadline) return "overdue";
  return "open";
}

}  // namespace custody::core
