// Anomaly: the rule that flags a member pulling tasks far faster than their
// own history or than the other members of their partner, or outside the
// hours the lab set (docs/api.md, "Limits and alerts"). A flagged request is
// treated like a limit breach: refused with 429, alerted, optionally the
// member suspended, and a webhook sent.
//
// The rate rule compares C, the member's tasks in the sliding hour including
// the one asked for, with two baselines and fires when C >= min_tasks and C
// exceeds `factor` times either:
//   own:   the member's mean tasks per active clock hour over the 7 days
//          before the sliding hour (hours with no task do not count);
//   peers: the median of the sliding-hour counts of the partner's other
//          members who were served a task in that hour.
// A baseline that does not exist (a new member, no active peer) is not
// compared. The hours rule fires for any request outside [start_hour,
// end_hour) UTC (start > end wraps midnight).
// Deterministic: a function of the task times it was shown and `now`.
// Thread-safety: none; LimitTracker calls it under its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"

namespace custody::serve {

struct AnomalyRule {
  double factor = 0;        // 0: the rate rule is off; else > 1
  uint64_t min_tasks = 50;  // the rate rule needs this many tasks in the hour
  int start_hour = -1;      // UTC working hours [start_hour, end_hour); -1: any hour
  int end_hour = -1;
  bool rate() const { return factor > 0; }
  bool hours() const { return start_hour >= 0 && end_hour >= 0 && start_hour != end_hour; }
  bool any() const { return rate() || hours(); }
};

// Parses working hours "H-H" (UTC hours 0..23, start != end), e.g. "8-20"
// or "22-6". kInvalidArgument naming what was found.
Status ParseWorkingHours(const std::string& text, AnomalyRule* rule);

struct Anomaly {
  std::string kind;    // "rate" or "hours"
  std::string reason;  // one sentence for the alert event and the 429's detail
  uint64_t last_hour = 0;  // C
  double baseline = 0;     // the baseline exceeded (rate), 0 for hours
  std::string baseline_kind;  // "own" or "peers" (rate), "" for hours
  std::chrono::seconds retry_after{0};
  bool first = false;  // the first of this kind for the member this clock hour (rate) or day (hours)
};

class AnomalyDetector {
 public:
  explicit AnomalyDetector(AnomalyRule rule) : rule_(rule) {}
  const AnomalyRule& rule() const { return rule_; }

  // The anomaly one more task for `member` (of `partner`) at `now` would
  // be, or nullopt.
  std::optional<Anomaly> Check(MemberId member, PartnerId partner, Time now);
  // A task served (or, at start, one served before) at `t`.
  void Record(MemberId member, PartnerId partner, Time t);
  // Undoes a Record(member, ..., t) whose task was not served.
  void Forget(MemberId member, Time t);

 private:
  struct History {
    PartnerId partner;
    std::map<int64_t, uint32_t> per_hour;  // clock hour (Unix hours) -> tasks, last 8 days
    std::deque<Time> recent;               // sorted task times of the last hour
    int64_t rate_alerted_hour = -1;
    int64_t hours_alerted_day = -1;
  };
  void Expire(History* h, Time now) const;
  double OwnBaseline(const History& h, Time now) const;
  std::optional<double> PeerBaseline(MemberId member, PartnerId partner, Time now);

  AnomalyRule rule_;
  std::map<MemberId, History> members_;
};

}  // namespace custody::serve
