// custody serve's anomaly rule and webhooks, end to end: a member pulling
// far faster than the partner's other members is refused, alerted on the
// log, suspended, and the alert reaches a webhook receiver signed and with
// its dedup id; tasks outside the working hours are refused; a webhook
// secret that others can read is refused before the server starts.
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/serve/testing/webhook_receiver.h"
#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;
using ServeAlertsTest = ServeTest;

constexpr char kSecret[] = "f3b1c2d4e5a6978812345678abcdefab";

using Receiver = serve::testing::WebhookReceiver;

int Alerts(const std::vector<json>& entries, const std::string& kind) {
  int n = 0;
  for (const auto& e : entries) n += e["type"] == "serve.alert" && e["details"]["alert"] == kind;
  return n;
}

TEST_F(ServeAlertsTest, AMemberFarFasterThanItsPeersIsRefusedAlertedSuspendedAndTheWebhookIsSigned) {
  MakeVault(200);
  const std::string alice = Token("--member alice");
  const std::string bob = Token("--member bob");
  Receiver receiver;
  const std::string secret_file = root_ + "/hook.secret";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(secret_file, std::string(kSecret) + "\n").ok());
  ASSERT_EQ(::chmod(secret_file.c_str(), 0600), 0);
  ASSERT_TRUE(Env::Default()
                  ->WriteFileAtomically(root_ + "/serve.toml",
                                        "[anomaly]\nfactor = 3\nmin_tasks = 5\n\n[limits]\nsuspend_member = true\n\n"
                                        "[webhook]\nurl = \"http://127.0.0.1:" + std::to_string(receiver.port()) +
                                            "/hook\"\nsecret_file = \"" + secret_file + "\"\n")
                  .ok());
  StartServer("--config " + root_ + "/serve.toml");
  auto cli = Client();
  // bob, alice's peer at acme, works at 2 tasks an hour.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 200);
  // alice may take 6 (3 x 2); the 7th is the anomaly.
  for (int i = 0; i < 6; ++i) {
    auto r = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
    ASSERT_EQ(r->status, 200) << i << ": " << r->body;
  }
  auto over = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
  ASSERT_EQ(over->status, 429) << over->body;
  EXPECT_EQ(json::parse(over->body)["detail"],
            "anomaly: 7 tasks in the last hour, over 3.0 times the median of 2.0 of the partner's other active "
            "members");
  EXPECT_GE(std::atoi(over->get_header_value("Retry-After").c_str()), 1);
  // Suspended at once: the token is dead on the next request.
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json")->status, 403);
  // bob is not affected.
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 200);
  // The webhook arrives (bounded wait; the assertions below decide).
  for (int i = 0; i < 500 && receiver.deliveries().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Kill(SIGTERM), 0);

  const auto entries = LogEntries();
  ASSERT_EQ(Alerts(entries, "anomaly"), 1);
  size_t alert_index = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i]["type"] == "serve.alert") alert_index = i;
  }
  const json& alert = entries[alert_index];
  EXPECT_EQ(alert["details"]["rule"], "rate");
  EXPECT_EQ(alert["details"]["baseline_kind"], "peers");
  EXPECT_EQ(alert["details"]["baseline"], "2.0");
  EXPECT_EQ(alert["details"]["last_hour"], 7);
  EXPECT_EQ(Json("member show alice")["member"]["status"], "revoked");

  const auto got = receiver.deliveries();
  ASSERT_EQ(got.size(), 1u);
  const json body = json::parse(got[0].body);
  // The dedup id names the vault and the alert's log entry.
  const std::string vault_id = body["vault_id"];
  auto toml = Env::Default()->ReadFileToString(vault_ + "/custody.toml");
  ASSERT_TRUE(toml.ok());
  EXPECT_NE(toml->find(vault_id), std::string::npos) << *toml;
  EXPECT_EQ(got[0].id, "custody-" + vault_id + "-" + std::to_string(alert_index));
  const auto key = crypto::SecretBytes::FromBytes(kSecret);
  EXPECT_EQ(got[0].signature,
            "v1," + Base64Encode(crypto::HmacSha256(key, got[0].id + "." + got[0].timestamp + "." + got[0].body)));
  EXPECT_EQ(body["type"], "custody.serve.alert");
  EXPECT_EQ(body["data"]["alert"], "anomaly");
  EXPECT_EQ(body["data"]["member"], "alice");
  EXPECT_EQ(body["data"]["partner"], "acme");
  EXPECT_EQ(body["data"]["log_index"], alert_index);
  EXPECT_EQ(body["data"]["suspended"], true);
  // The secret never reaches the access log or stderr.
  auto access = Env::Default()->ReadFileToString(root_ + "/access.log");
  ASSERT_TRUE(access.ok());
  EXPECT_NE(access->find("\"event\":\"webhook\""), std::string::npos);
  EXPECT_EQ(access->find(kSecret), std::string::npos);
  EXPECT_EQ(ServeStderr().find(kSecret), std::string::npos);
  // The alert exports to OCSF with its reason.
  ASSERT_EQ(Exec("log export --format ocsf --out " + root_ + "/ocsf.jsonl").code, 0) << Stderr();
  auto ocsf = Env::Default()->ReadFileToString(root_ + "/ocsf.jsonl");
  ASSERT_TRUE(ocsf.ok());
  EXPECT_NE(ocsf->find("task anomaly: 7 tasks in the last hour"), std::string::npos);
}

TEST_F(ServeAlertsTest, TasksOutsideTheWorkingHoursAreRefused) {
  MakeVault(20);
  const std::string alice = Token("--member alice");
  // Working hours that start two hours from now: this hour and the next are outside.
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  const int start = (utc.tm_hour + 2) % 24;
  StartServer("--working-hours " + std::to_string(start) + "-" + std::to_string((start + 1) % 24));
  auto cli = Client();
  auto r = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
  ASSERT_EQ(r->status, 429) << r->body;
  EXPECT_NE(json::parse(r->body)["detail"].get<std::string>().find("outside the working hours"), std::string::npos)
      << r->body;
  const int retry = std::atoi(r->get_header_value("Retry-After").c_str());
  EXPECT_GT(retry, 3600);
  EXPECT_LE(retry, 2 * 3600);
  EXPECT_EQ(Kill(SIGTERM), 0);
  EXPECT_EQ(Alerts(LogEntries(), "anomaly"), 1);
  EXPECT_EQ(Json("member show alice")["member"]["status"], "active");  // no --suspend-on-breach
}

TEST_F(ServeAlertsTest, AWebhookSecretOthersCanReadIsRefusedBeforeTheServerStarts) {
  MakeVault(5);
  const std::string secret_file = root_ + "/hook.secret";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(secret_file, kSecret).ok());
  ASSERT_EQ(::chmod(secret_file.c_str(), 0644), 0);
  auto r = Exec("serve --listen 127.0.0.1:0 --webhook-url http://127.0.0.1:9/hook --webhook-secret-file " +
                secret_file);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(Stderr().find("expected mode 0600 or stricter, found 0644"), std::string::npos) << Stderr();
  EXPECT_EQ(Stderr().find(kSecret), std::string::npos);
  auto off = Exec("serve --listen 127.0.0.1:0 --webhook-url http://hooks.example.org/x --webhook-secret-file " +
                  secret_file);
  EXPECT_NE(off.code, 0);
  EXPECT_NE(Stderr().find("plain http is allowed only to a loopback host"), std::string::npos) << Stderr();
  auto hours = Exec("serve --listen 127.0.0.1:0 --working-hours 9-9");
  EXPECT_NE(hours.code, 0);
  EXPECT_NE(Stderr().find("--working-hours: working hours: expected START-END"), std::string::npos) << Stderr();
}

}  // namespace
}  // namespace custody::testing
