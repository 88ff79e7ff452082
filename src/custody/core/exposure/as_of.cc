// The logged state at a time; see as_of.h.
#include "custody/core/exposure/as_of.h"

#include <nlohmann/json.hpp>

#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"

namespace custody::core {
namespace {

std::string StringDetail(const ledger::Event& ev, const char* name) {
  auto it = ev.details.find(name);
  return it != ev.details.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> IntDetail(const ledger::Event& ev, const char* name) {
  auto it = ev.details.find(name);
  if (it == ev.details.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

void Apply(const ledger::Event& ev, LoggedState& s) {
  namespace t = ledger::event_type;
  const std::string action = StringDetail(ev, "action");
  if (ev.type == t::kPartner) {
    const std::string name = StringDetail(ev, "name");
    if (action == "add") {
      s.partners[name] = "active";
    } else if (!StringDetail(ev, "status").empty()) {
      s.partners[name] = StringDetail(ev, "status");
    }
    if (action == "terminate") {  // revokes every member and grant of the partner
      for (auto& [id, m] : s.members) {
        if (m.partner == name) m.status = "revoked";
      }
      for (auto& [id, g] : s.grants) {
        if (g.partner == name) g.revoked = true;
      }
    }
  } else if (ev.type == t::kMember && action == "add") {
    if (auto id = IntDetail(ev, "member_id")) {
      s.members[*id] = {StringDetail(ev, "name"), StringDetail(ev, "partner"), "active"};
    }
  } else if (ev.type == t::kGrant && action == "add") {
    if (auto id = IntDetail(ev, "grant_id")) {
      GrantAsOf g;
      g.id = *id;
      g.partner = StringDetail(ev, "partner");
      g.member = StringDetail(ev, "member");
      g.dataset = StringDetail(ev, "dataset");
      g.version = static_cast<int>(IntDetail(ev, "version").value_or(0));
      if (auto expires = ParseTime(StringDetail(ev, "expires_at")); expires.ok()) g.expires_at = *expires;
      s.grants[*id] = std::move(g);
    }
  } else if (ev.type == t::kRevoke) {
    const std::string what = StringDetail(ev, "what");
    if (auto id = IntDetail(ev, "member_id"); what == "member" && id) {
      if (auto m = s.members.find(*id); m != s.members.end()) m->second.status = "revoked";
    } else if (auto gid = IntDetail(ev, "grant_id"); what == "grant" && gid) {
      if (auto g = s.grants.find(*gid); g != s.grants.end()) g->second.revoked = true;
    }
  } else if (ev.type == t::kRelease) {
    if (auto id = IntDetail(ev, "release_id")) s.releases.insert(*id);
  }
}

}  // namespace

std::string LoggedState::PartnerStatus(const std::string& name) const {
  auto it = partners.find(name);
  return it == partners.end() ? kNotYetAdded : it->second;
}

std::string LoggedState::MemberStatus(int64_t member_id) const {
  auto it = members.find(member_id);
  return it == members.end() ? kNotYetAdded : it->second.status;
}

std::string LoggedState::GrantStatus(int64_t grant_id) const {
  auto it = grants.find(grant_id);
  if (it == grants.end()) return kNotYetAdded;
  if (it->second.revoked) return "revoked";
  if (it->second.expires_at && *it->second.expires_at <= at) return kExpired;
  return "active";
}

Result<LoggedState> LoggedStateAt(Custody& c, Time at) {
  LoggedState s;
  s.at = at;
  const uint64_t size = c.log().size();
  for (uint64_t i = 0; i < size; ++i) {
    auto ev = ReadLogEvent(c.log(), i);
    if (!ev.ok()) return ev.status().WithPrefix("log entry " + std::to_string(i));
    if (ev->time <= at) Apply(*ev, s);
  }
  return s;
}

}  // namespace custody::core
