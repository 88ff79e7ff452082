#include "custody/serve/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "custody/base/check.h"
#include "custody/base/encoding.h"
#include "custody/core/audit/risk_report.h"
#include "custody/core/exposure/exposure.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/file_key.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/task.h"
#include "custody/core/trace/incident_json.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/log_format.h"
#include "custody/serve/dashboard.h"
#include "custody/serve/internal/page.h"
#include "custody/serve/internal/reply.h"
#include "custody/serve/internal/route_host.h"
#include "custody/serve/metrics.h"
#include "custody/serve/routes.h"
#include "custody/serve/task_batcher.h"
#include "custody/serve/token.h"
#include "custody/serve/webhook.h"
#include "custody/store/catalog.h"

namespace custody::serve {
namespace {

using internal::Dump;
using internal::Json;
using internal::JsonReply;
using internal::Problem;
using internal::ProblemOf;
using internal::Page;
using internal::Reply;
using internal::UintParam;

std::string HexOf(const ledger::Hash& h) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string Base64Of(const ledger::Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string NewRequestId() { return HexEncode(crypto::RandomString(8)); }

// Connections the kernel queues for accept: SOMAXCONN, itself capped by
// net.core.somaxconn.
constexpr int kListenBacklog = SOMAXCONN;

// Raises the backlog of the bound listening socket `sock` (on `port`).
// kInternal if `sock` is not that socket or listen(2) fails.
Status RaiseBacklog(int sock, int port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int listening = 0;
  socklen_t ilen = sizeof(listening);
  const bool ours =
      sock >= 0 && ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
      ::getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) == 0 && listening == 1 &&
      ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                       : reinterpret_cast<sockaddr_in*>(&addr)->sin_port) == port;
  if (!ours) return InternalError("listen: the listening socket on port " + std::to_string(port) + " was not found");
  if (::listen(sock, kListenBacklog) != 0) {
    return InternalError("listen: cannot raise the backlog of port " + std::to_string(port) + ": " +
                         std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

struct Server::Impl : public internal::RouteHost {
  std::unique_ptr<core::Custody> custody;
  ServeOptions options;
  std::unique_ptr<httplib::Server> http;
  bool tls = false;
  int port = 0;
  int listen_socket = -1;  // the library's listening socket, once bound
  std::mutex vault_mu;
  std::unique_ptr<core::TaskServer> tasks;
  std::unique_ptr<LimitTracker> limits;
  // The partner of each grant whose tasks other servers were seen serving
  // (under vault_mu).
  std::map<GrantId, PartnerId> partner_of_grant;
  std::unique_ptr<TaskBatcher> batcher;
  std::unique_ptr<WebhookSender> webhook;  // null: no webhook
  Metrics metrics;
  std::mutex log_mu;
  FILE* access_log = nullptr;
  bool own_access_log = false;
  std::atomic<bool> stopping{false};
  // Tokens the log revokes (read at start: while the server holds the
  // vault's writer lock, no other process can revoke one; POST
  // /v1/tokens/{id}/revoke adds to it, under vault_mu).
  std::set<TokenId> revoked_in_log;
  bool shared = false;   // the vault is shared with other processes (store::Vault::shared)
  std::string wal_path;  // the log's write-ahead file, whose growth tells of other writers

  ~Impl() {
    if (own_access_log && access_log != nullptr) std::fclose(access_log);
  }

  void AccessLog(const Json& line) {
    std::lock_guard<std::mutex> lock(log_mu);
    const std::string s = Dump(line) + "\n";
    std::fwrite(s.data(), 1, s.size(), access_log);
    std::fflush(access_log);
  }

  // The alert of a limit breach or an anomaly: a `serve.alert` event (once
  // per member or grant and window), with suspend_member the member's
  // revocation, and the webhook. Runs with vault_mu held (from the batcher).
  void OnBreach(const core::TaskRequest& r, const core::Grant& grant, const Breach& b) {
    metrics.CountAlert();
    if (!b.first) return;
    auto m = core::GetMember(*custody, r.member_id);
    const std::string member = m.ok() ? m->name : ToString(r.member_id);
    ledger::Event ev;
    ev.type = "serve.alert";
    ev.subject = "member:" + member;
    ev.actor = r.actor;
    ev.details = {{"alert", b.kind}, {"scope", b.scope}, {"window", b.window},
                  {"member_id", r.member_id}, {"grant_id", grant.id}, {"request_id", r.request_id},
                  {"suspend_member", options.limits.suspend_member}};
    if (b.anomaly) {
      ev.details["rule"] = b.anomaly->kind;
      ev.details["reason"] = b.anomaly->reason;
      ev.details["last_hour"] = b.anomaly->last_hour;
      if (!b.anomaly->baseline_kind.empty()) {
        // A string: log entries hold no floating-point numbers.
        char baseline[32];
        std::snprintf(baseline, sizeof baseline, "%.1f", b.anomaly->baseline);
        ev.details["baseline"] = baseline;
        ev.details["baseline_kind"] = b.anomaly->baseline_kind;
      }
    } else {
      ev.details["limit"] = b.limit;
    }
    auto logged = custody->Commit(ev);
    Json line = {{"event", "alert"}, {"request_id", r.request_id}, {"alert", b.kind}, {"scope", b.scope},
                 {"window", b.window}};
    if (!logged.ok()) line["error"] = logged.status().message();
    bool suspended = false;
    if (options.limits.suspend_member && m.ok() && m->status == core::MemberStatus::kActive) {
      auto revoked = core::RevokeMember(*custody, m->name, b.Describe());
      suspended = revoked.ok();
      line["suspended"] = revoked.ok();
      ClearAuthCache();
      if (!revoked.ok()) line["suspend_error"] = revoked.status().message();
    }
    AccessLog(line);
    if (webhook) {
      // The dedup id names the alert's log entry: the same alert is never
      // sent under two ids, and two alerts never share one.
      const std::string vault_id = custody->vault().config().vault_id;
      const std::string dedup = logged.ok() ? "custody-" + vault_id + "-" + std::to_string(*logged)
                                            : "custody-" + vault_id + "-request-" + r.request_id;
      Json data = ev.details;
      data["member"] = member;
      data["partner"] = grant.partner;
      data["detail"] = b.Describe();
      data["suspended"] = suspended;
      if (logged.ok()) data["log_index"] = *logged;
      Json body = {{"type", "custody.serve.alert"}, {"timestamp", FormatRfc3339(custody->clock()->Now())},
                   {"vault_id", vault_id}, {"data", std::move(data)}};
      webhook->Send(dedup, Dump(body));
    }
  }

  // Principals of the tokens seen, by the token's SHA-256, so that a
  // request authenticates without waiting for the vault mutex (which a task
  // batch holds through its fsync). Only successes are kept, and the cache
  // is emptied whenever a request may have changed who may do what: every
  // POST other than a task, an answer or a key (ClearAuthCache), and an
  // alert's suspension. Over a SQLite vault the server holds the vault's
  // writer lock, so no other process changes tokens, members or partners
  // meanwhile; over a shared vault another server may, and
  // CatchUpWithOtherServers empties the cache when it did. Expiry is
  // checked on every use.
  // A principal read before a clear is not cached after it (auth_epoch).
  std::mutex auth_mu;
  std::map<std::string, Principal> auth_cache;
  uint64_t auth_epoch = 0;
  static constexpr size_t kAuthCacheMax = 100000;

  void ClearAuthCache() {
    std::lock_guard<std::mutex> lock(auth_mu);
    auth_cache.clear();
    ++auth_epoch;
  }

  // A shared vault (several servers over one PostgreSQL catalog): another
  // server's revocation, suspension or token change is an event on the
  // custody log. When the log's write-ahead file grew, the new entries are
  // read before any cached principal is used again: token revocations join
  // revoked_in_log, and any partner, member, grant, revoke or token event
  // empties the cache, so such a change made through one server is honoured
  // by the others at their next request.
  std::mutex catchup_mu;
  uint64_t catchup_wal_size = 0;  // under catchup_mu
  uint64_t catchup_log_size = 0;  // entries looked at, under catchup_mu

  Status CatchUpWithOtherServers() {
    if (!shared) return OkStatus();
    std::lock_guard<std::mutex> lock(catchup_mu);
    CUSTODY_ASSIGN_OR_RETURN(uint64_t wal_size, custody->env()->GetFileSize(wal_path));
    if (wal_size == catchup_wal_size) return OkStatus();
    ledger::CustodyLog& log = custody->log();  // thread-safe on its own
    CUSTODY_RETURN_IF_ERROR(log.Refresh());
    const uint64_t size = log.size();
    bool changed = false;
    std::vector<TokenId> revoked;
    for (uint64_t i = catchup_log_size; i < size; ++i) {
      CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, core::ReadLogEvent(log, i));
      namespace t = ledger::event_type;
      if (ev.type == t::kPartner || ev.type == t::kMember || ev.type == t::kGrant ||
          ev.type == t::kRevoke || ev.type == "token") {
        changed = true;
      }
      if (ev.type == "token" && ev.details.is_object() && ev.details.value("action", "") == "revoke" &&
          ev.details.contains("token_id") && ev.details["token_id"].is_number_integer()) {
        revoked.push_back(TokenId(ev.details["token_id"].get<int64_t>()));
      }
    }
    if (!revoked.empty()) {
      std::lock_guard<std::mutex> vault(vault_mu);
      for (TokenId id : revoked) revoked_in_log.insert(id);
    }
    if (changed) ClearAuthCache();
    catchup_log_size = size;
    catchup_wal_size = wal_size;
    return OkStatus();
  }

  Result<Principal> AuthenticateCached(const std::string& token) {
    CUSTODY_RETURN_IF_ERROR(CatchUpWithOtherServers());
    const std::string key = crypto::DigestBytes(crypto::Sha256(token));
    const Time now = custody->clock()->Now();
    uint64_t epoch = 0;
    {
      std::lock_guard<std::mutex> lock(auth_mu);
      auto it = auth_cache.find(key);
      if (it != auth_cache.end()) {
        if (!it->second.expires_at || now < *it->second.expires_at) return it->second;
        auth_cache.erase(it);
      }
      epoch = auth_epoch;
    }
    Result<Principal> p = UnauthenticatedError("");
    {
      std::lock_guard<std::mutex> lock(vault_mu);
      p = Authenticate(*custody, token, now, &revoked_in_log);
    }
    if (p.ok()) {
      std::lock_guard<std::mutex> lock(auth_mu);
      if (auth_epoch == epoch) {
        if (auth_cache.size() >= kAuthCacheMax) auth_cache.clear();
        auth_cache.emplace(key, *p);
      }
    }
    return p;
  }

  // Who may call a route, checked for `token`.
  Result<std::optional<Principal>> Authorize(const Route& route, const httplib::Request& req) {
    if (route.access == Access::kPublic) return std::optional<Principal>();
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (auth.rfind(bearer, 0) != 0) {
      return UnauthenticatedError("expected an Authorization: Bearer token");
    }
    CUSTODY_ASSIGN_OR_RETURN(Principal who, AuthenticateCached(auth.substr(bearer.size())));
    const TokenRole role = who.role;
    const bool allowed = route.access == Access::kMember  ? role == TokenRole::kMember
                         : route.access == Access::kAdmin ? role == TokenRole::kAdmin
                                                          : role == TokenRole::kAdmin || role == TokenRole::kAuditor;
    if (!allowed) {
      return PermissionDeniedError(std::string("a ") + std::string(store::TokenRoleName(role)) +
                                   " token may not call " + std::string(route.method) + " " +
                                   std::string(route.path));
    }
    return std::optional<Principal>(std::move(who));
  }

  using Handler = std::function<Reply(const httplib::Request&, const std::optional<Principal>&,
                                      const std::string& request_id)>;

  // Registers `route` with httplib under `pattern` (a regex).
  void Register(const Route& route, const std::string& pattern, Handler handler) {
    auto wrapped = [this, route, handler](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      const std::string request_id = NewRequestId();
      Reply reply;
      std::optional<Principal> who;
      auto auth = Authorize(route, req);
      const size_t max_body = MaxBody(route);
      if (auth.ok() && req.body.size() > max_body) {
        reply = Problem(413, std::string(route.method) + " " + std::string(route.path) +
                                 ": the body is larger than " + std::to_string(max_body) + " bytes",
                        request_id);
      } else if (!auth.ok()) {
        reply = ProblemOf(auth.status(), request_id);
      } else {
        who = *auth;
        reply = handler(req, who, request_id);
        // A write other than a task, an answer or a key may have changed
        // tokens, members, partners or grants.
        if (route.method != "GET" && route.path != "/v1/tasks/next" && route.path != "/v1/tasks/{id}/result" &&
            route.path != "/v1/releases/{id}/key") {
          ClearAuthCache();
        }
      }
      res.status = reply.status;
      res.set_header("X-Request-Id", request_id);
      for (const auto& [k, v] : reply.headers) res.set_header(k, v);
      res.set_content(reply.body, reply.content_type);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      metrics.CountRequest(std::string(route.method) + " " + std::string(route.path), reply.status, ms);
      Json line = {{"time", FormatRfc3339(Clock::System()->Now())},
                   {"request_id", request_id},
                   {"method", req.method},
                   {"route", route.path},
                   {"path", req.path},
                   {"status", reply.status},
                   {"ms", static_cast<int64_t>(ms * 1000) / 1000.0},
                   {"bytes", reply.body.size()},
                   {"remote", req.remote_addr}};
      if (!reply.internal_error.empty()) line["error"] = reply.internal_error;
      if (who) {
        line["token_id"] = who->token_id;
        line["role"] = store::TokenRoleName(who->role);
        if (who->role == TokenRole::kMember) line["member_id"] = who->member_id;
      }
      AccessLog(line);
    };
    if (route.method == "GET") {
      http->Get(pattern, wrapped);
    } else {
      http->Post(pattern, wrapped);
    }
  }

  // A handler that needs the vault, run under its mutex; errors to problems.
  Handler Locked(std::function<Result<Reply>(const httplib::Request&, const std::optional<Principal>&,
                                              const std::string&)> fn) {
    return [this, fn](const httplib::Request& req, const std::optional<Principal>& who,
                      const std::string& request_id) {
      Result<Reply> r = InternalError("");
      {
        std::lock_guard<std::mutex> lock(vault_mu);
        r = fn(req, who, request_id);
      }
      return r.ok() ? *r : ProblemOf(r.status(), request_id);
    };
  }

  // The largest body `route` takes: a dump for match and trace, else an answer.
  size_t MaxBody(const Route& route) const {
    return route.path == "/v1/match" || route.path == "/v1/trace" ? options.max_dump_bytes
                                                                  : core::TaskServer::kMaxAnswerBytes;
  }

  // internal::RouteHost, for the handlers of admin_routes.cc and analysis_routes.cc.
  void RegisterLocked(std::string_view key, const std::string& pattern, internal::LockedHandler handler) override {
    const Route* found = nullptr;
    for (const Route& r : Routes()) {
      if (std::string(r.method) + " " + std::string(r.path) == key) found = &r;
    }
    CUSTODY_CHECK(found != nullptr);
    Register(*found, pattern,
             Locked([this, handler](const httplib::Request& req, const std::optional<Principal>& who,
                                    const std::string& request_id) -> Result<Reply> {
               // Events committed for this request name its principal and the request.
               CUSTODY_ASSIGN_OR_RETURN(std::string previous,
                                        custody->SwapActor(who->actor + " request:" + request_id));
               Result<Reply> r = handler(req, *who, request_id);
               custody->SwapActor(std::move(previous)).status().IgnoreError();
               return r;
             }));
  }
  core::Custody& vault() override { return *custody; }
  void TokenRevoked(TokenId id) override { revoked_in_log.insert(id); }
  size_t max_dump_bytes() const override { return options.max_dump_bytes; }

  void RegisterAll();
  Reply TasksNext(const httplib::Request& req, const Principal& who, const std::string& request_id);
};

void Server::Impl::RegisterAll() {
  std::map<std::string, const Route*> by_path;
  for (const Route& r : Routes()) by_path[std::string(r.method) + " " + std::string(r.path)] = &r;
  auto route = [&](const char* key) -> const Route& { return *by_path.at(key); };

  Register(route("GET /healthz"), "/healthz", [](auto&, auto&, auto&) {
    Reply r;
    r.body = "ok\n";
    r.content_type = "text/plain";
    return r;
  });
  Register(route("GET /readyz"), "/readyz", [this](auto&, auto&, const std::string& id) {
    if (stopping.load()) return Problem(503, "shutting down", id);
    Reply r;
    r.body = "ready\n";
    r.content_type = "text/plain";
    return r;
  });
  Register(route("GET /openapi.json"), "/openapi.json", [this](auto&, auto&, auto&) {
    Reply r;
    r.body = options.openapi_json;
    return r;
  });
  // The dashboard: static files only (no data; the pages call the read API
  // with the token the user types), a strict CSP, never cached.
  Register(route("GET /"), "/", [](auto&, auto&, auto&) {
    Reply r;
    r.status = 302;
    r.headers["Location"] = "/dashboard/";
    r.body = "see /dashboard/\n";
    r.content_type = "text/plain; charset=utf-8";
    return r;
  });
  Register(route("GET /dashboard/{file}"), R"(/dashboard/([0-9A-Za-z_-]{0,64}(?:\.[a-z]{1,8})?))",
           [](const httplib::Request& req, auto&, const std::string& id) {
             auto file = FindDashboardFile(req.matches[1].str());
             if (!file) return Problem(404, "no dashboard file " + req.matches[1].str(), id);
             Reply r;
             r.body = std::string(file->body);
             r.content_type = std::string(file->content_type);
             r.headers["Content-Security-Policy"] = std::string(kDashboardCsp);
             r.headers["Cache-Control"] = "no-store";
             r.headers["X-Content-Type-Options"] = "nosniff";
             r.headers["Referrer-Policy"] = "no-referrer";
             r.headers["X-Frame-Options"] = "DENY";
             return r;
           });
  Register(route("GET /metrics"), "/metrics", [this](auto&, auto&, auto&) {
    uint64_t log_size = 0;
    {
      std::lock_guard<std::mutex> lock(vault_mu);
      log_size = custody->log().size();
    }
    Reply r;
    r.body = metrics.Render(batcher->served(), batcher->batches(), log_size);
    r.content_type = "text/plain; version=0.0.4";
    return r;
  });
  Register(route("POST /v1/tasks/next"), "/v1/tasks/next",
           [this](const httplib::Request& req, const std::optional<Principal>& who, const std::string& id) {
             return TasksNext(req, *who, id);
           });
  Register(route("POST /v1/tasks/{id}/result"), R"(/v1/tasks/(\d{1,18})/result)",
           Locked([this](const httplib::Request& req, const std::optional<Principal>& who,
                         const std::string& id) -> Result<Reply> {
             const ReleaseId task(std::stoll(req.matches[1].str()));
             CUSTODY_ASSIGN_OR_RETURN(core::TaskAnswer a,
                                      tasks->StoreAnswer(who->member_id, task, req.body, id, who->actor));
             Reply r = JsonReply({{"task_id", a.task_id}, {"result_id", a.id}, {"log_index", a.log_index},
                                  {"answer_sha256", a.answer_hash}, {"request_id", id}});
             r.status = 201;
             return r;
           }));
  Register(route("POST /v1/releases/{id}/key"), R"(/v1/releases/(\d{1,18})/key)",
           Locked([this](const httplib::Request& req, const std::optional<Principal>& who,
                         const std::string& id) -> Result<Reply> {
             const ReleaseId release(std::stoll(req.matches[1].str()));
             CUSTODY_ASSIGN_OR_RETURN(core::ReleaseKeyGrant k,
                                      core::UnwrapReleaseKey(*custody, who->member_id, release, id, who->actor));
             return JsonReply({{"release_id", k.release_id}, {"sealed_file_key", Base64Encode(k.sealed_file_key)},
                               {"log_index", k.log_index}, {"request_id", id}});
           }));
  Register(route("GET /v1/datasets"), "/v1/datasets", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto datasets, custody->catalog().ListDatasets());
             CUSTODY_ASSIGN_OR_RETURN(auto versions, custody->catalog().ListVersions(DatasetId(), false));
             std::vector<Json> items;
             for (const auto& d : datasets) {
               Json j = {{"id", d.id}, {"name", d.name}, {"created_at", FormatRfc3339(d.created_at)},
                         {"shredded", d.shredded_at.has_value()}, {"versions", Json::array()}};
               for (const auto& v : versions) {
                 if (v.dataset_id == d.id) j["versions"].push_back({{"version", v.version}, {"records", v.records}});
               }
               items.push_back(std::move(j));
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/partners"), "/v1/partners", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto partners, core::ListPartners(*custody));
             std::vector<Json> items;
             for (const auto& p : partners) {
               items.push_back({{"id", p.id}, {"name", p.name}, {"contract", p.contract},
                                {"status", store::PartnerStatusName(p.status)},
                                {"created_at", FormatRfc3339(p.created_at)}});
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/members"), "/v1/members", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto members, core::ListMembers(*custody));
             std::vector<Json> items;
             for (const auto& m : members) {
               items.push_back({{"id", m.id}, {"name", m.name}, {"partner", m.partner}, {"email", m.email},
                                {"status", store::MemberStatusName(m.status)},
                                {"created_at", FormatRfc3339(m.created_at)}});
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/grants"), "/v1/grants", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto grants, core::ListGrants(*custody));
             std::vector<Json> items;
             for (const auto& g : grants) {
               Json j = {{"id", g.id}, {"partner", g.partner}, {"dataset", g.dataset}, {"version", g.version},
                         {"status", store::GrantStatusName(g.status)}, {"expires_at", FormatRfc3339(g.expires_at)},
                         {"purpose", g.purpose}, {"fields", g.fields}};
               if (g.member_id) j["member"] = g.member;
               items.push_back(std::move(j));
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/releases"), "/v1/releases", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto releases, core::ListReleases(*custody));
             std::vector<Json> items;
             for (const auto& r : releases) {
               Json j = {{"id", r.release_id}, {"grant_id", r.grant_id}, {"member_id", r.member_id},
                         {"created_at", FormatRfc3339(r.created_at)}, {"dataset", r.dataset},
                         {"version", r.version}, {"records", r.records}, {"canaries", r.canaries},
                         {"format", r.format}, {"encrypted", r.encrypted}};
               if (r.log_index) j["log_index"] = *r.log_index;
               items.push_back(std::move(j));
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/exposure"), "/v1/exposure", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             core::HoldingsQuery q;
             if (req.has_param("at")) {
               auto at = ParseTime(req.get_param_value("at"));
               if (!at.ok()) return at.status().WithPrefix("at");
               q.at = *at;
             }
             CUSTODY_ASSIGN_OR_RETURN(auto holdings, core::LoadHoldings(*custody, q));
             std::vector<Json> items;
             for (const auto& h : holdings) {
               uint64_t tasks = 0;
               for (const auto& r : h.releases) tasks += r.format == "task" ? 1 : 0;
               items.push_back({{"id", h.member_id}, {"member", h.member}, {"partner", h.partner},
                                {"records", h.ids.Cardinality()}, {"releases", h.releases.size() - tasks},
                                {"tasks", tasks}});
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             if (q.at) page["at"] = FormatRfc3339(*q.at);
             return JsonReply(page);
           }));
  // The risk ranking of `custody risk` (docs/audit.md, "Risk"):
  // computed from the vault, read-only.
  Register(route("GET /v1/risk"), "/v1/risk", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             const std::string partner = req.has_param("partner") ? req.get_param_value("partner") : "";
             auto report = core::audit::RiskReportJson(*custody, partner, custody->clock()->Now());
             if (!report.ok()) return report.status().WithPrefix("partner");
             return JsonReply(*report);
           }));
  // Incidents as `custody incident list --json` shows them (without the
  // frozen trace), each with its id as "id" for paging.
  Register(route("GET /v1/incidents"), "/v1/incidents", Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto incidents, core::ListIncidents(*custody));
             std::vector<Json> items;
             for (const auto& i : incidents) {
               Json j = core::IncidentToJson(i, false);
               j["id"] = i.id;
               j["by_partner"] = i.trace.by_partner;
               items.push_back(std::move(j));
             }
             CUSTODY_ASSIGN_OR_RETURN(Json page, Page(req, std::move(items)));
             return JsonReply(page);
           }));
  Register(route("GET /v1/log/status"), "/v1/log/status", Locked([this](auto&, auto&, auto&) -> Result<Reply> {
             const ledger::LogStatus s = custody->log().status();
             return JsonReply({{"origin", custody->log().origin()}, {"size", s.size}, {"root", HexOf(s.root)},
                               {"checkpoint_size", s.checkpoint_size}});
           }));
  Register(route("GET /v1/log/checkpoint"), "/v1/log/checkpoint",
           Locked([this](auto&, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(std::string note, custody->log().Checkpoint());
             Reply r;
             r.body = note;
             r.content_type = "text/plain; charset=utf-8";
             return r;
           }));
  Register(route("GET /v1/log/proof/inclusion"), "/v1/log/proof/inclusion",
           Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto index, UintParam(req, "index"));
             CUSTODY_ASSIGN_OR_RETURN(auto size, UintParam(req, "size"));
             if (!index) return InvalidArgumentError("index: required");
             const uint64_t tree = size.value_or(custody->log().size());
             if (*index >= tree || tree > custody->log().size()) {
               return InvalidArgumentError("index: expected index < size <= " +
                                           std::to_string(custody->log().size()) + ", found index " +
                                           std::to_string(*index) + ", size " + std::to_string(tree));
             }
             CUSTODY_ASSIGN_OR_RETURN(auto proof, custody->log().InclusionProof(*index, tree));
             CUSTODY_ASSIGN_OR_RETURN(auto root, custody->log().RootAt(tree));
             Json j = {{"index", *index}, {"size", tree}, {"root", Base64Of(root)}, {"proof", Json::array()}};
             for (const auto& h : proof) j["proof"].push_back(Base64Of(h));
             return JsonReply(j);
           }));
  Register(route("GET /v1/log/proof/consistency"), "/v1/log/proof/consistency",
           Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             CUSTODY_ASSIGN_OR_RETURN(auto from, UintParam(req, "from"));
             CUSTODY_ASSIGN_OR_RETURN(auto to, UintParam(req, "to"));
             if (!from) return InvalidArgumentError("from: required");
             const uint64_t tree = to.value_or(custody->log().size());
             if (*from == 0 || *from > tree || tree > custody->log().size()) {
               return InvalidArgumentError("from, to: expected 0 < from <= to <= " +
                                           std::to_string(custody->log().size()) + ", found from " +
                                           std::to_string(*from) + ", to " + std::to_string(tree));
             }
             CUSTODY_ASSIGN_OR_RETURN(auto proof, custody->log().ConsistencyProof(*from, tree));
             Json j = {{"from", *from}, {"to", tree}, {"proof", Json::array()}};
             for (const auto& h : proof) j["proof"].push_back(Base64Of(h));
             return JsonReply(j);
           }));
  // The C2SP tiles and checkpoint, as static files: only "checkpoint" and
  // names under "tile/" (no "..", no other file of the log directory).
  Register(route("GET /log/{path}"), R"(/log/(checkpoint|tile/[0-9A-Za-z./]{1,200}))",
           Locked([this](auto& req, auto&, auto&) -> Result<Reply> {
             const std::string rel = req.matches[1].str();
             if (rel.find("..") != std::string::npos || rel.find("//") != std::string::npos) {
               return NotFoundError("no log file " + rel);
             }
             auto data = custody->env()->ReadFileToString(custody->log().dir() + "/" + rel);
             if (!data.ok()) return NotFoundError("no log file " + rel);
             Reply r;
             r.body = std::move(*data);
             r.content_type = rel == "checkpoint" ? "text/plain; charset=utf-8" : "application/octet-stream";
             return r;
           }));
  internal::RegisterAdminRoutes(*this);
  internal::RegisterAnalysisRoutes(*this);
}

Reply Server::Impl::TasksNext(const httplib::Request& req, const Principal& who,
                              const std::string& request_id) {
  core::TaskRequest r;
  r.member_id = who.member_id;
  r.request_id = request_id;
  r.actor = who.actor;
  if (!req.body.empty()) {
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object()) return Problem(400, "body: expected a JSON object or nothing", request_id);
    if (body.contains("grant_id")) {
      if (!body["grant_id"].is_number_unsigned()) {
        return Problem(400, "grant_id: expected a positive integer", request_id);
      }
      r.grant_id = GrantId(body["grant_id"].get<int64_t>());
    }
  }
  TaskOutcome out = batcher->Submit(std::move(r));
  if (!out.task.ok()) {
    const Status& s = out.task.status();
    if (s.code() == StatusCode::kOutOfRange) return Problem(409, s.message(), request_id);
    Reply p = ProblemOf(s, request_id);
    if (out.breach) p.headers["Retry-After"] = std::to_string(out.breach->retry_after.count());
    return p;
  }
  metrics.CountTask();
  const core::ServedTask& t = *out.task;
  return JsonReply({{"task_id", t.task_id},
                    {"grant_id", t.grant_id},
                    {"dataset", t.dataset},
                    {"version", t.version},
                    {"record", t.record},
                    {"log_index", t.log_index},
                    {"request_id", request_id}});
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

int Server::port() const { return impl_->port; }
const char* Server::scheme() const { return impl_->tls ? "https" : "http"; }

Result<std::unique_ptr<Server>> Server::Create(std::unique_ptr<core::Custody> custody, ServeOptions o) {
  auto impl = std::make_unique<Impl>();
  if (o.cert_file.empty() != o.key_file.empty()) {
    return InvalidArgumentError("cert, key: give both (HTTPS) or neither (HTTP on loopback only)");
  }
  impl->tls = !o.cert_file.empty();
  if (!impl->tls && !IsLoopback(o.host)) {
    return InvalidArgumentError("listen: plain HTTP is served on a loopback address only, found '" + o.host +
                                "'; give --cert and --key for HTTPS");
  }
  if (o.max_dump_bytes == 0 || o.max_dump_bytes > (size_t{1} << 30)) {
    return InvalidArgumentError("max_dump_bytes: expected 1 to 1073741824, found " + std::to_string(o.max_dump_bytes));
  }
  if (o.port < 0 || o.port > 65535) {
    return InvalidArgumentError("listen: expected a port 0..65535, found " + std::to_string(o.port));
  }
  if (impl->tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(o.cert_file.c_str(), o.key_file.c_str());
    if (!ssl->is_valid()) {
      return InvalidArgumentError("cert, key: cannot load the certificate '" + o.cert_file + "' and key '" +
                                  o.key_file + "' (PEM files expected)");
    }
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  if (o.access_log.empty()) {
    impl->access_log = stderr;
  } else {
    impl->access_log = std::fopen(o.access_log.c_str(), "ae");
    if (impl->access_log == nullptr) {
      return InvalidArgumentError("access_log: cannot open '" + o.access_log + "' for appending");
    }
    impl->own_access_log = true;
  }
  core::TaskOptions task_options;
  task_options.canary_rate = o.canary_rate;
  // Two servers on one catalog: each counts the other's tasks against the
  // limits and the anomaly rule as it learns of them (at the start of each
  // batch, under the vault's lock), so a member cannot get twice the quota
  // by spreading requests over servers.
  task_options.on_other_task = [raw = impl.get()](const store::ReleaseRow& r) {
    if (raw->limits == nullptr || !raw->limits->any()) return;
    auto partner = raw->partner_of_grant.find(r.grant_id);
    if (partner == raw->partner_of_grant.end()) {
      auto g = core::GetGrant(*raw->custody, r.grant_id);
      if (!g.ok()) return;  // a grant that cannot be read: its tasks are not served here either
      partner = raw->partner_of_grant.emplace(r.grant_id, g->partner_id).first;
    }
    raw->limits->Seed(r.member_id, partner->second, r.grant_id, r.created_at);
  };
  CUSTODY_ASSIGN_OR_RETURN(impl->tasks, core::TaskServer::Create(*custody, task_options));
  if (!o.webhook.url.empty() || !o.webhook.secret_file.empty()) {
    if (o.webhook.url.empty() || o.webhook.secret_file.empty()) {
      return InvalidArgumentError("webhook: expected both a url and a secret file (--webhook-url, "
                                  "--webhook-secret-file)");
    }
    WebhookOptions w;
    CUSTODY_ASSIGN_OR_RETURN(w.url, ParseWebhookUrl(o.webhook.url));
    CUSTODY_ASSIGN_OR_RETURN(w.secret, ReadWebhookSecret(o.webhook.secret_file));
    if (o.webhook.max_attempts < 1 || o.webhook.max_attempts > 20) {
      return InvalidArgumentError("webhook: expected 1 to 20 attempts, found " +
                                  std::to_string(o.webhook.max_attempts));
    }
    w.max_attempts = o.webhook.max_attempts;
    w.first_retry = std::chrono::milliseconds(std::max(1, o.webhook.first_retry_ms));
    w.ca_file = o.webhook.ca_file;
    Impl* raw = impl.get();
    impl->webhook = std::make_unique<WebhookSender>(std::move(w), [raw](const WebhookAttempt& a) {
      Json line = {{"event", "webhook"}, {"id", a.id}, {"attempt", a.attempt}, {"final", a.final}};
      if (a.http_status != 0) line["http_status"] = a.http_status;
      if (!a.error.empty()) line["error"] = a.error;
      raw->AccessLog(line);
    });
  }
  impl->limits = std::make_unique<LimitTracker>(o.limits);
  if (impl->limits->any()) {
    // Tasks served before a restart count against the limits (the last
    // day) and the anomaly rule's history (8 days).
    core::HoldingsQuery q;
    CUSTODY_ASSIGN_OR_RETURN(auto releases, core::ListReleases(*custody, q));
    CUSTODY_ASSIGN_OR_RETURN(auto grants, core::ListGrants(*custody));
    std::map<GrantId, PartnerId> partner_of;
    for (const auto& g : grants) partner_of[g.id] = g.partner_id;
    const Time since = custody->clock()->Now() - impl->limits->history();
    for (const auto& r : releases) {
      if (r.format == "task" && r.created_at > since) {
        impl->limits->Seed(r.member_id, partner_of[r.grant_id], r.grant_id, r.created_at);
      }
    }
  }
  {
    CUSTODY_ASSIGN_OR_RETURN(core::LoggedRows logged, core::IndexLoggedRows(*custody));
    for (const auto& [id, ev] : logged.token_revocations) impl->revoked_in_log.insert(TokenId(id));
  }
  impl->shared = custody->vault().shared();
  impl->wal_path = JoinPath(custody->log().dir(), ledger::kWalFile);
  impl->catchup_log_size = custody->log().size();
  impl->custody = std::move(custody);
  impl->options = std::move(o);
  Impl* self = impl.get();
  impl->batcher = std::make_unique<TaskBatcher>(
      impl->tasks.get(), &impl->vault_mu, impl->limits.get(), impl->custody->clock(),
      impl->options.max_batch,
      [self](const core::TaskRequest& r, const core::Grant& g, const Breach& b) { self->OnBreach(r, g, b); });
  impl->http->new_task_queue = [n = impl->options.threads] { return new httplib::ThreadPool(n); };
  // A keep-alive connection serves a worker for as long as it works (the
  // library's default closes it every 5 requests), and small responses go
  // out at once (Nagle's algorithm with delayed ACKs adds up to 40 ms).
  // The library listens with a backlog of 5 (fixed when it was built): a
  // burst of connections (100 workers starting at once) overflows it, the
  // kernel drops their handshakes, and each waits a SYN-ACK retransmission
  // (1 s, then 3 s) before its first request is read. The socket is
  // captured here and its backlog raised once bound (listen(2) again).
  impl->http->set_socket_options([self](socket_t sock) {
    httplib::default_socket_options(sock);
    self->listen_socket = sock;
  });
  impl->http->set_keep_alive_max_count(100000);
  impl->http->set_tcp_nodelay(true);
  // Bodies over a route's own limit are refused by Register (413).
  impl->http->set_payload_max_length(std::max(core::TaskServer::kMaxAnswerBytes, impl->options.max_dump_bytes) + 1);
  impl->http->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string id = NewRequestId();
    const int status = res.status == 0 ? 404 : res.status;
    std::string detail = "no route " + req.method + " " + req.path;
    if (status == 400 && !req.has_header("Content-Length") &&
        !req.has_header("Transfer-Encoding")) {
      // The HTTP library refuses a POST that states no length.
      detail = req.method + " " + req.path +
               ": expected a Content-Length header (an empty body is Content-Length: 0; "
               "with curl, add -d '')";
    } else if (status == 413) {
      detail = req.method + " " + req.path + ": the body is larger than any route takes";
    } else if (status != 404 && status != 405) {
      detail = req.method + " " + req.path + ": the request could not be read";
    }
    Reply p = Problem(status, detail, id);
    res.set_header("X-Request-Id", id);
    res.set_content(p.body, p.content_type);
  });
  impl->RegisterAll();
  const std::string& host = impl->options.host;
  if (impl->options.port == 0) {
    impl->port = impl->http->bind_to_any_port(host);
    if (impl->port <= 0) return UnavailableError("listen: cannot bind " + host + " to a free port");
  } else {
    if (!impl->http->bind_to_port(host, impl->options.port)) {
      return UnavailableError("listen: cannot bind " + host + ":" + std::to_string(impl->options.port) +
                              " (in use, or not an address of this machine)");
    }
    impl->port = impl->options.port;
  }
  CUSTODY_RETURN_IF_ERROR(RaiseBacklog(impl->listen_socket, impl->port));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::Run() {
  const bool listened = impl_->http->listen_after_bind();
  // httplib has finished the requests in flight; commit what is queued.
  impl_->batcher->Stop();
  Status published;
  {
    std::lock_guard<std::mutex> lock(impl_->vault_mu);
    published = impl_->custody->log().Publish();
  }
  Json stopped = {{"event", "stopped"}, {"tasks_served", impl_->batcher->served()},
                  {"batches", impl_->batcher->batches()}};
  if (impl_->webhook) {
    // Alerts are on the log; their webhooks get a last chance to go out.
    impl_->webhook->Stop(std::chrono::seconds(2));
    const auto w = impl_->webhook->stats();
    stopped["webhooks"] = {{"delivered", w.delivered}, {"retries", w.retries}, {"dropped", w.dropped}};
  }
  impl_->AccessLog(stopped);
  if (!listened && !impl_->stopping.load()) return UnavailableError("listen: the server stopped unexpectedly");
  return published;
}

void Server::Stop() {
  impl_->stopping.store(true);
  impl_->http->stop();
}

}  // namespace custody::serve
