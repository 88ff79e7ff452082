// Regulatory clocks of a breach: when each notice is due and whether it was
// sent in time. GDPR Art. 33: the supervisory authority within 72 hours of
// becoming aware. SEC Form 8-K Item 1.05: within four business days of
// determining the incident material; business days skip Saturdays and
// Sundays, counted in UTC. US federal holidays are not modeled (a deadline
// after one is a day early: conservative). docs/audit.md, "Incident report".
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "custody/base/clock.h"

namespace custody::core {

// aware_at + 72 hours.
Time GdprArt33Deadline(Time aware_at);
// The end (23:59:59 UTC) of the fourth business day after the day of
// `material_at` (that day itself is day 0, whatever its weekday).
Time Sec8kDeadline(Time material_at);
// The day of the week of `t` in UTC, 0 = Sunday .. 6 = Saturday.
int WeekdayUtc(Time t);

// "met" (sent at or before the deadline), "overdue" (not sent and the
// deadline has passed, or sent after it), "open" (not sent, not yet due, or
// its clock has not started: deadline unset). A notice without a deadline
// is "met" once sent.
std::string NoticeStatus(std::optional<Time> deadline, std::optional<Time> notified, Time now,
                         bool has_deadline);

}  // namespace custody::core
