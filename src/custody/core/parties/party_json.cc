#include "custody/core/parties/party_json.h"

#include <optional>
#include <string>

#include "custody/base/clock.h"
#include "custody/base/encoding.h"

namespace custody::core {
namespace {

nlohmann::json OptTime(const std::optional<Time>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json();
}

}  // namespace

nlohmann::json PartnerToJson(const Partner& p) {
  return {{"id", p.id}, {"name", p.name}, {"contact", p.contact}, {"contract", p.contract},
          {"notes", p.notes}, {"status", std::string(store::PartnerStatusName(p.status))},
          {"created_at", FormatRfc3339(p.created_at)}, {"changed_at", FormatRfc3339(p.changed_at)}};
}

nlohmann::json MemberToJson(const Member& m) {
  return {{"id", m.id}, {"name", m.name}, {"partner", m.partner}, {"email", m.email},
          {"public_key", Base64Encode(m.public_key)}, {"status", std::string(store::MemberStatusName(m.status))},
          {"created_at", FormatRfc3339(m.created_at)}, {"revoked_at", OptTime(m.revoked_at)}};
}

nlohmann::json GrantToJson(const Grant& g) {
  return {{"id", g.id}, {"partner", g.partner},
          {"member", g.member.empty() ? nlohmann::json() : nlohmann::json(g.member)},
          {"dataset", g.dataset}, {"version", g.version}, {"fields", g.fields},
          {"selection", SelectionToJson(g.selection, false)},
          {"expires_at", FormatRfc3339(g.expires_at)}, {"purpose", g.purpose},
          {"status", std::string(store::GrantStatusName(g.status))},
          {"created_at", FormatRfc3339(g.created_at)}, {"revoked_at", OptTime(g.revoked_at)}};
}

}  // namespace custody::core
