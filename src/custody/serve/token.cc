#include "custody/serve/token.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/ledger/custody_log.h"
#include "custody/store/catalog.h"

namespace custody::serve {
namespace {

constexpr size_t kTokenBytes = 32;

std::string Base64Url(std::string_view bytes) {
  std::string b = Base64Encode(bytes);
  while (!b.empty() && b.back() == '=') b.pop_back();
  for (char& ch : b) {
    if (ch == '+') ch = '-';
    if (ch == '/') ch = '_';
  }
  return b;
}

std::string TokenHash(std::string_view token) { return core::Sha256Hex(token); }

// The issue event of `row` must commit to its hash, role and member.
Status CheckIssueLogged(core::Custody& c, const store::TokenRow& row) {
  const std::string where = "token " + ToString(row.id);
  if (!row.log_index || *row.log_index < 0 || static_cast<uint64_t>(*row.log_index) >= c.log().size()) {
    return UnauthenticatedError(where + ": no issue event in the custody log");
  }
  CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, core::ReadLogEvent(c.log(), static_cast<uint64_t>(*row.log_index)));
  auto h = ev.hashes.find("token");
  const auto& d = ev.details;
  const bool member_ok = row.member_id ? (d.contains("member_id") && d["member_id"] == row.member_id->value())
                                       : !d.contains("member_id");
  if (ev.type != kTokenEvent || d.value("action", "") != "issue" || !d.contains("token_id") ||
      d["token_id"] != row.id.value() || d.value("role", "") != store::TokenRoleName(row.role) ||
      !member_ok || h == ev.hashes.end() || h->second != row.token_hash) {
    return UnauthenticatedError(where + ": the catalog row does not match its issue event (log index " +
                                std::to_string(*row.log_index) + ")");
  }
  return OkStatus();
}

Result<TokenInfo> InfoOf(core::Custody& c, const store::TokenRow& row, Time now) {
  TokenInfo t;
  t.id = row.id;
  t.role = row.role;
  t.member_id = row.member_id;
  t.created_at = row.created_at;
  t.expires_at = row.expires_at;
  t.revoked_at = row.revoked_at;
  t.state = "active";
  if (row.member_id) {
    CUSTODY_ASSIGN_OR_RETURN(core::Member m, core::GetMember(c, *row.member_id));
    t.member = m.name;
    CUSTODY_ASSIGN_OR_RETURN(core::Partner p, core::GetPartner(c, m.partner_id));
    if (m.status != core::MemberStatus::kActive || p.status != core::PartnerStatus::kActive) t.state = "dead";
  }
  if (row.expires_at && now >= *row.expires_at) t.state = "expired";
  if (row.revoked_at) t.state = "revoked";
  return t;
}

}  // namespace

Result<IssuedToken> IssueToken(core::Custody& c, const TokenSpec& spec) {
  const Time now = c.clock()->Now();
  store::TokenRow row;
  row.role = spec.role;
  row.created_at = now;
  row.expires_at = spec.expires_at;
  IssuedToken out;
  out.role = spec.role;
  out.expires_at = spec.expires_at;
  if (spec.expires_at && *spec.expires_at <= now) {
    return InvalidArgumentError("expires_at: expected a time in the future, found " +
                                FormatRfc3339(*spec.expires_at));
  }
  core::Member m;
  if (spec.role == TokenRole::kMember) {
    if (spec.member.empty()) return InvalidArgumentError("member: a member token names its member");
    CUSTODY_ASSIGN_OR_RETURN(m, core::FindMember(c, spec.member));
    CUSTODY_ASSIGN_OR_RETURN(core::Partner p, core::GetPartner(c, m.partner_id));
    if (m.status != core::MemberStatus::kActive) {
      return FailedPreconditionError("member '" + m.name + "' was revoked; no token is issued for them");
    }
    if (p.status != core::PartnerStatus::kActive) {
      return FailedPreconditionError("partner '" + p.name + "' is " +
                                     std::string(store::PartnerStatusName(p.status)) +
                                     "; no token is issued for its members");
    }
    row.member_id = m.id;
    out.member = m.name;
  } else if (!spec.member.empty()) {
    return InvalidArgumentError("member: a " + std::string(store::TokenRoleName(spec.role)) +
                                " token names no member");
  }
  crypto::SecretBytes raw = crypto::SecretBytes::Random(kTokenBytes);
  out.token = kTokenPrefix + Base64Url(raw.view());
  row.token_hash = TokenHash(out.token);
  CUSTODY_ASSIGN_OR_RETURN(out.log_index, core::LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(out.id, c.catalog().tokens().Insert(row));
    ev->type = kTokenEvent;
    ev->subject = "token:" + ToString(out.id);
    ev->details = {{"action", "issue"}, {"token_id", out.id}, {"role", store::TokenRoleName(spec.role)}};
    if (row.member_id) {
      ev->details["member_id"] = m.id;
      ev->details["member"] = m.name;
      ev->details["partner"] = m.partner;
    }
    if (spec.expires_at) ev->details["expires_at"] = FormatRfc3339(*spec.expires_at);
    ev->hashes["token"] = row.token_hash;
    return OkStatus();
  }));
  CUSTODY_RETURN_IF_ERROR(c.catalog().tokens().SetLogIndex(out.id, static_cast<int64_t>(out.log_index)));
  return out;
}

Result<std::vector<TokenInfo>> ListTokens(core::Custody& c) {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().tokens().List());
  std::vector<TokenInfo> out;
  const Time now = c.clock()->Now();
  for (const auto& row : rows) {
    CUSTODY_ASSIGN_OR_RETURN(TokenInfo t, InfoOf(c, row, now));
    out.push_back(std::move(t));
  }
  return out;
}

Result<TokenInfo> RevokeToken(core::Custody& c, TokenId id, const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(auto row, c.catalog().tokens().Get(id));
  if (!row) return NotFoundError("no token " + ToString(id));
  if (row->revoked_at) {
    return FailedPreconditionError("token " + ToString(id) + " was already revoked on " +
                                   FormatRfc3339(*row->revoked_at));
  }
  const Time now = c.clock()->Now();
  CUSTODY_ASSIGN_OR_RETURN(uint64_t index, core::LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_RETURN_IF_ERROR(c.catalog().tokens().SetRevoked(id, now));
    ev->type = kTokenEvent;
    ev->subject = "token:" + ToString(id);
    ev->details = {{"action", "revoke"}, {"token_id", id}, {"reason", reason}};
    ev->hashes["token"] = row->token_hash;
    return OkStatus();
  }));
  (void)index;
  row->revoked_at = now;
  return InfoOf(c, *row, now);
}

nlohmann::json TokenInfoToJson(const TokenInfo& t) {
  nlohmann::json j = {{"id", t.id},
                      {"role", store::TokenRoleName(t.role)},
                      {"state", t.state},
                      {"created_at", FormatRfc3339(t.created_at)}};
  if (t.member_id) j["member"] = t.member;
  if (t.expires_at) j["expires_at"] = FormatRfc3339(*t.expires_at);
  if (t.revoked_at) j["revoked_at"] = FormatRfc3339(*t.revoked_at);
  return j;
}

nlohmann::json IssuedTokenToJson(const IssuedToken& t) {
  nlohmann::json j = {{"id", t.id}, {"role", store::TokenRoleName(t.role)}, {"token", t.token},
                      {"log_index", t.log_index}};
  if (!t.member.empty()) j["member"] = t.member;
  if (t.expires_at) j["expires_at"] = FormatRfc3339(*t.expires_at);
  return j;
}

Result<Principal> Authenticate(core::Custody& c, const std::string& token, Time now,
                               const std::set<TokenId>* revoked_in_log) {
  if (token.rfind(kTokenPrefix, 0) != 0 || token.size() > 128) {
    return UnauthenticatedError("expected a bearer token starting with '" + std::string(kTokenPrefix) + "'");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto row, c.catalog().tokens().FindByHash(TokenHash(token)));
  if (!row) return UnauthenticatedError("unknown token");
  const std::string where = "token " + ToString(row->id);
  if (row->revoked_at || (revoked_in_log != nullptr && revoked_in_log->count(row->id) > 0)) {
    return UnauthenticatedError(where + " was revoked");
  }
  if (row->expires_at && now >= *row->expires_at) return UnauthenticatedError(where + " expired");
  CUSTODY_RETURN_IF_ERROR(CheckIssueLogged(c, *row));
  Principal p;
  p.token_id = row->id;
  p.role = row->role;
  p.actor = "token:" + ToString(row->id) + " " + std::string(store::TokenRoleName(row->role));
  p.expires_at = row->expires_at;
  if (row->role == TokenRole::kMember) {
    if (!row->member_id) return UnauthenticatedError(where + ": a member token without a member");
    CUSTODY_ASSIGN_OR_RETURN(core::Member m, core::GetMember(c, *row->member_id));
    CUSTODY_ASSIGN_OR_RETURN(core::Partner partner, core::GetPartner(c, m.partner_id));
    if (m.status != core::MemberStatus::kActive) {
      return PermissionDeniedError("member '" + m.name + "' was revoked");
    }
    if (partner.status != core::PartnerStatus::kActive) {
      return PermissionDeniedError("partner '" + partner.name + "' is " +
                                   std::string(store::PartnerStatusName(partner.status)));
    }
    p.member_id = m.id;
    p.partner_id = m.partner_id;
    p.member = m.name;
    p.actor = "token:" + ToString(row->id) + " member:" + m.name;
  }
  return p;
}

}  // namespace custody::serve
