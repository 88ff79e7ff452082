// The state of partners, members, grants and releases as it was at a time,
// derived from the custody log alone: each event with a time at or before
// `at` is applied in log order (partner add/suspend/resume/terminate, member
// add, grant add, revoke of a member or grant, release). The catalog's rows
// carry times too, but those are not committed by the log; the log's are.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "custody/base/clock.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// Status names beyond the catalog's "active", "revoked", "suspended",
// "terminated": a row whose add event is later than the time, and a grant
// whose expiry is at or before it.
inline constexpr char kNotYetAdded[] = "not yet added";
inline constexpr char kExpired[] = "expired";

struct MemberAsOf {
  std::string name;
  std::string partner;
  std::string status;  // "active" or "revoked"
};

struct GrantAsOf {
  int64_t id = 0;
  std::string partner;
  std::string member;  // "" for a grant to the whole partner
  std::string dataset;
  int version = 0;
  std::optional<Time> expires_at;  // unset if the event holds no valid expires_at
  bool revoked = false;
};

struct LoggedState {
  Time at;
  std::map<std::string, std::string> partners;  // status by partner name
  std::map<int64_t, MemberAsOf> members;        // by member id
  std::map<int64_t, GrantAsOf> grants;          // by grant id
  std::set<int64_t> releases;                   // release ids logged by `at`

  // "active", "suspended", "terminated", or kNotYetAdded.
  std::string PartnerStatus(const std::string& name) const;
  // "active", "revoked", or kNotYetAdded.
  std::string MemberStatus(int64_t member_id) const;
  // "active", "revoked", kExpired (expiry at or before `at`), or kNotYetAdded.
  std::string GrantStatus(int64_t grant_id) const;
};

// Reads the whole log and applies the events timed at or before `at`.
// Errors: those of reading an entry (kDataLoss / kInvalidArgument naming
// its index).
Result<LoggedState> LoggedStateAt(Custody& custody, Time at);

}  // namespace custody::core
