// The admin and analysis API of custody serve, end to end: each write is on
// the custody log under the admin's token and the request id, and shows in
// the read routes; a revocation through the API takes effect at the next
// request of the running server; bad bodies are problems naming the field;
// match, trace and incidents answer what their CLI commands print; an
// incident's update, containment and report do what `custody incident
// update|contain|report` do.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "tests/integration/serve/openapi_check.h"
#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

class ServeApiTest : public ServeTest {
 protected:
  // POSTs `body` as JSON with `token`; fails the test if there is no answer.
  httplib::Result Post(const std::string& path, const std::string& token, const std::string& body) {
    auto r = Client()->Post(path.c_str(), Bearer(token), body, "application/json");
    EXPECT_TRUE(r) << path;
    return r;
  }

  // The request id of an answer, remembered for the log check.
  std::string Remember(const httplib::Result& r) {
    const std::string id = r->get_header_value("X-Request-Id");
    request_ids_.insert(id);
    return id;
  }

  // The log entries whose actor names one of the remembered requests.
  std::map<std::string, json> EntriesOfRequests() {
    std::map<std::string, json> out;
    for (const auto& e : LogEntries()) {
      const std::string actor = e.value("actor", "");
      const size_t at = actor.rfind(" request:");
      if (at == std::string::npos) continue;
      const std::string id = actor.substr(at + 9);
      if (request_ids_.count(id)) out[id] = e;
    }
    return out;
  }

  std::set<std::string> request_ids_;
};

std::set<std::string> Names(const json& page, const char* field) {
  std::set<std::string> out;
  for (const auto& it : page["items"]) out.insert(it[field].get<std::string>());
  return out;
}

TEST_F(ServeApiTest, AdminWritesAreLoggedAndShowInTheReadRoutes) {
  MakeVault(40);
  const std::string admin = Token("--role admin");
  const std::string auditor = Token("--role auditor");
  StartServer();
  auto cli = Client();

  auto partner = Post("/v1/partners", admin, R"({"name":"gamma","contact":"legal@gamma.example"})");
  ASSERT_EQ(partner->status, 201) << partner->body;
  const std::string partner_request = Remember(partner);
  EXPECT_EQ(json::parse(partner->body)["partner"]["status"], "active");
  EXPECT_EQ(json::parse(partner->body)["request_id"], partner_request);

  const std::string dave_key = Base64Encode(crypto::X25519Generate().public_key);
  auto member = Post("/v1/members", admin,
                     R"({"partner":"gamma","name":"dave","email":"dave@gamma.example","public_key":")" + dave_key + "\"}");
  ASSERT_EQ(member->status, 201) << member->body;
  Remember(member);
  EXPECT_EQ(json::parse(member->body)["member"]["public_key"], dave_key);

  auto grant = Post("/v1/grants", admin,
                    R"({"partner":"gamma","dataset":"prompts","expires_at":"2099-01-01","purpose":"eval","sample":"0.5","seed":7})");
  ASSERT_EQ(grant->status, 201) << grant->body;
  Remember(grant);
  const int64_t grant_id = json::parse(grant->body)["grant"]["id"];
  EXPECT_EQ(json::parse(grant->body)["grant"]["selection"]["kind"], "sample");

  auto token = Post("/v1/tokens", admin, R"({"role":"member","member":"dave"})");
  ASSERT_EQ(token->status, 201) << token->body;
  Remember(token);
  EXPECT_EQ(token->get_header_value("Cache-Control"), "no-store");
  const std::string dave = json::parse(token->body)["token"];
  const int64_t dave_token_id = json::parse(token->body)["id"];

  // Everything written shows in the read routes, to an auditor.
  EXPECT_TRUE(Names(json::parse(cli->Get("/v1/partners", Bearer(auditor))->body), "name").count("gamma"));
  EXPECT_TRUE(Names(json::parse(cli->Get("/v1/members", Bearer(auditor))->body), "name").count("dave"));
  std::set<int64_t> grant_ids;
  const json grants = json::parse(cli->Get("/v1/grants", Bearer(auditor))->body);
  for (const auto& g : grants["items"]) {
    grant_ids.insert(g["id"].get<int64_t>());
  }
  EXPECT_TRUE(grant_ids.count(grant_id)) << grants;
  auto tokens = cli->Get("/v1/tokens", Bearer(admin));
  ASSERT_EQ(tokens->status, 200);
  EXPECT_EQ(tokens->body.find(dave), std::string::npos);  // never a token's text
  EXPECT_EQ(json::parse(tokens->body)["items"].back()["member"], "dave");
  EXPECT_EQ(cli->Get("/v1/tokens", Bearer(auditor))->status, 403);  // admin only

  // The new member works at once, and stops at once when revoked.
  auto task = Post("/v1/tasks/next", dave, "");
  ASSERT_EQ(task->status, 200) << task->body;
  EXPECT_EQ(json::parse(task->body)["grant_id"], grant_id);
  auto revoke = Post("/v1/members/dave/revoke", admin, R"({"reason":"left the project"})");
  ASSERT_EQ(revoke->status, 200) << revoke->body;
  Remember(revoke);
  EXPECT_EQ(json::parse(revoke->body)["member"]["status"], "revoked");
  auto refused = Post("/v1/tasks/next", dave, "");
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(Post("/v1/members/dave/revoke", admin, "")->status, 403);  // already revoked

  // A token revoked through the API is refused at its next request.
  auto alice_token = Post("/v1/tokens", admin, R"({"role":"member","member":"alice","expires_at":"2099-01-01"})");
  ASSERT_EQ(alice_token->status, 201) << alice_token->body;
  const std::string alice = json::parse(alice_token->body)["token"];
  ASSERT_EQ(Post("/v1/tasks/next", alice, "")->status, 200);
  auto token_revoke = Post("/v1/tokens/" + std::to_string(json::parse(alice_token->body)["id"].get<int64_t>()) +
                               "/revoke", admin, "");
  ASSERT_EQ(token_revoke->status, 200) << token_revoke->body;
  Remember(token_revoke);
  EXPECT_EQ(json::parse(token_revoke->body)["token"]["state"], "revoked");
  EXPECT_EQ(Post("/v1/tasks/next", alice, "")->status, 401);

  // A grant revoked stops its tasks; a suspended partner's members are
  // refused until it is resumed.
  auto carol_token = Post("/v1/tokens", admin, R"({"role":"member","member":"carol"})");
  ASSERT_EQ(carol_token->status, 201) << carol_token->body;
  const std::string carol = json::parse(carol_token->body)["token"];
  ASSERT_EQ(Post("/v1/tasks/next", carol, "")->status, 200);
  auto suspend = Post("/v1/partners/beta/suspend", admin, R"({"reason":"audit"})");
  ASSERT_EQ(suspend->status, 200) << suspend->body;
  Remember(suspend);
  EXPECT_EQ(Post("/v1/tasks/next", carol, "")->status, 403);
  auto resume = Post("/v1/partners/beta/resume", admin, "");
  ASSERT_EQ(resume->status, 200) << resume->body;
  Remember(resume);
  EXPECT_EQ(Post("/v1/tasks/next", carol, "")->status, 200);
  auto grant_revoke = Post("/v1/grants/" + std::to_string(beta_grant_) + "/revoke", admin, R"({"reason":"done"})");
  ASSERT_EQ(grant_revoke->status, 200) << grant_revoke->body;
  Remember(grant_revoke);
  EXPECT_EQ(json::parse(grant_revoke->body)["grant"]["status"], "revoked");
  EXPECT_EQ(Post("/v1/tasks/next", carol, "")->status, 403);
  auto terminate = Post("/v1/partners/gamma/terminate", admin, "");
  ASSERT_EQ(terminate->status, 200) << terminate->body;
  Remember(terminate);
  EXPECT_EQ(json::parse(terminate->body)["revoked_grants"], json::array({grant_id}));

  // Bad bodies are problems naming the field, what was expected and found.
  const json openapi = LoadOpenApi();
  const std::pair<std::string, std::string> bad[] = {
      {R"({"name":5})", "name: expected a string, found 5"},
      {R"({"nmae":"x"})", "nmae: expected one of the fields name, contact, contract, notes, found an unknown field"},
      {"[]", "body: expected a JSON object, found []"},
      {R"({"name":"bad name"})", "partner name"},
  };
  for (const auto& [body, detail] : bad) {
    auto r = Post("/v1/partners", admin, body);
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_NE(json::parse(r->body)["detail"].get<std::string>().find(detail), std::string::npos) << r->body;
    EXPECT_EQ(ResponseMismatch(openapi, "POST", "/v1/partners", r->status, r->get_header_value("Content-Type"), r->body),
              "");
  }
  auto key = Post("/v1/members", admin, R"({"partner":"acme","name":"erin","email":"e@x","public_key":"c2hvcnQ="})");
  EXPECT_EQ(key->status, 400);
  EXPECT_EQ(json::parse(key->body)["detail"].get<std::string>().rfind("public_key: expected the base64 of a 32-byte", 0), 0u)
      << key->body;
  auto expires = Post("/v1/grants", admin, R"({"partner":"acme","dataset":"prompts","expires_at":12,"purpose":"x"})");
  EXPECT_EQ(json::parse(expires->body)["detail"], "expires_at: expected a date or RFC 3339 time, found 12");
  auto seedless = Post("/v1/grants", admin, R"({"partner":"acme","dataset":"prompts","expires_at":"2099-01-01","purpose":"x","sample":"0.1"})");
  EXPECT_EQ(json::parse(seedless->body)["detail"], "seed: expected a non-negative integer with sample, found nothing");
  EXPECT_EQ(Post("/v1/partners", admin, R"({"name":"acme"})")->status, 409);
  EXPECT_EQ(Post("/v1/members/nobody/revoke", admin, "")->status, 404);
  EXPECT_EQ(Post("/v1/tokens", admin, R"({"role":"root"})")->status, 400);
  EXPECT_EQ(Post("/v1/partners", auditor, R"({"name":"delta"})")->status, 403);
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();

  // Each write is one log entry whose actor is the admin's token and the request.
  auto logged = EntriesOfRequests();
  EXPECT_EQ(logged.size(), request_ids_.size());
  ASSERT_TRUE(logged.count(partner_request));
  EXPECT_EQ(logged[partner_request]["type"], "partner");
  EXPECT_EQ(logged[partner_request]["actor"].get<std::string>().rfind("token:1 admin request:", 0), 0u);
  // And the CLI sees the same state.
  EXPECT_EQ(Json("member show dave")["member"]["status"], "revoked");
  EXPECT_EQ(Json("partner show gamma")["partner"]["status"], "terminated");
  auto list = Json("token list")["tokens"];
  bool dave_dead = false;
  for (const auto& t : list) dave_dead = dave_dead || (t["id"] == dave_token_id && t["state"] != "active");
  EXPECT_TRUE(dave_dead) << list;
}

TEST_F(ServeApiTest, MatchTraceAndIncidentsAnswerWhatTheCliPrints) {
  MakeVault(120);
  const std::string admin = Token("--role admin");
  const std::string auditor = Token("--role auditor");
  Json("release --grant " + std::to_string(acme_grant_) + " --member alice --out " + root_ + "/alice.jsonl");
  auto leak = Env::Default()->ReadFileToString(root_ + "/alice.jsonl");
  ASSERT_TRUE(leak.ok());
  StartServer("--max-dump-bytes " + std::to_string(leak->size()));
  const json openapi = LoadOpenApi();
  auto check = [&](const char* method, const char* route, const httplib::Result& r) {
    EXPECT_EQ(ResponseMismatch(openapi, method, route, r->status, r->get_header_value("Content-Type"), r->body), "");
  };

  // Match (an auditor may: it writes nothing).
  auto cli = Client();
  auto match = cli->Post("/v1/match?name=leak.jsonl", Bearer(auditor), *leak, "application/x-ndjson");
  ASSERT_EQ(match->status, 200) << match->body;
  check("POST", "/v1/match", match);
  const json m = json::parse(match->body);
  // The release's records and its canaries, one a line, each a match.
  const size_t lines = static_cast<size_t>(std::count(leak->begin(), leak->end(), '\n'));
  EXPECT_GE(lines, 120u);
  EXPECT_EQ(m["dump_records"], lines);
  EXPECT_EQ(m["matched"], lines);
  ASSERT_EQ(m["results"].size(), lines);
  EXPECT_EQ(m["results"][0]["source"], "leak.jsonl:1");
  EXPECT_EQ(m["top"][0]["source"].get<std::string>().rfind("leak.jsonl:", 0), 0u);
  // Over the limit: 413, before anything is read.
  auto big = cli->Post("/v1/match", Bearer(auditor), *leak + "\n", "application/x-ndjson");
  EXPECT_EQ(big->status, 413);
  check("POST", "/v1/match", big);
  EXPECT_EQ(cli->Post("/v1/match?format=xml", Bearer(auditor), *leak, "text/plain")->status, 400);
  EXPECT_EQ(cli->Post("/v1/match?name=../x", Bearer(auditor), *leak, "text/plain")->status, 400);

  // Trace: admin only; logged; its report opens an incident by log index.
  EXPECT_EQ(cli->Post("/v1/trace", Bearer(auditor), *leak, "text/plain")->status, 403);
  auto trace = cli->Post("/v1/trace?name=leak.jsonl", Bearer(admin), *leak, "application/x-ndjson");
  ASSERT_EQ(trace->status, 200) << trace->body;
  check("POST", "/v1/trace", trace);
  const json t = json::parse(trace->body);
  EXPECT_EQ(t["accused"], json::array({"alice"}));
  EXPECT_EQ(t["dumps"], json::array({"leak.jsonl"}));
  const uint64_t trace_index = t["log_index"];
  const std::string trace_request = trace->get_header_value("X-Request-Id");

  auto edited = t;
  edited["accused"] = json::array({"bob"});
  auto refused = cli->Post("/v1/incidents", Bearer(admin), json({{"trace", edited}}).dump(), "application/json");
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(json::parse(refused->body)["detail"].get<std::string>().find("trace report: accused"), std::string::npos)
      << refused->body;
  check("POST", "/v1/incidents", refused);
  EXPECT_EQ(cli->Post("/v1/incidents", Bearer(admin), R"({"trace_log_index":1})", "application/json")->status, 404);
  auto opened = cli->Post("/v1/incidents", Bearer(admin),
                          json({{"trace_log_index", trace_index}, {"title", "alice leak"}}).dump(), "application/json");
  ASSERT_EQ(opened->status, 201) << opened->body;
  check("POST", "/v1/incidents", opened);
  const int64_t incident = json::parse(opened->body)["incident"];
  const std::string path = "/v1/incidents/" + std::to_string(incident);
  EXPECT_EQ(cli->Post("/v1/incidents", Bearer(admin), json({{"trace_log_index", trace_index}}).dump(),
                      "application/json")->status,
            409);
  auto note = cli->Post((path + "/notes").c_str(), Bearer(admin), R"({"text":"alice's access cut"})", "application/json");
  ASSERT_EQ(note->status, 201) << note->body;
  check("POST", "/v1/incidents/{id}/notes", note);
  auto close = cli->Post((path + "/close").c_str(), Bearer(admin), R"({"resolution":"contained"})", "application/json");
  ASSERT_EQ(close->status, 200) << close->body;
  check("POST", "/v1/incidents/{id}/close", close);
  EXPECT_EQ(cli->Post((path + "/notes").c_str(), Bearer(admin), R"({"text":"late"})", "application/json")->status, 403);
  EXPECT_EQ(cli->Post((path + "/notes").c_str(), Bearer(admin), R"({"txt":"x"})", "application/json")->status, 400);
  auto shown = cli->Get(path.c_str(), Bearer(auditor));
  ASSERT_EQ(shown->status, 200) << shown->body;
  check("GET", "/v1/incidents/{id}", shown);
  const json i = json::parse(shown->body);
  EXPECT_EQ(i["status"], "closed");
  EXPECT_EQ(i["entries"].size(), 2u);
  EXPECT_EQ(i["trace"]["compromised_sha256"], t["compromised_sha256"]);
  EXPECT_EQ(cli->Get("/v1/incidents/999", Bearer(auditor))->status, 404);

  // The partner audit.
  auto audit = cli->Get("/v1/audit?partner=acme", Bearer(auditor));
  ASSERT_EQ(audit->status, 200) << audit->body;
  check("GET", "/v1/audit", audit);
  EXPECT_EQ(json::parse(audit->body)["partner"], "acme");
  EXPECT_EQ(cli->Get("/v1/audit", Bearer(auditor))->status, 400);
  EXPECT_EQ(cli->Get("/v1/audit?partner=nobody", Bearer(auditor))->status, 404);
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();

  // The CLI prints the same report of the same dump, and shows the same incident.
  const json cli_match = Json("match " + root_ + "/alice.jsonl");
  for (const char* k : {"dump_records", "matched", "distinct_records", "by_dataset", "by_kind", "unverified"}) {
    EXPECT_EQ(cli_match[k], m[k]) << k;
  }
  ASSERT_EQ(cli_match["results"].size(), m["results"].size());
  for (size_t n = 0; n < m["results"].size(); ++n) EXPECT_EQ(cli_match["results"][n]["match"], m["results"][n]["match"]);
  const json cli_incident = Json("incident show " + std::to_string(incident));
  EXPECT_EQ(cli_incident["entries"], i["entries"]);
  // The trace is on the log under the admin's request.
  bool logged = false;
  for (const auto& e : LogEntries()) {
    logged = logged || (e["type"] == "trace" && e["actor"].get<std::string>().ends_with("request:" + trace_request));
  }
  EXPECT_TRUE(logged);
}

std::string Detail(const httplib::Result& r) {
  auto p = json::parse(r->body, nullptr, false);
  return p.is_object() && p["detail"].is_string() ? p["detail"].get<std::string>() : "(no detail) " + r->body;
}

// The status of each item of a page, by name.
std::map<std::string, std::string> StatusByName(const httplib::Result& page) {
  std::map<std::string, std::string> out;
  EXPECT_EQ(page->status, 200) << page->body;
  const json j = json::parse(page->body);
  for (const auto& it : j["items"]) {
    out[it["name"].get<std::string>()] = it["status"].get<std::string>();
  }
  return out;
}

TEST_F(ServeApiTest, IncidentUpdateContainAndReportDoWhatTheCliDoes) {
  MakeVault(60);
  const std::string admin = Token("--role admin");
  const std::string auditor = Token("--role auditor");
  const std::string alice = Token("--member alice");
  Json("release --grant " + std::to_string(acme_grant_) + " --member alice --out " + root_ + "/alice.jsonl");
  Json("trace --out " + root_ + "/t.json " + root_ + "/alice.jsonl");
  const json opened = Json("incident open --from-trace " + root_ + "/t.json --title alice-leak");
  const int64_t incident = opened["incident"];
  const uint64_t compromised = opened["verdict"]["compromised"];
  ASSERT_GT(compromised, 0u);
  ASSERT_EQ(opened["verdict"]["accused"], json::array({"alice"}));
  StartServer();
  auto cli = Client();
  const json openapi = LoadOpenApi();
  auto check = [&](const char* method, const char* route, const httplib::Result& r) {
    EXPECT_EQ(ResponseMismatch(openapi, method, route, r->status, r->get_header_value("Content-Type"), r->body), "");
  };
  const std::string path = "/v1/incidents/" + std::to_string(incident);

  // Update: the times show on the incident; a later update keeps what it does not set.
  auto update = Post(path + "/update", admin,
                     R"({"aware_at":"2026-03-01T09:00:00Z","material_at":"2026-03-02",)"
                     R"("notified":{"gdpr-art33":"2026-03-03T10:00:00Z"}})");
  ASSERT_EQ(update->status, 200) << update->body;
  check("POST", "/v1/incidents/{id}/update", update);
  const std::string update_request = Remember(update);
  const json u = json::parse(update->body);
  EXPECT_EQ(u["incident"], incident);
  EXPECT_EQ(u["request_id"], update_request);
  EXPECT_EQ(u["clocks"]["aware_at"], "2026-03-01T09:00:00Z");
  EXPECT_EQ(u["clocks"]["material_at"], "2026-03-02T00:00:00Z");
  EXPECT_EQ(u["clocks"]["notified"]["gdpr-art33"], "2026-03-03T10:00:00Z");
  EXPECT_TRUE(u["clocks"]["contained_at"].is_null());
  EXPECT_EQ(u["update"]["set"], u["clocks"]);
  auto second = Post(path + "/update", admin, R"({"contained_at":"2026-03-04T12:00:00Z"})");
  ASSERT_EQ(second->status, 200) << second->body;
  Remember(second);
  const json clocks = json::parse(second->body)["clocks"];
  EXPECT_EQ(clocks["aware_at"], "2026-03-01T09:00:00Z");
  EXPECT_EQ(clocks["contained_at"], "2026-03-04T12:00:00Z");
  EXPECT_TRUE(json::parse(second->body)["update"]["set"]["aware_at"].is_null());
  EXPECT_EQ(json::parse(cli->Get(path.c_str(), Bearer(auditor))->body)["clocks"], clocks);
  // Bad bodies name the field; nothing is recorded.
  const std::pair<std::string, std::string> bad_updates[] = {
      {"", "body: expected at least one of aware_at, material_at, contained_at, notified; found none"},
      {R"({"aware_at":5})", "aware_at: expected a date or RFC 3339 time, found 5"},
      {R"({"awareat":"2026-03-01"})",
       "awareat: expected one of the fields aware_at, material_at, contained_at, notified, found an unknown field"},
      {R"({"notified":{"gdpr-art33":"soon"}})", "notified.gdpr-art33: "},
      {R"({"notified":["2026-03-01"]})", "notified: expected an object of name: time"},
      {R"({"notified":{"Bad Name":"2026-03-01"}})", "notice name: expected 1..64 of [a-z0-9._-]"},
  };
  for (const auto& [body, detail] : bad_updates) {
    auto r = Post(path + "/update", admin, body);
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_NE(Detail(r).find(detail), std::string::npos) << r->body;
    EXPECT_EQ(Detail(r).find("notified-at"), std::string::npos) << "a CLI flag in an API error: " << r->body;
    check("POST", "/v1/incidents/{id}/update", r);
  }
  EXPECT_EQ(json::parse(cli->Get(path.c_str(), Bearer(auditor))->body)["clocks"], clocks);
  auto no_incident = Post("/v1/incidents/999/update", admin, R"({"aware_at":"2026-03-01"})");
  EXPECT_EQ(no_incident->status, 404) << no_incident->body;
  check("POST", "/v1/incidents/{id}/update", no_incident);
  EXPECT_EQ(Post(path + "/update", auditor, R"({"aware_at":"2026-03-01"})")->status, 403);

  // Containment refused before any step: nothing is done.
  const std::pair<std::string, std::pair<int, std::string>> bad_contains[] = {
      {R"({"suspend_partner":"yes"})", {400, "suspend_partner: expected true or false, found \"yes\""}},
      {R"({"members":"alice"})", {400, "members: expected an array of strings, found \"alice\""}},
      {R"({"members":[""]})", {400, "members[0]: expected a member name, found \"\""}},
      {R"({"reason":"leak"})",
       {400, "reason: expected one of the fields members, suspend_partner, shred_dataset, found an unknown field"}},
      {R"({"members":["nobody"]})", {404, "nobody"}},
      {R"({"suspend_partner":true,"shred_dataset":"nosuch"})", {404, "nosuch"}},
  };
  for (const auto& [body, want] : bad_contains) {
    auto r = Post(path + "/contain", admin, body);
    EXPECT_EQ(r->status, want.first) << body << ": " << r->body;
    EXPECT_NE(Detail(r).find(want.second), std::string::npos) << r->body;
    check("POST", "/v1/incidents/{id}/contain", r);
  }
  EXPECT_EQ(Post("/v1/incidents/999/contain", admin, "")->status, 404);
  EXPECT_EQ(Post(path + "/contain", auditor, "")->status, 403);
  EXPECT_TRUE(json::parse(cli->Get(path.c_str(), Bearer(auditor))->body)["entries"].empty());
  EXPECT_EQ(StatusByName(cli->Get("/v1/members", Bearer(auditor)))["alice"], "active");
  EXPECT_EQ(StatusByName(cli->Get("/v1/partners", Bearer(auditor)))["acme"], "active");
  ASSERT_EQ(Post("/v1/tasks/next", alice, "")->status, 200);

  // Containment of the accused, with their partner: each step logged under
  // the request and recorded on the incident; alice is cut off at once.
  auto contain = Post(path + "/contain", admin, R"({"suspend_partner":true})");
  ASSERT_EQ(contain->status, 200) << contain->body;
  check("POST", "/v1/incidents/{id}/contain", contain);
  const std::string contain_request = Remember(contain);
  const json steps = json::parse(contain->body)["steps"];
  EXPECT_EQ(json::parse(contain->body)["incident"], incident);
  std::set<std::string> targets;
  for (const auto& st : steps) targets.insert(st["target"].get<std::string>());
  EXPECT_TRUE(targets.count("member alice")) << steps;
  EXPECT_TRUE(targets.count("partner acme")) << steps;
  EXPECT_EQ(Post("/v1/tasks/next", alice, "")->status, 403);
  EXPECT_EQ(StatusByName(cli->Get("/v1/members", Bearer(auditor)))["alice"], "revoked");
  EXPECT_EQ(StatusByName(cli->Get("/v1/members", Bearer(auditor)))["bob"], "active");  // not accused
  EXPECT_EQ(StatusByName(cli->Get("/v1/partners", Bearer(auditor)))["acme"], "suspended");
  const json contained = json::parse(cli->Get(path.c_str(), Bearer(auditor))->body);
  ASSERT_EQ(contained["entries"].size(), steps.size());
  for (size_t n = 0; n < steps.size(); ++n) {
    EXPECT_EQ(contained["entries"][n]["action"], "contain");
    EXPECT_EQ(contained["entries"][n]["text"], steps[n]["text"]);
    EXPECT_EQ(contained["entries"][n]["step_log_index"], steps[n]["step_log_index"]);
    EXPECT_EQ(contained["entries"][n]["log_index"], steps[n]["log_index"]);
  }
  auto again = Post(path + "/contain", admin, "");
  EXPECT_EQ(again->status, 403) << again->body;
  EXPECT_NE(Detail(again).find("nothing left to contain"), std::string::npos) << again->body;

  // The report, to an auditor: the incident's counts, times and containment.
  auto report = cli->Get((path + "/report?format=json").c_str(), Bearer(auditor));
  ASSERT_EQ(report->status, 200) << report->body;
  EXPECT_EQ(report->get_header_value("Content-Type"), "application/json");
  check("GET", "/v1/incidents/{id}/report", report);
  const json r = json::parse(report->body);
  EXPECT_EQ(r["format"], "custody.incident-report");
  EXPECT_EQ(r["header"]["incident"], incident);
  EXPECT_EQ(r["summary"]["compromised"], compromised);
  EXPECT_EQ(r["scope"]["compromised"], compromised);
  EXPECT_EQ(r["scope"]["records_sha256"], opened["records_hash"]);
  EXPECT_EQ(r["timeline"]["aware_at"], "2026-03-01T09:00:00Z");
  EXPECT_EQ(r["containment"]["steps"].size(), steps.size());
  EXPECT_EQ(json::parse(cli->Get((path + "/report").c_str(), Bearer(auditor))->body)["scope"], r["scope"]);
  auto md = cli->Get((path + "/report?format=md").c_str(), Bearer(auditor));
  ASSERT_EQ(md->status, 200) << md->body;
  EXPECT_EQ(md->get_header_value("Content-Type"), "text/markdown; charset=utf-8");
  EXPECT_NE(md->body.find("alice-leak"), std::string::npos);
  check("GET", "/v1/incidents/{id}/report", md);
  auto html = cli->Get((path + "/report?format=html").c_str(), Bearer(admin));
  ASSERT_EQ(html->status, 200) << html->body;
  EXPECT_EQ(html->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(html->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0), 0u);
  EXPECT_NE(html->body.find("alice-leak"), std::string::npos);
  EXPECT_EQ(html->body.find("<script"), std::string::npos);
  auto pdf = cli->Get((path + "/report?format=pdf").c_str(), Bearer(auditor));
  EXPECT_EQ(pdf->status, 400);
  EXPECT_EQ(Detail(pdf).rfind("format: ", 0), 0u) << pdf->body;
  check("GET", "/v1/incidents/{id}/report", pdf);
  auto no_report = cli->Get("/v1/incidents/999/report", Bearer(auditor));
  EXPECT_EQ(no_report->status, 404);
  check("GET", "/v1/incidents/{id}/report", no_report);

  // Closed: no more updates or containment; the report still reads.
  ASSERT_EQ(Post(path + "/close", admin, R"({"resolution":"contained"})")->status, 200);
  auto late_update = Post(path + "/update", admin, R"({"aware_at":"2026-03-05"})");
  EXPECT_EQ(late_update->status, 403) << late_update->body;
  EXPECT_NE(Detail(late_update).find("closed"), std::string::npos) << late_update->body;
  check("POST", "/v1/incidents/{id}/update", late_update);
  auto late_contain = Post(path + "/contain", admin, R"({"members":["bob"]})");
  EXPECT_EQ(late_contain->status, 403) << late_contain->body;
  check("POST", "/v1/incidents/{id}/contain", late_contain);
  EXPECT_EQ(StatusByName(cli->Get("/v1/members", Bearer(auditor)))["bob"], "active");
  auto closed_report = cli->Get((path + "/report").c_str(), Bearer(auditor));
  ASSERT_EQ(closed_report->status, 200) << closed_report->body;
  EXPECT_EQ(json::parse(closed_report->body)["closure"]["status"], "closed");
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();

  // On the log: the updates and each step under the admin's request.
  const auto entries = LogEntries();
  auto logged = EntriesOfRequests();
  EXPECT_EQ(logged.count(update_request), 1u);
  for (const auto& st : steps) {
    const auto& step = entries.at(st["step_log_index"].get<size_t>());
    EXPECT_TRUE(step["actor"].get<std::string>().ends_with("request:" + contain_request)) << step;
    EXPECT_EQ(entries.at(st["log_index"].get<size_t>())["type"], "incident");
  }
  // The CLI shows the same incident and writes the same report scope.
  const json shown = Json("incident show " + std::to_string(incident));
  EXPECT_EQ(shown["clocks"], clocks);
  Json("incident report " + std::to_string(incident) + " --format json --out " + root_ + "/report.json");
  auto written = Env::Default()->ReadFileToString(root_ + "/report.json");
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(json::parse(*written)["scope"], json::parse(closed_report->body)["scope"]);
}

}  // namespace
}  // namespace custody::testing
