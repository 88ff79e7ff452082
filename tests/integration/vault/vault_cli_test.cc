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

namespace {

struct CmdResult {
  int code = -1;
  std::string out;
};

class VaultCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_vault_cli.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    vault_ = root_ + "/vault";
    key_ = root_ + "/master.key";
  }
  void TearDown() override { custody::Env::Default()->RemoveTree(root_).IgnoreError(); }

  std::string Cmd(const std::string& args) const {
    return std::string(CUSTODY_BIN) + " --vault " + vault_ + " --key-file " + key_ + " " + args;
  }
  CmdResult Exec(const std::string& args) const {
    CmdResult r;
    std::string cmd = Cmd(args) + " 2>" + root_ + "/stderr";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
  }
  std::string Stderr() const { return *custody::Env::Default()->ReadFileToString(root_ + "/stderr"); }
  nlohmann::json Json(const std::string& args) const {
    CmdResult r = Exec("--json " + args);
    EXPECT_EQ(r.code, 0) << args << ": " << Stderr();
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  std::string root_, vault_, key_;
};

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

// No record text reaches the vault directory in plaintext.
TEST_F(VaultCliTest, NoPlaintextInVaultDirectory) {
  std::string gsm = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";
  if (!custody::Env::Default()->FileExists(gsm)) GTEST_SKIP() << "../shared/data/gsm8k-train.jsonl is absent";
  ASSERT_EQ(Exec("init " + vault_).code, 0);
  ASSERT_EQ(Exec("ingest --dataset gsm8k " + gsm).code, 0) << Stderr();
  // Take every 50th question and grep the whole vault for it.
  std::ifstream in(gsm);
  std::string line;
  int n = 0, checked = 0;
  while (std::getline(in, line)) {
    if (n++ % 50 != 0) continue;
    auto j = nlohmann::json::parse(line);
    std::string q = j["question"].get<std::string>().substr(0, 40);
    std::string pat = root_ + "/pattern";
    std::ofstream(pat) << q;
    int rc = std::system(("grep -rqF -f " + pat + " " + vault_).c_str());
    EXPECT_NE(WEXITSTATUS(rc), 0) << "found in the vault: " << q;
    ++checked;
  }
  EXPECT_GT(checked, 100);
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
