// The authorization matrix of docs/api.md: every route called as no token,
// an expired token, a revoked token, another partner's member, the member,
// an auditor and an admin; each answer is exactly allowed or denied as the
// matrix says, never a 500, and never a record of someone else's grant.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "custody/base/encoding.h"
#include "custody/core/custody_core.h"
#include "custody/core/parties/parties.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/stream.h"
#include "custody/serve/routes.h"
#include "custody/serve/token.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/store/sqlite.h"
#include "tests/integration/serve/openapi_check.h"
#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

class ServeAuthzTest : public ServeTest {
 protected:
  // An alice token that expired: issued through the library with a clock
  // in the past, so no test waits for time to pass.
  std::string ExpiredToken() {
    FakeClock clock(FromUnixSeconds(1'600'000'000));
    core::OpenOptions o;
    o.keys.key_file = key_;
    o.clock = &clock;
    o.recovery = core::AllRecoverySteps();
    auto c = core::Custody::Open(vault_, o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    serve::TokenSpec spec;
    spec.member = "alice";
    spec.expires_at = clock.Now() + std::chrono::hours(1);
    auto t = serve::IssueToken(**c, spec);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? t->token : "";
  }
};

struct Call {
  int status = 0;
  std::string body;
  std::string content_type;
};

TEST_F(ServeAuthzTest, EveryRouteAnswersEveryCallerAsDocumented) {
  MakeVault(60);
  const std::string alice = Token("--member alice");
  const std::string carol = Token("--member carol");
  const std::string auditor = Token("--role auditor");
  const std::string admin = Token("--role admin");
  const std::string revoked = Token("--member alice");
  auto list = Json("token list");
  const int64_t revoked_id = list["tokens"].back()["id"];
  Json("token revoke " + std::to_string(revoked_id) + " --reason test");
  const std::string expired = ExpiredToken();
  ASSERT_FALSE(expired.empty());
  const std::string bob = Token("--member bob");
  auto release = Json("release --grant " + std::to_string(acme_grant_) + " --member alice --encrypt --out " + root_ +
                      "/alice.enc");
  const int64_t alice_release = release["release"];
  // For the admin routes: a token to revoke, an incident (from a trace of
  // bob's leaked release) and a second trace report to open one from.
  Token("--role auditor");
  const int64_t spare_token = Json("token list")["tokens"].back()["id"];
  Json("release --grant " + std::to_string(acme_grant_) + " --member bob --out " + root_ + "/bob.jsonl");
  Json("trace --out " + root_ + "/t1.json " + root_ + "/bob.jsonl");
  const int64_t incident = Json("incident open --from-trace " + root_ + "/t1.json --title first")["incident"];
  Json("trace --out " + root_ + "/t2.json " + root_ + "/bob.jsonl");
  // A member no other call uses, for the incident's containment.
  Json("member add --partner beta --name erin --email erin@beta.example --generate-key --key-out " + root_ +
       "/erin.key");
  auto t2 = Env::Default()->ReadFileToString(root_ + "/t2.json");
  ASSERT_TRUE(t2.ok());
  const int64_t next_grant = beta_grant_ + 1;
  const std::string dave_key = Base64Encode(crypto::X25519Generate().public_key);
  StartServer();
  // One process over the vault: the server holds its writer lock.
  EXPECT_EQ(Exec("token issue --member bob").code, 5);
  EXPECT_NE(Stderr().find("locked by another custody process"), std::string::npos) << Stderr();
  auto cli = Client();

  // A task of alice's, for the result route.
  auto first = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const int64_t alice_task = json::parse(first->body)["task_id"];

  enum Caller { kNone, kExpired, kRevoked, kOtherMember, kMember, kAuditor, kAdmin };
  const std::map<Caller, std::string> tokens = {{kNone, ""},          {kExpired, expired}, {kRevoked, revoked},
                                                {kOtherMember, carol}, {kMember, alice},    {kAuditor, auditor},
                                                {kAdmin, admin}};
  const std::map<Caller, const char*> names = {{kNone, "no token"}, {kExpired, "expired"}, {kRevoked, "revoked"},
                                               {kOtherMember, "other partner's member"}, {kMember, "member"},
                                               {kAuditor, "auditor"}, {kAdmin, "admin"}};
  // The concrete request of every route (query parameters that make it valid).
  const std::map<std::string, std::string> concrete = {
      {"/v1/tasks/{id}/result", "/v1/tasks/" + std::to_string(alice_task) + "/result"},
      {"/v1/releases/{id}/key", "/v1/releases/" + std::to_string(alice_release) + "/key"},
      {"/v1/log/proof/inclusion", "/v1/log/proof/inclusion?index=0"},
      {"/v1/log/proof/consistency", "/v1/log/proof/consistency?from=1"},
      {"/v1/exposure", "/v1/exposure?at=2099-01-01"},
      {"/log/{path}", "/log/checkpoint"},
      {"/dashboard/{file}", "/dashboard/"},
      {"/v1/partners/{name}/suspend", "/v1/partners/gamma/suspend"},
      {"/v1/partners/{name}/resume", "/v1/partners/gamma/resume"},
      {"/v1/partners/{name}/terminate", "/v1/partners/gamma/terminate"},
      {"/v1/members/{name}/revoke", "/v1/members/dave/revoke"},
      {"/v1/grants/{id}/revoke", "/v1/grants/" + std::to_string(next_grant) + "/revoke"},
      {"/v1/tokens/{id}/revoke", "/v1/tokens/" + std::to_string(spare_token) + "/revoke"},
      {"/v1/incidents/{id}", "/v1/incidents/" + std::to_string(incident)},
      {"/v1/incidents/{id}/report", "/v1/incidents/" + std::to_string(incident) + "/report?format=json"},
      {"/v1/incidents/{id}/notes", "/v1/incidents/" + std::to_string(incident) + "/notes"},
      {"/v1/incidents/{id}/update", "/v1/incidents/" + std::to_string(incident) + "/update"},
      {"/v1/incidents/{id}/contain", "/v1/incidents/" + std::to_string(incident) + "/contain"},
      {"/v1/incidents/{id}/close", "/v1/incidents/" + std::to_string(incident) + "/close"},
      {"/v1/audit", "/v1/audit?partner=acme"},
      {"/v1/trace", "/v1/trace?name=bob.jsonl"},
  };
  // The bodies of the writes (others get {"label":"ok"}: an answer, or a
  // dump of one record). The admin calls last, so each
  // write succeeds once. Routes are called in routes.cc's order: gamma is
  // added before it is suspended, dave before he is revoked, the incident
  // updated and contained before it is closed.
  const std::map<std::string, std::string> bodies = {
      {"POST /v1/partners", R"({"name":"gamma","contract":"C-9"})"},
      {"POST /v1/partners/{name}/suspend", R"({"reason":"test"})"},
      {"POST /v1/partners/{name}/resume", ""},
      {"POST /v1/partners/{name}/terminate", R"({"reason":"test"})"},
      {"POST /v1/members/{name}/revoke", R"({"reason":"test"})"},
      {"POST /v1/grants/{id}/revoke", ""},
      {"POST /v1/tokens/{id}/revoke", R"({"reason":"test"})"},
      {"POST /v1/members", R"({"partner":"acme","name":"dave","email":"dave@acme.example","public_key":")" + dave_key +
                               "\"}"},
      {"POST /v1/grants", R"({"partner":"beta","dataset":"prompts","expires_at":"2099-01-01","purpose":"eval"})"},
      {"POST /v1/tokens", R"({"role":"auditor"})"},
      {"POST /v1/incidents", R"({"title":"second","trace":)" + *t2 + "}"},
      {"POST /v1/incidents/{id}/notes", R"({"text":"looked"})"},
      {"POST /v1/incidents/{id}/update", R"({"aware_at":"2026-01-01T00:00:00Z"})"},
      {"POST /v1/incidents/{id}/contain", R"({"members":["erin"]})"},
      {"POST /v1/incidents/{id}/close", R"({"resolution":"contained"})"},
  };
  // What the allowed caller gets when it is not 200.
  const std::map<std::string, int> created = {{"POST /v1/partners", 201}, {"POST /v1/members", 201},
                                              {"POST /v1/grants", 201},   {"POST /v1/tokens", 201},
                                              {"POST /v1/incidents", 201}, {"POST /v1/incidents/{id}/notes", 201}};
  const json openapi = LoadOpenApi();
  ASSERT_TRUE(openapi.is_object());
  int checked = 0;
  for (const serve::Route& r : serve::Routes()) {
    const std::string path = concrete.count(std::string(r.path)) ? concrete.at(std::string(r.path)) : std::string(r.path);
    for (const auto& [caller, token] : tokens) {
      SCOPED_TRACE(std::string(r.method) + " " + path + " as " + names.at(caller));
      const std::string key = std::string(r.method) + " " + std::string(r.path);
      const std::string body = bodies.count(key) ? bodies.at(key) : "{\"label\":\"ok\"}";
      httplib::Result res = r.method == "GET" ? cli->Get(path.c_str(), Bearer(token))
                                              : cli->Post(path.c_str(), Bearer(token), body, "application/json");
      ASSERT_TRUE(res);
      ++checked;
      EXPECT_NE(res->status, 500) << res->body;
      int want = 0;
      switch (r.access) {
        case serve::Access::kPublic:
          want = r.path == "/" ? 302 : 200;  // "/" redirects to the dashboard
          break;
        case serve::Access::kRead:
          want = caller == kNone || caller == kExpired || caller == kRevoked ? 401
                 : caller == kAuditor || caller == kAdmin                   ? (created.count(key) ? created.at(key) : 200)
                                                                            : 403;
          break;
        case serve::Access::kAdmin:
          want = caller == kNone || caller == kExpired || caller == kRevoked ? 401
                 : caller == kAdmin                                         ? (created.count(key) ? created.at(key) : 200)
                                                                            : 403;
          break;
        case serve::Access::kMember:
          if (caller == kNone || caller == kExpired || caller == kRevoked) {
            want = 401;
          } else if (caller == kAuditor || caller == kAdmin) {
            want = 403;
          } else if (r.path == "/v1/tasks/next") {
            want = 200;
          } else if (r.path == "/v1/tasks/{id}/result") {
            want = caller == kMember ? 201 : 404;  // carol cannot see alice's task
          } else {
            want = caller == kMember ? 200 : 404;  // nor alice's release
          }
          break;
      }
      EXPECT_EQ(res->status, want) << res->body;
      if (res->status >= 400) {
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
        auto p = json::parse(res->body, nullptr, false);
        ASSERT_TRUE(p.is_object()) << res->body;
        EXPECT_EQ(p["status"], res->status);
        EXPECT_TRUE(p["detail"].is_string());
      }
      EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
      // Every answer is one the document lists, in its documented shape.
      EXPECT_EQ(ResponseMismatch(openapi, std::string(r.method), std::string(r.path), res->status,
                                 res->get_header_value("Content-Type"), res->body),
                "");
      if (r.path == "/v1/tasks/next" && res->status == 200) {
        // A record of the caller's own partner's grant, never another's.
        auto t = json::parse(res->body);
        EXPECT_EQ(t["grant_id"].get<int64_t>(), caller == kMember ? acme_grant_ : beta_grant_);
      }
    }
  }
  EXPECT_EQ(checked, static_cast<int>(serve::Routes().size() * tokens.size()));

  // The key alice is handed is the key her file was sealed with.
  auto key = cli->Post(("/v1/releases/" + std::to_string(alice_release) + "/key").c_str(), Bearer(alice), "",
                       "application/json");
  ASSERT_EQ(key->status, 200) << key->body;
  auto secret = core::ReadMemberSecretKey(Env::Default(), root_ + "/alice.key");
  ASSERT_TRUE(secret.ok());
  crypto::X25519KeyPair kp;
  kp.public_key = *crypto::X25519PublicFromSecret(*secret);
  kp.secret_key = std::move(*secret);
  auto sealed = Base64Decode(json::parse(key->body)["sealed_file_key"].get<std::string>());
  ASSERT_TRUE(sealed.ok());
  auto handed = crypto::OpenSealed(kp, *sealed);
  ASSERT_TRUE(handed.ok());
  auto file = Env::Default()->ReadFileToString(root_ + "/alice.enc");
  ASSERT_TRUE(file.ok());
  auto in_file = crypto::OpenSealed(kp, file->substr(crypto::kStreamMagicSize, 80));
  ASSERT_TRUE(in_file.ok());
  EXPECT_EQ(*handed, *in_file);

  // A member token dies with its member and its partner; a grant's
  // revocation stops its tasks.
  ASSERT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 200);
  Kill(SIGTERM);
  Json("grant revoke " + std::to_string(acme_grant_));
  StartServer();
  cli = Client();
  auto no_grant = cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json");
  EXPECT_EQ(no_grant->status, 403) << no_grant->body;
  // A revoked grant's release keys are no longer handed out.
  auto no_key = cli->Post(("/v1/releases/" + std::to_string(alice_release) + "/key").c_str(), Bearer(alice), "",
                          "application/json");
  EXPECT_EQ(no_key->status, 403) << no_key->body;
  Kill(SIGTERM);
  Json("member revoke bob");
  Json("partner suspend beta");
  StartServer();
  cli = Client();
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 403);
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(carol), "", "application/json")->status, 403);
  // Unknown routes and malformed tokens are problems too.
  auto unknown = cli->Get("/v1/nothing", Bearer(admin));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(cli->Get("/v1/partners", Bearer("cst_not-a-token"))->status, 401);
  EXPECT_EQ(cli->Get("/v1/partners", {{"Authorization", "Basic eDp5"}})->status, 401);
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();
}

TEST_F(ServeAuthzTest, ListsArePagedWithContinuationTokens) {
  MakeVault(20);
  const std::string admin = Token("--role admin");
  StartServer();
  auto cli = Client();
  std::set<int64_t> ids;
  std::string after;
  int pages = 0;
  while (true) {
    std::string path = "/v1/members?limit=2";
    if (!after.empty()) path += "&after=" + after;
    auto r = cli->Get(path.c_str(), Bearer(admin));
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = json::parse(r->body);
    ++pages;
    for (const auto& m : j["items"]) ids.insert(m["id"].get<int64_t>());
    if (!j.contains("next")) break;
    after = j["next"];
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(cli->Get("/v1/members?after=bm90LWEtdG9rZW4", Bearer(admin))->status, 400);
  EXPECT_EQ(cli->Get("/v1/members?limit=0", Bearer(admin))->status, 400);
  EXPECT_EQ(cli->Get("/v1/log/proof/inclusion?index=999999", Bearer(admin))->status, 400);
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeAuthzTest, ATokenRowEditedBackToLifeAuthenticatesNothingAndVaultCheckSaysSo) {
  MakeVault(20);
  const std::string revoked = Token("--member alice");
  Token("--member bob");
  Json("token revoke 1");
  // A token of the attacker's choosing, its hash put on bob's row.
  const std::string forged = "cst_" + std::string(43, 'A');
  EXPECT_EQ(Json("vault check")["checked"]["tokens"], 2);
  {
    // Someone with write access to the vault directory edits the catalog.
    auto db = store::Db::Open(vault_ + "/catalog.db", false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE tokens SET revoked_at = NULL WHERE id = 1").ok());
    ASSERT_TRUE((*db)->Exec("UPDATE tokens SET token_hash = '" + core::Sha256Hex(forged) + "' WHERE id = 2").ok());
  }
  auto check = Exec("--json vault check");
  EXPECT_EQ(check.code, 6);
  auto report = json::parse(check.out);
  std::set<std::string> subjects;
  for (const auto& p : report["problems"]) {
    if (p["kind"] == "token") subjects.insert(p["subject"].get<std::string>());
  }
  EXPECT_EQ(subjects, (std::set<std::string>{"token 1", "token 2"})) << check.out;
  StartServer();
  auto cli = Client();
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(revoked), "", "application/json")->status, 401);
  auto r = cli->Post("/v1/tasks/next", Bearer(forged), "", "application/json");
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("does not match its issue event"), std::string::npos) << r->body;
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeAuthzTest, TokensAreLoggedAndNeverWrittenOut) {
  MakeVault(20);
  auto issued = Json("token issue --member alice");
  const std::string token = issued["token"];
  EXPECT_EQ(token.rfind("cst_", 0), 0u);
  EXPECT_EQ(token.size(), 4u + 43u);  // 32 bytes in unpadded base64url
  StartServer();
  auto cli = Client();
  auto t = cli->Post("/v1/tasks/next", Bearer(token), "", "application/json");
  ASSERT_EQ(t->status, 200);
  EXPECT_EQ(Kill(SIGTERM), 0);
  const std::string record = json::parse(t->body)["record"];
  for (const std::string& file : {root_ + "/access.log", vault_ + "/catalog.db", root_ + "/serve.stderr"}) {
    auto data = Env::Default()->ReadFileToString(file);
    ASSERT_TRUE(data.ok()) << file;
    EXPECT_EQ(data->find(token), std::string::npos) << file;
    EXPECT_EQ(data->find(token.substr(4)), std::string::npos) << file;
  }
  auto access = Env::Default()->ReadFileToString(root_ + "/access.log");
  EXPECT_EQ(access->find(record.substr(0, 40)), std::string::npos);
  // The log holds the issue event, and the task's event names its request.
  int token_events = 0;
  bool task_logged = false;
  const std::string request_id = json::parse(t->body)["request_id"];
  for (const auto& e : LogEntries()) {
    if (e["type"] == "token") ++token_events;
    if (e["type"] == "release" && e["details"].value("request_id", "") == request_id) task_logged = true;
  }
  EXPECT_EQ(token_events, 1);
  EXPECT_TRUE(task_logged);
  EXPECT_NE(access->find(request_id), std::string::npos);
}

}  // namespace
}  // namespace custody::testing
