#include "custody/serve/limits.h"

#include <algorithm>
#include <toml++/toml.h>

#include "custody/serve/internal/toml_text.h"

namespace custody::serve {
namespace {

constexpr std::chrono::hours kHour{1};
constexpr std::chrono::hours kDay{24};

void Expire(std::deque<Time>* times, Time now) {
  while (!times->empty() && times->front() <= now - kDay) times->pop_front();
}

uint64_t CountSince(const std::deque<Time>& times, Time since) {
  return static_cast<uint64_t>(times.end() - std::upper_bound(times.begin(), times.end(), since));
}

// The [anomaly] table; values already set (flags) are kept.
Status LoadAnomalyTable(const std::string& path, const toml::table* t, AnomalyRule* rule) {
  if (t == nullptr) return OkStatus();
  for (const auto& [key, node] : *t) {
    const std::string where = internal::WhereInToml(path, node, "anomaly", key);
    if (key == "factor") {
      auto v = node.value<double>();
      if (!v || *v <= 1) return InvalidArgumentError(where + ": expected a number greater than 1");
      if (rule->factor == 0) rule->factor = *v;
    } else if (key == "min_tasks") {
      auto v = node.value<int64_t>();
      if (!node.is_integer() || !v || *v < 1) return InvalidArgumentError(where + ": expected a positive integer");
      rule->min_tasks = static_cast<uint64_t>(*v);
    } else if (key == "hours") {
      auto v = node.value<std::string>();
      if (!v) return InvalidArgumentError(where + ": expected a string START-END (UTC hours)");
      if (rule->hours()) continue;
      AnomalyRule parsed;
      Status s = ParseWorkingHours(*v, &parsed);
      if (!s.ok()) return s.WithPrefix(where);
      rule->start_hour = parsed.start_hour;
      rule->end_hour = parsed.end_hour;
    } else {
      return InvalidArgumentError(where + ": unknown key; expected factor, min_tasks or hours");
    }
  }
  return OkStatus();
}

}  // namespace

Status LoadLimitsToml(const std::string& path, const std::string& text, Limits* limits) {
  toml::table root;
  CUSTODY_RETURN_IF_ERROR(internal::ParseTomlText(path, text, &root));
  CUSTODY_RETURN_IF_ERROR(LoadAnomalyTable(path, root["anomaly"].as_table(), &limits->anomaly));
  const toml::table* t = root["limits"].as_table();
  if (t == nullptr) return OkStatus();
  for (const auto& [key, node] : *t) {
    const std::string where = internal::WhereInToml(path, node, "limits", key);
    if (key == "suspend_member") {
      auto b = node.value<bool>();
      if (!b) return InvalidArgumentError(where + ": expected true or false");
      limits->suspend_member = limits->suspend_member || *b;
      continue;
    }
    uint64_t* field = key == "member_per_hour" ? &limits->member_per_hour
                      : key == "member_per_day" ? &limits->member_per_day
                      : key == "grant_per_hour" ? &limits->grant_per_hour
                      : key == "grant_per_day"  ? &limits->grant_per_day
                                                : nullptr;
    if (field == nullptr) {
      return InvalidArgumentError(where + ": unknown key; expected member_per_hour, member_per_day, "
                                  "grant_per_hour, grant_per_day or suspend_member");
    }
    auto v = node.value<int64_t>();
    if (!node.is_integer() || !v || *v < 0) {
      return InvalidArgumentError(where + ": expected a non-negative integer");
    }
    if (*field == 0) *field = static_cast<uint64_t>(*v);
  }
  return OkStatus();
}

std::string Breach::Describe() const {
  if (anomaly) return "anomaly: " + anomaly->reason;
  return scope + " limit of " + std::to_string(limit) + " tasks per " + window + " reached";
}

void LimitTracker::Seed(MemberId member, PartnerId partner, GrantId grant, Time t) {
  std::lock_guard<std::mutex> lock(mu_);
  anomaly_.Record(member, partner, t);
  for (std::deque<Time>* times : {&members_[member].times, &grants_[grant].times}) {
    times->insert(std::upper_bound(times->begin(), times->end(), t), t);
  }
}

std::optional<Breach> LimitTracker::Check(Window& w, uint64_t per_hour, uint64_t per_day, Time now,
                                          const char* scope) {
  Expire(&w.times, now);
  const uint64_t hour = CountSince(w.times, now - kHour);
  const uint64_t day = w.times.size();
  if (hour < per_hour || per_hour == 0) w.alerted_hour = false;
  if (day < per_day || per_day == 0) w.alerted_day = false;
  // The oldest task that must leave the window before one more fits.
  auto retry = [&](std::chrono::milliseconds span, uint64_t limit) {
    const Time oldest = w.times[w.times.size() - limit];
    const auto wait = oldest + span - now;
    return std::max(std::chrono::seconds(1),
                    std::chrono::ceil<std::chrono::seconds>(wait));
  };
  if (per_day != 0 && day >= per_day) {
    Breach b{scope, "day", per_day, retry(kDay, per_day), !w.alerted_day};
    w.alerted_day = true;
    return b;
  }
  if (per_hour != 0 && hour >= per_hour) {
    Breach b{scope, "hour", per_hour, retry(kHour, per_hour), !w.alerted_hour};
    w.alerted_hour = true;
    return b;
  }
  return std::nullopt;
}

std::optional<Breach> LimitTracker::Reserve(MemberId member, PartnerId partner, GrantId grant, Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Window& m = members_[member];
  Window& g = grants_[grant];
  if (auto b = Check(m, limits_.member_per_hour, limits_.member_per_day, now, "member")) return b;
  if (auto b = Check(g, limits_.grant_per_hour, limits_.grant_per_day, now, "grant")) return b;
  if (auto a = anomaly_.Check(member, partner, now)) {
    Breach b;
    b.kind = "anomaly";
    b.scope = "member";
    b.window = a->kind == "hours" ? "hours" : "hour";
    b.retry_after = a->retry_after;
    b.first = a->first;
    b.anomaly = std::move(a);
    return b;
  }
  anomaly_.Record(member, partner, now);
  for (std::deque<Time>* times : {&m.times, &g.times}) {
    times->insert(std::upper_bound(times->begin(), times->end(), now), now);
  }
  return std::nullopt;
}

void LimitTracker::Release(MemberId member, GrantId grant, Time at) {
  std::lock_guard<std::mutex> lock(mu_);
  anomaly_.Forget(member, at);
  for (std::deque<Time>* times : {&members_[member].times, &grants_[grant].times}) {
    auto it = std::find(times->begin(), times->end(), at);
    if (it != times->end()) times->erase(it);
  }
}

}  // namespace custody::serve
