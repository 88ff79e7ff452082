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

#include "custody/core/custody_core.h"
#include "custody/core/release/holdings.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/ledger/custody_log.h"
#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

struct Received {
  std::string member;
  int64_t task_id = 0;
  int64_t grant_id = 0;
  uint64_t log_index = 0;
  std::string record;
};

using ServeDurabilityTest = ServeTest;

TEST_F(ServeDurabilityTest, EveryTaskAClientReceivedSurvivesKill9) {
  MakeVault(3000);
  std::vector<std::pair<std::string, std::string>> members;  // name, token
  for (const char* m : {"alice", "bob", "carol"}) members.emplace_back(m, Token(std::string("--member ") + m));
  StartServer();
  constexpr int kClients = 50;
  constexpr size_t kKillAfter = 400;
  std::mutex mu;
  std::vector<Received> received;
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
        received.push_back({name, j["task_id"], j["grant_id"], j["log_index"], j["record"]});
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

  {
    core::OpenOptions o;
    o.keys.key_file = key_;
    o.recovery = core::AllRecoverySteps();
    auto c = core::Custody::Open(vault_, o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    auto releases = core::ListReleases(**c);  // checks every bitmap against its event
    ASSERT_TRUE(releases.ok()) << releases.status().message();
    std::map<int64_t, const core::ReleaseSummary*> by_id;
    for (const auto& r : *releases) by_id[r.release_id.value()] = &r;
    auto holdings = core::LoadHoldings(**c);
    ASSERT_TRUE(holdings.ok());
    std::map<std::string, const core::MemberHoldings*> held;
    for (const auto& h : *holdings) held[h.member] = &h;
    std::map<int64_t, std::set<uint64_t>> per_grant;  // each record once per grant
    size_t canary_tasks = 0;
    for (const Received& r : received) {
      SCOPED_TRACE("task " + std::to_string(r.task_id) + " of " + r.member);
      auto it = by_id.find(r.task_id);
      ASSERT_NE(it, by_id.end());
      const core::ReleaseSummary& s = *it->second;
      EXPECT_EQ(s.format, "task");
      if (s.canaries == 1) {
        ++canary_tasks;  // a canary: no record, its canary row checked by vault check
        EXPECT_EQ(s.records, 0u);
        EXPECT_EQ(s.ids.Cardinality(), 0u);
      } else {
        EXPECT_EQ(s.records, 1u);
        ASSERT_EQ(s.ids.Cardinality(), 1u);
        const uint64_t record_id = s.ids.ToVector()[0];
        EXPECT_TRUE(per_grant[r.grant_id].insert(record_id).second) << "record " << record_id << " served twice";
        ASSERT_TRUE(held.count(r.member));
        EXPECT_TRUE(held[r.member]->ids.Contains(record_id));
      }
      ASSERT_TRUE(s.log_index.has_value());
      EXPECT_EQ(static_cast<uint64_t>(*s.log_index), r.log_index);
      auto ev = core::ReadLogEvent((*c)->log(), r.log_index);
      ASSERT_TRUE(ev.ok());
      EXPECT_EQ(ev->type, "release");
      EXPECT_EQ(ev->details["release_id"], r.task_id);
      EXPECT_EQ(ev->details["member"], r.member);
      EXPECT_EQ(ev->hashes["record"], core::Sha256Hex(r.record));
    }
    // Canaries are mixed in at the release rate (1%): some, not many.
    EXPECT_LT(canary_tasks, received.size() / 10);
  }
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
  for (const Received& r : received) alice_tasks += r.member == "alice";
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
