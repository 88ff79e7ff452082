// The admin writes of custody serve (docs/api.md, "Admin writes"): partners,
// members, grants and tokens, each the core call its CLI command makes, so
// each is one catalog transaction committed with its custody log event. The
// event's actor is the admin's token and the request id (RouteHost). A
// revocation takes effect at the next request: tokens are checked against
// the catalog and the revoked set at every use.
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/parties/party_json.h"
#include "custody/serve/internal/json_body.h"
#include "custody/serve/internal/page.h"
#include "custody/serve/internal/route_host.h"
#include "custody/serve/token.h"

namespace custody::serve::internal {
namespace {

// The path parameter patterns: names as core::ValidateName takes them, ids.
constexpr char kName[] = "([A-Za-z0-9._@-]{1,128})";
constexpr char kId[] = "(\\d{1,18})";

Result<Reply> Created(Json j, const std::string& request_id) {
  j["request_id"] = request_id;
  return JsonReply(j, 201);
}

Result<Reply> Ok(Json j, const std::string& request_id) {
  j["request_id"] = request_id;
  return JsonReply(j);
}

// The optional {"reason": "..."} body of a revocation.
Result<std::string> Reason(const httplib::Request& req) {
  CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"reason"}));
  return body.String("reason", false);
}

// A member's public key: base64 of 32 bytes (never a file name, unlike the
// CLI's --public-key: the server reads no file a caller names).
Result<std::string> PublicKey(const JsonBody& body) {
  CUSTODY_ASSIGN_OR_RETURN(std::string text, body.String("public_key", true));
  auto raw = Base64Decode(text);
  if (!raw.ok() || raw->size() != 32) {
    return InvalidArgumentError("public_key: expected the base64 of a 32-byte X25519 public key, found " +
                                Found(text));
  }
  return *raw;
}

Result<core::GrantSpec> GrantSpecOf(const JsonBody& body) {
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields(
      {"partner", "member", "dataset", "version", "fields", "sample", "seed", "shard", "expires_at", "purpose"}));
  core::GrantSpec spec;
  CUSTODY_ASSIGN_OR_RETURN(spec.partner, body.String("partner", true));
  CUSTODY_ASSIGN_OR_RETURN(spec.member, body.String("member", false));
  CUSTODY_ASSIGN_OR_RETURN(spec.dataset, body.String("dataset", true));
  CUSTODY_ASSIGN_OR_RETURN(auto version, body.PositiveInt("version"));
  if (version && *version > 1'000'000) {
    return InvalidArgumentError("version: expected a dataset version, found " + std::to_string(*version));
  }
  spec.version = static_cast<int>(version.value_or(0));
  CUSTODY_ASSIGN_OR_RETURN(spec.fields, body.Strings("fields"));
  CUSTODY_ASSIGN_OR_RETURN(spec.purpose, body.String("purpose", true));
  CUSTODY_ASSIGN_OR_RETURN(auto expires, body.TimeField("expires_at", true));
  spec.expires_at = *expires;
  CUSTODY_ASSIGN_OR_RETURN(std::string sample, body.String("sample", false));
  CUSTODY_ASSIGN_OR_RETURN(std::string shard, body.String("shard", false));
  const bool has_seed = body.json().contains("seed");
  if (!sample.empty() && !shard.empty()) {
    return InvalidArgumentError("sample, shard: expected at most one selection, found both");
  }
  if (!sample.empty()) {
    // operator[] on a const object with a missing key is undefined; look first.
    if (!has_seed) {
      return InvalidArgumentError("seed: expected a non-negative integer with sample, found nothing");
    }
    const auto& seed = body.json().at("seed");
    if (!seed.is_number_unsigned()) {
      return InvalidArgumentError("seed: expected a non-negative integer with sample, found " + Found(seed));
    }
    auto s = core::SampleSelection(sample, seed.get<uint64_t>());
    if (!s.ok()) return s.status().WithPrefix("sample");
    spec.selection = std::move(*s);
  } else if (has_seed) {
    return InvalidArgumentError("seed: expected only with sample, found no sample");
  } else if (!shard.empty()) {
    auto s = core::ShardSelection(shard);
    if (!s.ok()) return s.status().WithPrefix("shard");
    spec.selection = std::move(*s);
  }
  return spec;
}

Result<TokenSpec> TokenSpecOf(const JsonBody& body) {
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"role", "member", "expires_at"}));
  TokenSpec spec;
  CUSTODY_ASSIGN_OR_RETURN(std::string role, body.String("role", true));
  if (role != "admin" && role != "auditor" && role != "member") {
    return InvalidArgumentError("role: expected admin, auditor or member, found " + Found(role));
  }
  CUSTODY_ASSIGN_OR_RETURN(spec.role, store::ParseTokenRole(role));
  CUSTODY_ASSIGN_OR_RETURN(spec.member, body.String("member", spec.role == TokenRole::kMember));
  CUSTODY_ASSIGN_OR_RETURN(spec.expires_at, body.TimeField("expires_at", false));
  return spec;
}

int64_t IdOf(const httplib::Request& req) { return std::stoll(req.matches[1].str()); }

}  // namespace

void RegisterAdminRoutes(RouteHost& host) {
  RouteHost* h = &host;

  host.RegisterLocked("POST /v1/partners", "/v1/partners", [h](auto& req, auto&, auto& id) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
    CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"name", "contact", "contract", "notes"}));
    core::PartnerSpec spec;
    CUSTODY_ASSIGN_OR_RETURN(spec.name, body.String("name", true));
    CUSTODY_ASSIGN_OR_RETURN(spec.contact, body.String("contact", false));
    CUSTODY_ASSIGN_OR_RETURN(spec.contract, body.String("contract", false));
    CUSTODY_ASSIGN_OR_RETURN(spec.notes, body.String("notes", false));
    CUSTODY_ASSIGN_OR_RETURN(core::Partner p, core::AddPartner(h->vault(), spec));
    return Created({{"partner", core::PartnerToJson(p)}}, id);
  });
  host.RegisterLocked("POST /v1/partners/{name}/suspend", std::string("/v1/partners/") + kName + "/suspend",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(std::string reason, Reason(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::Partner p,
                                                 core::SuspendPartner(h->vault(), req.matches[1].str(), reason));
                        return Ok({{"partner", core::PartnerToJson(p)}}, id);
                      });
  host.RegisterLocked("POST /v1/partners/{name}/resume", std::string("/v1/partners/") + kName + "/resume",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
                        CUSTODY_RETURN_IF_ERROR(body.OnlyFields({}));
                        CUSTODY_ASSIGN_OR_RETURN(core::Partner p,
                                                 core::ResumePartner(h->vault(), req.matches[1].str()));
                        return Ok({{"partner", core::PartnerToJson(p)}}, id);
                      });
  host.RegisterLocked("POST /v1/partners/{name}/terminate", std::string("/v1/partners/") + kName + "/terminate",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(std::string reason, Reason(req));
                        CUSTODY_ASSIGN_OR_RETURN(auto r,
                                                 core::TerminatePartner(h->vault(), req.matches[1].str(), reason));
                        return Ok({{"partner", core::PartnerToJson(r.partner)},
                                   {"revoked_members", r.revoked_members},
                                   {"revoked_grants", r.revoked_grants},
                                   {"log_index", r.log_index}},
                                  id);
                      });

  host.RegisterLocked("POST /v1/members", "/v1/members", [h](auto& req, auto&, auto& id) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
    CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"partner", "name", "email", "public_key"}));
    core::MemberSpec spec;
    CUSTODY_ASSIGN_OR_RETURN(spec.partner, body.String("partner", true));
    CUSTODY_ASSIGN_OR_RETURN(spec.name, body.String("name", true));
    CUSTODY_ASSIGN_OR_RETURN(spec.email, body.String("email", true));
    CUSTODY_ASSIGN_OR_RETURN(spec.public_key, PublicKey(body));
    CUSTODY_ASSIGN_OR_RETURN(core::Member m, core::AddMember(h->vault(), spec));
    return Created({{"member", core::MemberToJson(m)}}, id);
  });
  host.RegisterLocked("POST /v1/members/{name}/revoke", std::string("/v1/members/") + kName + "/revoke",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(std::string reason, Reason(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::Member m,
                                                 core::RevokeMember(h->vault(), req.matches[1].str(), reason));
                        return Ok({{"member", core::MemberToJson(m)}}, id);
                      });

  host.RegisterLocked("POST /v1/grants", "/v1/grants", [h](auto& req, auto&, auto& id) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
    CUSTODY_ASSIGN_OR_RETURN(core::GrantSpec spec, GrantSpecOf(body));
    CUSTODY_ASSIGN_OR_RETURN(core::Grant g, core::AddGrant(h->vault(), spec));
    return Created({{"grant", core::GrantToJson(g)}, {"records", g.selected_records}}, id);
  });
  host.RegisterLocked("POST /v1/grants/{id}/revoke", std::string("/v1/grants/") + kId + "/revoke",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(std::string reason, Reason(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::Grant g,
                                                 core::RevokeGrant(h->vault(), GrantId(IdOf(req)), reason));
                        return Ok({{"grant", core::GrantToJson(g)}}, id);
                      });

  host.RegisterLocked("GET /v1/tokens", "/v1/tokens", [h](auto& req, auto&, auto&) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(auto tokens, ListTokens(h->vault()));
    std::vector<Json> items;
    for (const auto& t : tokens) items.push_back(TokenInfoToJson(t));
    CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
    return JsonReply(page);
  });
  host.RegisterLocked("POST /v1/tokens", "/v1/tokens", [h](auto& req, auto&, auto& id) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
    CUSTODY_ASSIGN_OR_RETURN(TokenSpec spec, TokenSpecOf(body));
    CUSTODY_ASSIGN_OR_RETURN(IssuedToken t, IssueToken(h->vault(), spec));
    Reply r = JsonReply([&] {
      Json j = IssuedTokenToJson(t);
      j["request_id"] = id;
      return j;
    }(), 201);
    r.headers["Cache-Control"] = "no-store";  // the token is shown once
    return r;
  });
  host.RegisterLocked("POST /v1/tokens/{id}/revoke", std::string("/v1/tokens/") + kId + "/revoke",
                      [h](auto& req, auto&, auto& id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(std::string reason, Reason(req));
                        const TokenId token(IdOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(TokenInfo t, RevokeToken(h->vault(), token, reason));
                        h->TokenRevoked(token);
                        return Ok({{"token", TokenInfoToJson(t)}}, id);
                      });
}

}  // namespace custody::serve::internal
