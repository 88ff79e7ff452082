// A test fixture for custody serve: a vault made with the custody binary
// (CliTest), a server process started on 127.0.0.1 with port 0 (the port is
// read from its first line of output), stopped with SIGTERM or killed with
// SIGKILL, and httplib clients for it; more servers for a shared vault
// (SpawnServer); and the check that tasks clients received are durable
// (ExpectTasksHeld).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "custody/core/custody_core.h"
#include "custody/core/release/holdings.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/ledger/custody_log.h"
#include "tests/integration/vault/cli_fixture.h"

namespace custody::testing {

// A task as a client received it (POST /v1/tasks/next).
struct ReceivedTask {
  std::string member;
  int server = 0;  // which server answered (tests with several)
  int64_t task_id = 0;
  int64_t grant_id = 0;
  uint64_t log_index = 0;
  std::string record;
};

class ServeTest : public CliTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) Kill(SIGKILL);
    CliTest::TearDown();
  }

  // Starts `custody serve` (extra flags in `args`); fails the test if it
  // does not say where it listens.
  void StartServer(const std::string& args = "") { SpawnServer(args, "serve", &pid_, &port_); }

  // Starts a `custody serve` process named `name` (its stderr in
  // ROOT/NAME.stderr, its access log in ROOT/NAME.access.log; the first
  // server's are serve.stderr and access.log) and sets `*pid` and `*port`,
  // or fails the test. Several may run at once over a shared vault.
  void SpawnServer(const std::string& args, const std::string& name, pid_t* pid, int* port) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const std::string access = name == "serve" ? "access.log" : name + ".access.log";
    const std::string cmd = "exec " + Cmd("serve --listen 127.0.0.1:0 --access-log " + root_ + "/" + access +
                                          " " + args) + " 2>>" + root_ + "/" + name + ".stderr";
    *pid = ::fork();
    ASSERT_GE(*pid, 0);
    if (*pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[512] = {0};
    const bool got = std::fgets(line, sizeof(line), f) != nullptr;
    std::fclose(f);
    ASSERT_TRUE(got) << "custody serve printed nothing: " << ServeStderr(name);
    const std::string s(line);
    const size_t colon = s.rfind(':');
    ASSERT_NE(colon, std::string::npos) << s;
    *port = std::stoi(s.substr(colon + 1));
    ASSERT_GT(*port, 0) << s;
  }

  // Sends `sig` and waits; returns the exit status (or -signal).
  int Kill(int sig) { return KillProcess(&pid_, sig); }
  static int KillProcess(pid_t* pid, int sig) {
    if (*pid <= 0) return -1;
    ::kill(*pid, sig);
    int st = 0;
    ::waitpid(*pid, &st, 0);
    *pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  }

  std::string ServeStderr(const std::string& name = "serve") const {
    auto s = custody::Env::Default()->ReadFileToString(root_ + "/" + name + ".stderr");
    return s.ok() ? *s : "";
  }

  std::unique_ptr<httplib::Client> Client() const { return ClientOf(port_); }
  static std::unique_ptr<httplib::Client> ClientOf(int port) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_read_timeout(120, 0);
    return c;
  }

  static httplib::Headers Bearer(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
  }

  // A token from `custody token issue ARGS`.
  std::string Token(const std::string& args) {
    auto j = Json("token issue " + args);
    return j.value("token", "");
  }

  // A vault with dataset "prompts" (`records` generated records), partners
  // acme (members alice, bob) and beta (member carol), and one grant of
  // every record to each partner.
  void MakeVault(int records) {
    ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
    ASSERT_EQ(Exec("generate --records " + std::to_string(records) + " --seed 5 --out " + root_ + "/c.jsonl").code, 0)
        << Stderr();
    Json("ingest --dataset prompts " + root_ + "/c.jsonl");
    Json("partner add acme");
    Json("partner add beta");
    for (const char* m : {"alice", "bob"}) {
      Json(std::string("member add --partner acme --name ") + m + " --email " + m + "@acme.example --generate-key --key-out " +
           root_ + "/" + m + ".key");
    }
    Json("member add --partner beta --name carol --email carol@beta.example --generate-key --key-out " + root_ +
         "/carol.key");
    acme_grant_ = Json("grant add --partner acme --dataset prompts --expires 2099-01-01 --purpose labeling")["grant"];
    beta_grant_ = Json("grant add --partner beta --dataset prompts --expires 2099-01-01 --purpose labeling")["grant"];
  }

  // Every custody log entry (the events), oldest first.
  std::vector<nlohmann::json> LogEntries() const {
    CmdResult r = Exec("--json log show --from 0");
    EXPECT_EQ(r.code, 0) << Stderr();
    std::vector<nlohmann::json> out;
    size_t start = 0;
    while (start < r.out.size()) {
      size_t end = r.out.find('\n', start);
      if (end == std::string::npos) end = r.out.size();
      if (end > start) out.push_back(nlohmann::json::parse(r.out.substr(start, end - start))["entry"]);
      start = end + 1;
    }
    return out;
  }

  // Checks, on the vault as the servers left it (opened with every recovery
  // step, as the next command would), that each task in `received` is a
  // task release of its member whose bitmap matches its event (ListReleases
  // checks that), held by the member unless a canary, at the log index the
  // client got, with a `release` event naming the task, the member and the
  // SHA-256 of the record text the client got; and that no record was
  // served twice under a grant. Returns how many were canaries.
  size_t ExpectTasksHeld(const std::vector<ReceivedTask>& received) {
    core::OpenOptions o;
    o.keys.key_file = key_;
    o.recovery = core::AllRecoverySteps();
    auto c = core::Custody::Open(vault_, o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    if (!c.ok()) return 0;
    auto releases = core::ListReleases(**c);
    EXPECT_TRUE(releases.ok()) << releases.status().message();
    auto holdings = core::LoadHoldings(**c);
    EXPECT_TRUE(holdings.ok()) << holdings.status().message();
    if (!releases.ok() || !holdings.ok()) return 0;
    std::map<int64_t, const core::ReleaseSummary*> by_id;
    for (const auto& r : *releases) by_id[r.release_id.value()] = &r;
    std::map<std::string, const core::MemberHoldings*> held;
    for (const auto& h : *holdings) held[h.member] = &h;
    std::map<int64_t, std::set<uint64_t>> per_grant;  // each record once per grant
    size_t canary_tasks = 0;
    for (const ReceivedTask& r : received) {
      SCOPED_TRACE("task " + std::to_string(r.task_id) + " of " + r.member);
      auto it = by_id.find(r.task_id);
      EXPECT_NE(it, by_id.end());
      if (it == by_id.end()) continue;
      const core::ReleaseSummary& s = *it->second;
      EXPECT_EQ(s.format, "task");
      EXPECT_TRUE(held.count(r.member)) << "no holdings of " << r.member;
      if (held.count(r.member)) {
        EXPECT_EQ(s.member_id, held[r.member]->member_id);
      }
      if (s.canaries == 1) {
        ++canary_tasks;  // a canary: no record, its canary row checked by vault check
        EXPECT_EQ(s.records, 0u);
        EXPECT_EQ(s.ids.Cardinality(), 0u);
      } else {
        EXPECT_EQ(s.records, 1u);
        EXPECT_EQ(s.ids.Cardinality(), 1u);
        if (s.ids.Cardinality() != 1) continue;
        const uint64_t record_id = s.ids.ToVector()[0];
        EXPECT_TRUE(per_grant[r.grant_id].insert(record_id).second) << "record " << record_id << " served twice";
        EXPECT_TRUE(held.count(r.member) && held[r.member]->ids.Contains(record_id));
      }
      EXPECT_TRUE(s.log_index.has_value());
      if (!s.log_index) continue;
      EXPECT_EQ(static_cast<uint64_t>(*s.log_index), r.log_index);
      auto ev = core::ReadLogEvent((*c)->log(), r.log_index);
      EXPECT_TRUE(ev.ok()) << r.log_index;
      if (!ev.ok()) continue;
      EXPECT_EQ(ev->type, "release");
      EXPECT_EQ(ev->details["release_id"], r.task_id);
      EXPECT_EQ(ev->details["member"], r.member);
      EXPECT_EQ(ev->hashes["record"], core::Sha256Hex(r.record));
    }
    return canary_tasks;
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int64_t acme_grant_ = 0, beta_grant_ = 0;
};

}  // namespace custody::testing
