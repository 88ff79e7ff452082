// Limits: how many tasks a member, and a grant, may be served per hour and
// per day (`custody serve --member-per-hour ...` or the [limits] table of a
// TOML file, docs/api.md "Limits"). A request over a limit is refused with
// 429 and Retry-After, and a `serve.alert` event is logged (once per member
// and window, so a client hammering the server does not flood the log);
// with suspend_member the member is also revoked.
// The windows are sliding and count the tasks served since the server
// started plus those in the catalog from before (LimitTracker::Seed).
// Thread-safety: LimitTracker is internally synchronized.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/serve/anomaly.h"

namespace custody::serve {

struct Limits {
  uint64_t member_per_hour = 0;  // 0: no limit
  uint64_t member_per_day = 0;
  uint64_t grant_per_hour = 0;
  uint64_t grant_per_day = 0;
  bool suspend_member = false;  // revoke a member that breaches a limit or the anomaly rule
  AnomalyRule anomaly;          // anomaly.h; off by default
};

// Reads the [limits] table of a TOML file: member_per_hour, member_per_day,
// grant_per_hour, grant_per_day (non-negative integers), suspend_member
// (boolean); and the [anomaly] table: factor (a number > 1), min_tasks (a
// positive integer), hours ("START-END", UTC). Values already set in
// `*limits` (non-zero, or true) are kept: flags win over the file.
// kInvalidArgument naming file:line and key.
Status LoadLimitsToml(const std::string& path, const std::string& text, Limits* limits);

// A refused task: a quota reached (kind "limit") or the anomaly rule
// (kind "anomaly", scope "member", window "hour" for the rate rule and
// "hours" for the working hours; `anomaly` says which and why).
struct Breach {
  std::string scope;   // "member" or "grant"
  std::string window;  // "hour" or "day" (limits); "hour" or "hours" (anomalies)
  uint64_t limit = 0;  // the quota (limits)
  std::chrono::seconds retry_after{0};
  bool first = false;  // first breach of this scope and window since it last reset
  std::string kind = "limit";
  std::optional<Anomaly> anomaly;
  // One sentence: what was exceeded (the 429's detail).
  std::string Describe() const;
};

class LimitTracker {
 public:
  explicit LimitTracker(Limits limits) : limits_(limits), anomaly_(limits.anomaly) {}
  const Limits& limits() const { return limits_; }
  bool any() const {
    return limits_.member_per_hour || limits_.member_per_day || limits_.grant_per_hour ||
           limits_.grant_per_day || limits_.anomaly.any();
  }
  // How far back the tasks served before the server started must be
  // Seed()ed: a day for the quotas, 8 days with the anomaly rule.
  std::chrono::hours history() const {
    return std::chrono::hours(limits_.anomaly.rate() ? 8 * 24 : 24);
  }
  // Counts a task served at `t` before the server started.
  void Seed(MemberId member, PartnerId partner, GrantId grant, Time t);
  // The breach a new task for (member of partner, grant) at `now` would
  // cause, or nullopt (then the task is counted as reserved; Release undoes
  // it if the task was not served). Quotas are checked before anomalies.
  std::optional<Breach> Reserve(MemberId member, PartnerId partner, GrantId grant, Time now);
  void Release(MemberId member, GrantId grant, Time at);

 private:
  struct Window {
    std::deque<Time> times;  // sorted; those within the last day
    bool alerted_hour = false, alerted_day = false;
  };
  std::optional<Breach> Check(Window& w, uint64_t per_hour, uint64_t per_day, Time now,
                              const char* scope);
  Limits limits_;
  std::mutex mu_;
  AnomalyDetector anomaly_;
  std::map<MemberId, Window> members_;
  std::map<GrantId, Window> grants_;
};

}  // namespace custody::serve
