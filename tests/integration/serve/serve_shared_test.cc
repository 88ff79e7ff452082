// Two `custody serve` processes over one vault whose catalog is on
// PostgreSQL (a throwaway cluster, store/testing/pg_test_server.h; the test
// is skipped, saying why, where PostgreSQL cannot run). 50 members pull a
// fixed number of tasks each, every member from both servers in turn; then
// no task (release) id and no log index was given twice, every task a
// client received is the member's in the catalog (checked against its log
// event) and on the log exactly once, no record was served twice under a
// grant, `custody log verify` (against checkpoints the two servers handed
// out on the way) and `custody vault check` pass, and a revocation made
// through one server is honoured by the other at the next request. A
// member's hourly quota holds across the two servers: each counts the
// tasks the other served.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "custody/core/custody_core.h"
#include "custody/core/release/holdings.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/ledger/custody_log.h"
#include "custody/store/testing/pg_test_server.h"
#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

class ServeSharedTest : public ServeTest {
 protected:
  void SetUp() override {
    ServeTest::SetUp();
    std::string why;
    pg_ = store::testing::PgTestServer::Get(&why);
    if (pg_ == nullptr) GTEST_SKIP() << "PostgreSQL is not available: " << why;
    auto uri = pg_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status().message();
    uri_ = *uri;
  }
  void TearDown() override {
    KillProcess(&pid_b_, SIGKILL);
    if (pid_ > 0) Kill(SIGKILL);
    if (HasFailure()) {
      // The servers' own account of what failed.
      for (const char* f : {"serve.stderr", "serve-b.stderr", "access.log", "serve-b.access.log"}) {
        auto text = Env::Default()->ReadFileToString(root_ + "/" + f);
        if (!text.ok()) continue;
        size_t start = 0, shown = 0;
        while (start < text->size() && shown < 20) {
          size_t end = text->find('\n', start);
          if (end == std::string::npos) end = text->size();
          const std::string line = text->substr(start, end - start);
          if (line.find("\"status\":2") == std::string::npos && line.find("\"event\"") == std::string::npos) {
            std::printf("%s: %s\n", f, line.c_str());
            ++shown;
          }
          start = end + 1;
        }
      }
    }
    if (pg_ != nullptr && !uri_.empty()) pg_->DropDatabase(uri_);
    ServeTest::TearDown();
  }

  // POSTs `path` to the server on `port` as `token`; returns the status and body.
  static std::pair<int, std::string> Post(int port, const std::string& token, const std::string& path,
                                          const std::string& body = "") {
    auto r = ClientOf(port)->Post(path, Bearer(token), body, "application/json");
    if (!r) return {-1, ""};
    return {r->status, r->body};
  }
  static std::string Get(int port, const std::string& token, const std::string& path) {
    auto r = ClientOf(port)->Get(path, Bearer(token));
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    return r ? r->body : "";
  }

  // A vault on the test's PostgreSQL database with dataset "prompts"
  // (`records` generated records), `partners` partners p0, p1, ... with
  // `per_partner` members each (p0m0, p0m1, ...), one grant of every
  // record to each partner, a token per member and an admin token.
  void MakeSharedVault(int records, int partners, int per_partner) {
    ASSERT_EQ(Exec("init " + vault_ + " --catalog '" + uri_ + "'").code, 0) << Stderr();
    ASSERT_EQ(Exec("generate --records " + std::to_string(records) + " --seed 5 --out " + root_ + "/c.jsonl").code,
              0)
        << Stderr();
    Json("ingest --dataset prompts " + root_ + "/c.jsonl");
    for (int p = 0; p < partners; ++p) {
      const std::string partner = "p" + std::to_string(p);
      Json("partner add " + partner);
      for (int k = 0; k < per_partner; ++k) {
        const std::string name = partner + "m" + std::to_string(k);
        Json("member add --partner " + partner + " --name " + name + " --email " + name +
             "@example.org --generate-key --key-out " + root_ + "/" + name + ".key");
      }
      Json("grant add --partner " + partner + " --dataset prompts --expires 2099-01-01 --purpose labeling");
      for (int k = 0; k < per_partner; ++k) {
        const std::string name = partner + "m" + std::to_string(k);
        auto t = Json("token issue --member " + name);
        members_.emplace_back(name, t.value("token", ""));
        token_id_[name] = t.value("id", int64_t{0});
      }
    }
    admin_ = Token("--role admin");
  }

  // Checks that no task id, log index or release event was given twice,
  // then ExpectTasksHeld.
  void CheckReceived(const std::vector<ReceivedTask>& received) {
    std::set<int64_t> task_ids;
    std::set<uint64_t> log_indexes;
    for (const ReceivedTask& r : received) {
      EXPECT_TRUE(task_ids.insert(r.task_id).second) << "task id " << r.task_id << " given twice";
      EXPECT_TRUE(log_indexes.insert(r.log_index).second) << "log index " << r.log_index << " given twice";
    }
    {
      core::OpenOptions o;
      o.keys.key_file = key_;
      auto c = core::Custody::Open(vault_, o);
      ASSERT_TRUE(c.ok()) << c.status().message();
      std::map<int64_t, int> release_events;
      const uint64_t size = (*c)->log().size();
      for (uint64_t i = 0; i < size; ++i) {
        auto ev = core::ReadLogEvent((*c)->log(), i);
        ASSERT_TRUE(ev.ok()) << i;
        if (ev->type == "release") ++release_events[ev->details["release_id"].get<int64_t>()];
      }
      for (const auto& [id, n] : release_events) EXPECT_EQ(n, 1) << "release " << id << " logged " << n << " times";
      for (const ReceivedTask& r : received) EXPECT_EQ(release_events[r.task_id], 1) << "task " << r.task_id;
    }
    ExpectTasksHeld(received);
  }

  std::vector<std::pair<std::string, std::string>> members_;  // name, token
  std::map<std::string, int64_t> token_id_;
  std::string admin_;

  store::testing::PgTestServer* pg_ = nullptr;
  std::string uri_;
  pid_t pid_b_ = -1;
  int port_b_ = 0;
};

TEST_F(ServeSharedTest, TwoServersServeFiftyMembersWithNoIdReusedAndNoTaskLost) {
  constexpr int kTasksPerMember = 24;  // in two rounds of 12
  MakeSharedVault(1500, 5, 10);
  if (HasFatalFailure()) return;
  const auto& members = members_;
  const std::string& admin = admin_;
  SpawnServer("", "serve", &pid_, &port_);
  SpawnServer("", "serve-b", &pid_b_, &port_b_);
  const int ports[2] = {port_, port_b_};

  std::mutex mu;
  std::vector<ReceivedTask> received;
  auto pull_round = [&](int tasks) {
    std::vector<std::thread> clients;
    for (size_t i = 0; i < members.size(); ++i) {
      clients.emplace_back([&, i] {
        const auto& [name, token] = members[i];
        std::unique_ptr<httplib::Client> cli[2] = {ClientOf(ports[0]), ClientOf(ports[1])};
        for (int k = 0; k < tasks; ++k) {
          const int server = static_cast<int>((i + static_cast<size_t>(k)) % 2);
          auto r = cli[server]->Post("/v1/tasks/next", Bearer(token), "", "application/json");
          if (!r || r->status != 200) {
            ADD_FAILURE() << name << " from server " << server << ": "
                          << (r ? std::to_string(r->status) + " " + r->body : std::string("no answer"));
            return;
          }
          auto j = json::parse(r->body);
          std::lock_guard<std::mutex> lock(mu);
          received.push_back({name, server, j["task_id"], j["grant_id"], j["log_index"], j["record"]});
        }
      });
    }
    for (auto& t : clients) t.join();
  };
  const auto start = std::chrono::steady_clock::now();
  pull_round(kTasksPerMember / 2);
  // A checkpoint handed out by B between the rounds: the final log must extend it.
  const std::string mid_checkpoint = Get(port_b_, admin, "/v1/log/checkpoint");
  pull_round(kTasksPerMember / 2);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(received.size(), members.size() * kTasksPerMember);
  size_t by_server[2] = {0, 0};
  for (const ReceivedTask& r : received) ++by_server[r.server];
  std::printf("[ measured ] %zu tasks to %zu members in %.2f s: %zu from server A, %zu from server B\n",
              received.size(), members.size(), seconds, by_server[0], by_server[1]);
  EXPECT_EQ(by_server[0], received.size() / 2);

  // Each server's checkpoint, after it read the other's appends (any
  // authenticated request does).
  const std::string checkpoint_a = Get(port_, admin, "/v1/log/checkpoint");
  const std::string checkpoint_b = Get(port_b_, admin, "/v1/log/checkpoint");
  EXPECT_EQ(checkpoint_a, checkpoint_b);
  auto status_a = json::parse(Get(port_, admin, "/v1/log/status"));
  auto status_b = json::parse(Get(port_b_, admin, "/v1/log/status"));
  EXPECT_EQ(status_a["size"], status_b["size"]);
  EXPECT_EQ(status_a["root"], status_b["root"]);

  // A revocation through one server is honoured by the other at once: both
  // had the member's token in their principal caches.
  const std::string& revoked_member = members[0].first;
  auto revoked = Post(port_, admin, "/v1/members/" + revoked_member + "/revoke", R"({"reason":"test"})");
  ASSERT_EQ(revoked.first, 200) << revoked.second;
  EXPECT_EQ(Post(port_b_, members[0].second, "/v1/tasks/next").first, 403);
  const auto& [token_member, token] = members[1];
  // A caches the principal of this token again (its own write above emptied its cache).
  EXPECT_EQ(Post(port_, token, "/v1/tasks/next").first, 200);
  auto token_revoked = Post(port_b_, admin, "/v1/tokens/" + std::to_string(token_id_.at(token_member)) + "/revoke");
  ASSERT_EQ(token_revoked.first, 200) << token_revoked.second;
  EXPECT_EQ(Post(port_, token, "/v1/tasks/next").first, 401);
  // Another member of the same partner still works on both.
  EXPECT_EQ(Post(port_, members[2].second, "/v1/tasks/next").first, 200);
  EXPECT_EQ(Post(port_b_, members[2].second, "/v1/tasks/next").first, 200);

  EXPECT_EQ(KillProcess(&pid_b_, SIGTERM), 0) << ServeStderr("serve-b");
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();

  CheckReceived(received);
  // One chain: it verifies and extends every checkpoint either server handed out.
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/mid.cp", mid_checkpoint).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/a.cp", checkpoint_a).ok());
  auto verify = Exec("--json log verify --since " + root_ + "/mid.cp --since " + root_ + "/a.cp");
  EXPECT_EQ(verify.code, 0) << verify.out << Stderr();
  auto check = Exec("--json vault check");
  EXPECT_EQ(check.code, 0) << check.out << Stderr();
}

// One of two servers is killed with SIGKILL while 50 clients pull; the
// clients of the dead one go on with the other. Every task a client
// received is on the log once and the member's; the ids the killed server
// logged in a batch it never committed are given to no later task; the log
// and the vault check pass. The kill comes after a fixed number of tasks,
// not after a time.
TEST_F(ServeSharedTest, KillingOneServerLosesNoTaskAndTheOtherReusesNoId) {
  constexpr int kTasksPerMember = 16;
  constexpr size_t kKillAfter = 300;
  MakeSharedVault(1500, 5, 10);
  if (HasFatalFailure()) return;
  SpawnServer("", "serve", &pid_, &port_);
  SpawnServer("", "serve-b", &pid_b_, &port_b_);
  const int ports[2] = {port_, port_b_};
  std::mutex mu;
  std::vector<ReceivedTask> received;
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  for (size_t i = 0; i < members_.size(); ++i) {
    clients.emplace_back([&, i] {
      const auto& [name, token] = members_[i];
      std::unique_ptr<httplib::Client> cli[2] = {ClientOf(ports[0]), ClientOf(ports[1])};
      for (int k = 0; k < kTasksPerMember; ++k) {
        int server = static_cast<int>((i + static_cast<size_t>(k)) % 2);
        if (server == 0 && killed.load()) server = 1;
        auto r = cli[server]->Post("/v1/tasks/next", Bearer(token), "", "application/json");
        if (!r && server == 0) {  // A is gone (or going): B serves
          server = 1;
          r = cli[1]->Post("/v1/tasks/next", Bearer(token), "", "application/json");
        }
        if (!r || r->status != 200) {
          ADD_FAILURE() << name << " from server " << server << ": "
                        << (r ? std::to_string(r->status) + " " + r->body : std::string("no answer"));
          return;
        }
        auto j = json::parse(r->body);
        std::lock_guard<std::mutex> lock(mu);
        received.push_back({name, server, j["task_id"], j["grant_id"], j["log_index"], j["record"]});
        if (received.size() == kKillAfter) {
          killed.store(true);
          EXPECT_EQ(KillProcess(&pid_, SIGKILL), -SIGKILL);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_TRUE(killed.load());
  ASSERT_EQ(received.size(), members_.size() * kTasksPerMember);
  size_t by_server[2] = {0, 0};
  for (const ReceivedTask& r : received) ++by_server[r.server];
  std::printf("[ measured ] %zu tasks: %zu from server A (killed after %zu in all), %zu from server B\n",
              received.size(), by_server[0], kKillAfter, by_server[1]);
  EXPECT_GT(by_server[0], 0u);
  EXPECT_GT(by_server[1], kKillAfter / 2);
  EXPECT_EQ(KillProcess(&pid_b_, SIGTERM), 0) << ServeStderr("serve-b");
  CheckReceived(received);
  auto verify = Exec("--json log verify");
  EXPECT_EQ(verify.code, 0) << verify.out << Stderr();
  auto check = Exec("--json vault check");
  EXPECT_EQ(check.code, 0) << check.out << Stderr();
}

// Both servers with a quota of 10 tasks per member and hour: a member who
// asks the two in turn gets 10 tasks in all (not 10 from each), and the
// refusals are 429s from whichever server was asked once the quota was
// reached; another member's quota is untouched.
TEST_F(ServeSharedTest, AMembersQuotaHoldsAcrossBothServers) {
  constexpr int kQuota = 10;
  MakeSharedVault(200, 1, 2);
  if (HasFatalFailure()) return;
  const std::string limit = "--member-per-hour " + std::to_string(kQuota);
  SpawnServer(limit, "serve", &pid_, &port_);
  SpawnServer(limit, "serve-b", &pid_b_, &port_b_);
  const int ports[2] = {port_, port_b_};
  const std::string& token = members_[0].second;
  int served[2] = {0, 0}, refused[2] = {0, 0};
  for (int k = 0; k < 3 * kQuota; ++k) {
    const int server = k % 2;
    auto [status, body] = Post(ports[server], token, "/v1/tasks/next");
    if (status == 200) {
      ++served[server];
    } else {
      EXPECT_EQ(status, 429) << body;
      ++refused[server];
    }
  }
  EXPECT_EQ(served[0] + served[1], kQuota);
  EXPECT_EQ(served[0], kQuota / 2);  // in turn until the quota was reached
  EXPECT_EQ(refused[0], refused[1]);
  // The other member of the partner still has a full quota, on either server.
  EXPECT_EQ(Post(port_b_, members_[1].second, "/v1/tasks/next").first, 200);
  EXPECT_EQ(Post(port_, members_[1].second, "/v1/tasks/next").first, 200);
  EXPECT_EQ(KillProcess(&pid_b_, SIGTERM), 0) << ServeStderr("serve-b");
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();
}

}  // namespace
}  // namespace custody::testing
