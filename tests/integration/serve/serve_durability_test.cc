// Durability of served tasks: 50 client threads pull tasks while the server
// is killed with SIGKILL; every task a client received is, after the vault
// is opened again, in that member's holdings and in the custody log, and
// `custody log verify` and `custody vault check` pass. The kill comes after
// a fixed number of tasks was received, not after a time.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

using ServeDurabilityTest = ServeTest;

TEST_F(ServeDurabilityTest, EveryTaskAClientReceivedSurvivesKill9) {
  MakeVault(3000);
  std::vector<std::pair<std::string, std::string>> members;  // name, token
  for (const char* m : {"alice", "bob", "carol"}) members.emplace_back(m, Token(std::string("--member ") + m));
  StartServer();
  constexpr int kClients = 50;
  constexpr size_t kKillAfter = 400;
  std::mutex mu;
  std::vector<ReceivedTask> received;
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      const auto& [name, token] = members[i % members.size()];
      auto cli = Client();
      while (!killed.load()) {
        auto r = cli->Post("/v1/tasks/next", Bearer(token), "", "application/json");
        if (!r) break;  // the server is gone
        if (r->status != 200) {
          ADD_FAILURE() << name << ": " << r->status << " " << r->body;
          break;
        }
        auto j = json::parse(r->body);
        std::lock_guard<std::mutex> lock(mu);
        received.push_back({name, 0, j["task_id"], j["grant_id"], j["log_index"], j["record"]});
        if (received.size() == kKillAfter) {
          killed.store(true);
          EXPECT_EQ(Kill(SIGKILL), -SIGKILL);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_TRUE(killed.load()) << ServeStderr();
  ASSERT_GE(received.size(), kKillAfter);

  const size_t canary_tasks = ExpectTasksHeld(received);
  // Canaries are mixed in at the release rate (1%): some, not many.
  EXPECT_LT(canary_tasks, received.size() / 10);
  auto verify = Exec("--json log verify");
  EXPECT_EQ(verify.code, 0) << verify.out << Stderr();
  auto check = Exec("--json vault check");
  EXPECT_EQ(check.code, 0) << check.out << Stderr();

  // The restarted server goes on where it stopped: no record twice.
  StartServer();
  auto cli = Client();
  auto next = cli->Post("/v1/tasks/next", Bearer(members[0].second), "", "application/json");
  ASSERT_EQ(next->status, 200) << next->body;
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();
  auto after = Json("exposure --member alice");
  size_t alice_tasks = 0;
  for (const ReceivedTask& r : received) alice_tasks += r.member == "alice";
  // Every task alice received is held by her (canaries are not records).
  EXPECT_GE(after["records"].get<size_t>() + after["canaries"].get<size_t>(), alice_tasks + 1);
}

TEST_F(ServeDurabilityTest, SigtermFinishesTheRequestsInFlight) {
  MakeVault(400);
  const std::string token = Token("--member alice");
  StartServer();
  std::atomic<int> ok{0}, refused{0};
  std::atomic<bool> stop_sent{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 10; ++i) {
    clients.emplace_back([&] {
      auto cli = Client();
      for (int k = 0; k < 20; ++k) {
        auto r = cli->Post("/v1/tasks/next", Bearer(token), "", "application/json");
        if (!r) break;  // connection refused after the stop
        if (r->status == 200) {
          if (++ok == 50 && !stop_sent.exchange(true)) ::kill(pid_, SIGTERM);
        } else {
          ++refused;  // 503 while shutting down
          EXPECT_EQ(r->status, 503) << r->body;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_TRUE(stop_sent.load());
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << ServeStderr();
  auto ex = Json("exposure --member alice");
  EXPECT_GE(ex["records"].get<int>() + ex["canaries"].get<int>(), ok.load());
  EXPECT_EQ(Exec("vault check").code, 0) << Stderr();
}

}  // namespace
}  // namespace custody::testing
