// End-to-end tests of the vault through the `custody` binary: init, ingest,
// read-back, bad input exit codes, no plaintext in the vault directory, and
// kill -9 in the middle of a large ingest.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"
#include "tests/integration/vault/cli_fixture.h"

namespace {

using VaultCliTest = custody::testing::CliTest;
using custody::testing::CmdResult;

TEST_F(VaultCliTest, InitIngestListShowExport) {
  auto init = Json("init " + vault_);
  EXPECT_EQ(init["key_file"], key_);
  ASSERT_EQ(Exec("generate --records 2000 --seed 7 --out " + root_ + "/c.jsonl").code, 0) << Stderr();
  auto ing = Json("ingest --dataset prompts " + root_ + "/c.jsonl");
  EXPECT_EQ(ing["dataset"], "prompts");
  EXPECT_EQ(ing["version"], 1);
  EXPECT_EQ(ing["records"].get<int>() + ing["duplicates"].get<int>(), 2000);
  EXPECT_EQ(ing["skipped"], 0);
  auto ds = Json("datasets");
  ASSERT_EQ(ds["datasets"].size(), 1u);
  EXPECT_EQ(ds["datasets"][0]["name"], "prompts");
  auto show = Json("show " + std::to_string(ing["first_record_id"].get<uint64_t>()));
  EXPECT_TRUE(show["record"].contains("prompt"));
  auto ex = Json("export --dataset prompts --out " + root_ + "/out.jsonl");
  EXPECT_EQ(ex["records"], ing["records"]);
  // Reading needs the key: a wrong key file is refused with exit code 7.
  CmdResult bad = Exec("--key-file " + root_ + "/nope.key show 1");
  EXPECT_EQ(bad.code, 7);
}

TEST_F(VaultCliTest, BadInputExitsNonZeroAndNamesThePlace) {
  ASSERT_EQ(Exec("init " + vault_).code, 0);
  std::ofstream(root_ + "/bad.jsonl") << "{\"a\":\"x\"}\n{\"a\":\"y\"\n";
  CmdResult r = Exec("ingest --dataset d " + root_ + "/bad.jsonl");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(Stderr().find("bad.jsonl:2"), std::string::npos) << Stderr();
  auto ds = Json("datasets");
  EXPECT_TRUE(ds["datasets"].empty());
  CmdResult skip = Exec("--json ingest --skip-bad --dataset d " + root_ + "/bad.jsonl");
  ASSERT_EQ(skip.code, 0) << Stderr();
  auto j = nlohmann::json::parse(skip.out);
  EXPECT_EQ(j["skipped"], 1);
  EXPECT_EQ(j["first_bad"][0]["line"], 2);
}

// kill -9 during a large ingest leaves a vault that opens, verifies and holds
// either none or all of that ingest.
TEST_F(VaultCliTest, KillDuringIngestLeavesAllOrNothing) {
  ASSERT_EQ(Exec("init " + vault_).code, 0);
  ASSERT_EQ(Exec("generate --records 20000 --seed 3 --out " + root_ + "/big.jsonl").code, 0);
  // How long one uninterrupted ingest takes here, so kills land all over it.
  auto t0 = std::chrono::steady_clock::now();
  auto calib = Json("ingest --dataset calib " + root_ + "/big.jsonl");
  const uint64_t probe_id = calib["first_record_id"].get<uint64_t>();
  const auto full_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(12345);
  int none = 0, all = 0;
  for (int trial = 0; trial < 8; ++trial) {
    const std::string name = "big" + std::to_string(trial);
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string cmd = Cmd("--quiet ingest --dataset " + name + " " + root_ + "/big.jsonl >/dev/null 2>&1");
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), nullptr);
      ::_exit(127);
    }
    const auto delay = 20 + static_cast<long>(rng() % static_cast<unsigned>(full_ms * 12 / 10 + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ::kill(pid, SIGKILL);
    int st;
    ::waitpid(pid, &st, 0);
    // Opening with the key runs recovery; the vault must open and read.
    CmdResult show = Exec("show " + std::to_string(probe_id));
    ASSERT_EQ(show.code, 0) << Stderr();
    // The log verifies.
    CmdResult verify = Exec("log verify");
    EXPECT_EQ(verify.code, 0) << Stderr();
    // The dataset is there whole, or not at all.
    auto ds = Json("datasets");
    bool found = false;
    for (auto& d : ds["datasets"]) {
      if (d["name"] != name) continue;
      found = true;
      ASSERT_EQ(d["versions"].size(), 1u);
      EXPECT_EQ(d["versions"][0]["records"], calib["records"]);
      EXPECT_EQ(d["versions"][0]["duplicates"], calib["duplicates"]);
    }
    (found ? all : none)++;
    // No staging area or pending version is left behind.
    auto kids = *custody::Env::Default()->GetChildren(vault_ + "/records");
    for (const auto& k : kids) EXPECT_NE(k.rfind(".staging-", 0), 0u) << k;
  }
  std::printf("kill -9 trials (full ingest %lld ms): %d left nothing, %d left the whole ingest\n",
              static_cast<long long>(full_ms), none, all);
}

}  // namespace
