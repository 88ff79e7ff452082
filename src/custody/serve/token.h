// API tokens of `custody serve`: issued for a member (tasks and the member's
// own releases) or a lab role (admin, auditor). A token is 32 random bytes
// from libsodium, shown once as "cst_" + base64url (no padding); the catalog
// keeps only its SHA-256 (store::TokenTable). Issue and revoke are `token`
// events in the custody log; a token row is trusted only if its issue event
// commits to the same hash, role and member (a row added to the catalog by
// someone with write access to the vault directory authenticates nothing).
// A member's token dies with the member, its partner or (for tasks) its
// grants: Authenticate checks member and partner at every use.
// Thread-safety: as Custody (one thread at a time).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/store/serve_tables.h"

namespace custody::serve {

using store::TokenRole;

inline constexpr char kTokenPrefix[] = "cst_";
inline constexpr char kTokenEvent[] = "token";

struct TokenSpec {
  TokenRole role = TokenRole::kMember;
  std::string member;  // member name, for kMember
  std::optional<Time> expires_at;
};

struct IssuedToken {
  TokenId id;
  std::string token;  // shown once; never stored or logged
  TokenRole role = TokenRole::kMember;
  std::string member;
  std::optional<Time> expires_at;
  uint64_t log_index = 0;
};

struct TokenInfo {
  TokenId id;
  TokenRole role = TokenRole::kMember;
  std::optional<MemberId> member_id;
  std::string member;
  Time created_at;
  std::optional<Time> expires_at;
  std::optional<Time> revoked_at;
  // "active", "expired", "revoked", or "dead" (its member or partner is no
  // longer active).
  std::string state;
};

// Issues a token. kInvalidArgument: a member token without a member, a role
// token with one, an expiry not in the future; kNotFound: unknown member;
// kFailedPrecondition: the member or its partner is not active.
Result<IssuedToken> IssueToken(core::Custody& custody, const TokenSpec& spec);
Result<std::vector<TokenInfo>> ListTokens(core::Custody& custody);
// Revokes token `id` (logged). kNotFound if none; kFailedPrecondition if
// it was already revoked.
Result<TokenInfo> RevokeToken(core::Custody& custody, TokenId id, const std::string& reason);

// What `custody token list|revoke --json` and GET /v1/tokens show of a
// token: {"id", "role", "state", "created_at"[, "member", "expires_at",
// "revoked_at"]}. Never its text (only its hash is kept).
nlohmann::json TokenInfoToJson(const TokenInfo& t);
// What `custody token issue --json` prints and POST /v1/tokens answers:
// {"id", "role", "token", "log_index"[, "member", "expires_at"]}.
nlohmann::json IssuedTokenToJson(const IssuedToken& t);

// Who a request speaks for.
struct Principal {
  TokenId token_id;
  TokenRole role = TokenRole::kMember;
  MemberId member_id;    // for kMember
  PartnerId partner_id;  // for kMember
  std::string member;    // for kMember
  // "token:3 member:alice", "token:1 admin": the actor of logged events.
  std::string actor;
  std::optional<Time> expires_at;  // the token's expiry, if it has one
};

// The principal of `token` (the text after "Bearer "). kUnauthenticated for
// a malformed, unknown, expired or revoked token, or one whose row does not
// match its issue event; kPermissionDenied for a member token whose member
// was revoked or whose partner is not active. `revoked_in_log` (the token
// ids the custody log revokes, core::LoggedRows::token_revocations) makes a
// token whose catalog row lost its revocation fail as revoked too.
Result<Principal> Authenticate(core::Custody& custody, const std::string& token, Time now,
                               const std::set<TokenId>* revoked_in_log = nullptr);

}  // namespace custody::serve
