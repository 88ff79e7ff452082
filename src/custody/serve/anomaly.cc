#include "custody/serve/anomaly.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace custody::serve {
namespace {

constexpr std::chrono::hours kHour{1};
constexpr int64_t kHistoryHours = 7 * 24;

int64_t HourOf(Time t) { return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count(); }

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

Status ParseWorkingHours(const std::string& text, AnomalyRule* rule) {
  int start = -1, end = -1;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d-%d%c", &start, &end, &tail) != 2 || start < 0 || start > 23 ||
      end < 0 || end > 23 || start == end) {
    return InvalidArgumentError("working hours: expected START-END in UTC hours 0..23 with START != END "
                                "(e.g. 8-20 or 22-6), found '" + text + "'");
  }
  rule->start_hour = start;
  rule->end_hour = end;
  return OkStatus();
}

void AnomalyDetector::Expire(History* h, Time now) const {
  while (!h->recent.empty() && h->recent.front() <= now - kHour) h->recent.pop_front();
  const int64_t oldest = HourOf(now) - kHistoryHours - 1;
  while (!h->per_hour.empty() && h->per_hour.begin()->first < oldest) h->per_hour.erase(h->per_hour.begin());
}

double AnomalyDetector::OwnBaseline(const History& h, Time now) const {
  // Whole clock hours that end before the sliding hour begins.
  const int64_t last = HourOf(now - kHour);  // this hour overlaps the sliding hour: excluded
  const int64_t first = last - kHistoryHours;
  uint64_t tasks = 0, hours = 0;
  for (auto it = h.per_hour.lower_bound(first); it != h.per_hour.end() && it->first < last; ++it) {
    tasks += it->second;
    ++hours;
  }
  return hours == 0 ? 0 : static_cast<double>(tasks) / static_cast<double>(hours);
}

std::optional<double> AnomalyDetector::PeerBaseline(MemberId member, PartnerId partner, Time now) {
  std::vector<uint64_t> counts;
  for (auto& [id, h] : members_) {
    if (id == member || h.partner != partner) continue;
    Expire(&h, now);
    if (!h.recent.empty()) counts.push_back(h.recent.size());
  }
  if (counts.empty()) return std::nullopt;
  std::sort(counts.begin(), counts.end());
  const size_t n = counts.size();
  return n % 2 == 1 ? static_cast<double>(counts[n / 2])
                    : (static_cast<double>(counts[n / 2 - 1]) + static_cast<double>(counts[n / 2])) / 2;
}

std::optional<Anomaly> AnomalyDetector::Check(MemberId member, PartnerId partner, Time now) {
  History& h = members_[member];
  h.partner = partner;
  Expire(&h, now);
  if (rule_.hours()) {
    const int hour = static_cast<int>(((HourOf(now) % 24) + 24) % 24);
    const bool inside = rule_.start_hour < rule_.end_hour
                            ? hour >= rule_.start_hour && hour < rule_.end_hour
                            : hour >= rule_.start_hour || hour < rule_.end_hour;
    if (!inside) {
      Anomaly a;
      a.kind = "hours";
      a.reason = "a task asked for at " + std::to_string(hour) + ":xx UTC, outside the working hours " +
                 std::to_string(rule_.start_hour) + "-" + std::to_string(rule_.end_hour) + " UTC";
      a.last_hour = h.recent.size() + 1;
      const int wait_hours = (rule_.start_hour - hour + 24) % 24;
      const auto into_hour = now - std::chrono::floor<std::chrono::hours>(now);
      a.retry_after = std::max(std::chrono::seconds(1),
                               std::chrono::ceil<std::chrono::seconds>(std::chrono::hours(wait_hours) - into_hour));
      const int64_t day = HourOf(now) / 24;
      a.first = h.hours_alerted_day != day;
      h.hours_alerted_day = day;
      return a;
    }
  }
  if (!rule_.rate()) return std::nullopt;
  const uint64_t c = h.recent.size() + 1;
  if (c < rule_.min_tasks) return std::nullopt;
  Anomaly a;
  a.kind = "rate";
  a.last_hour = c;
  const double own = OwnBaseline(h, now);
  const std::optional<double> peers = PeerBaseline(member, partner, now);
  if (own > 0 && static_cast<double>(c) > rule_.factor * own) {
    a.baseline = own;
    a.baseline_kind = "own";
    a.reason = std::to_string(c) + " tasks in the last hour, over " + Fixed(rule_.factor) +
               " times the member's own mean of " + Fixed(own) + " per active hour in the last 7 days";
  } else if (peers && *peers > 0 && static_cast<double>(c) > rule_.factor * *peers) {
    a.baseline = *peers;
    a.baseline_kind = "peers";
    a.reason = std::to_string(c) + " tasks in the last hour, over " + Fixed(rule_.factor) +
               " times the median of " + Fixed(*peers) + " of the partner's other active members";
  } else {
    return std::nullopt;
  }
  // One more fits once the oldest task of the sliding hour has left it.
  const Time oldest = h.recent.empty() ? now : h.recent.front();
  a.retry_after =
      std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(oldest + kHour - now));
  const int64_t hour = HourOf(now);
  a.first = h.rate_alerted_hour != hour;
  h.rate_alerted_hour = hour;
  return a;
}

void AnomalyDetector::Record(MemberId member, PartnerId partner, Time t) {
  History& h = members_[member];
  h.partner = partner;
  h.per_hour[HourOf(t)] += 1;
  h.recent.insert(std::upper_bound(h.recent.begin(), h.recent.end(), t), t);
}

void AnomalyDetector::Forget(MemberId member, Time t) {
  auto found = members_.find(member);
  if (found == members_.end()) return;
  History& h = found->second;
  auto bucket = h.per_hour.find(HourOf(t));
  if (bucket != h.per_hour.end() && --bucket->second == 0) h.per_hour.erase(bucket);
  auto it = std::find(h.recent.begin(), h.recent.end(), t);
  if (it != h.recent.end()) h.recent.erase(it);
}

}  // namespace custody::serve
