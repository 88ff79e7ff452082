// The release workflow through the `custody` binary: partner, member (with a
// generated key), grant, release (plain and encrypted), open, exposure, and
// the refusals with their exit codes and messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"
#include "tests/integration/vault/cli_fixture.h"

namespace {

using ReleaseCliTest = custody::testing::CliTest;

size_t CountLines(const std::string& path) {
  std::ifstream in(path);
  std::string l;
  size_t n = 0;
  while (std::getline(in, l)) n += !l.empty();
  return n;
}

TEST_F(ReleaseCliTest, GrantReleaseOpenExposure) {
  ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
  ASSERT_EQ(Exec("generate --records 600 --seed 3 --out " + root_ + "/c.jsonl").code, 0) << Stderr();
  auto ing = Json("ingest --dataset prompts " + root_ + "/c.jsonl");
  const uint64_t first = ing["first_record_id"];
  auto p = Json("partner add acme --contact ops@acme.example --contract C-17");
  EXPECT_EQ(p["partner"]["status"], "active");
  auto m = Json("member add --partner acme --name alice --email alice@acme.example --generate-key --key-out " +
                root_ + "/alice.key");
  EXPECT_EQ(m["member"]["name"], "alice");
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/alice.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(Exec("member add --partner acme --name bob --email bob@acme.example --generate-key --key-out " +
                 root_ + "/bob.key").code, 0) << Stderr();
  // A key file inside the vault is refused.
  EXPECT_EQ(Exec("member add --partner acme --name eve --email e@x --generate-key --key-out " + vault_ + "/eve.key").code, 3);
  auto g = Json("grant add --partner acme --dataset prompts --sample 0.5 --seed 9 --expires 2099-01-01 --purpose labeling");
  ASSERT_TRUE(g["grant"].is_number());
  const std::string grant = std::to_string(g["grant"].get<int64_t>());
  auto r = Json("release --grant " + grant + " --member alice --out " + root_ + "/a.jsonl");
  EXPECT_GT(r["records"].get<int>(), 200);
  EXPECT_GE(r["canaries"].get<int>(), 1);
  EXPECT_EQ(CountLines(root_ + "/a.jsonl"), r["records"].get<size_t>() + r["canaries"].get<size_t>());
  auto e = Json("release --grant " + grant + " --member bob --encrypt --out " + root_ + "/b.enc");
  EXPECT_TRUE(e["encrypted"]);
  auto o = Json("open " + root_ + "/b.enc --key " + root_ + "/bob.key --out " + root_ + "/b.jsonl");
  EXPECT_EQ(CountLines(root_ + "/b.jsonl"), e["records"].get<size_t>() + e["canaries"].get<size_t>());
  auto wrong = Exec("open " + root_ + "/b.enc --key " + root_ + "/alice.key --out " + root_ + "/w.jsonl");
  EXPECT_EQ(wrong.code, 6) << Stderr();
  EXPECT_FALSE(custody::Env::Default()->FileExists(root_ + "/w.jsonl"));
  // Exposure.
  auto ex = Json("exposure --member alice");
  EXPECT_EQ(ex["records"], r["records"]);
  EXPECT_EQ(ex["datasets"][0]["record_ids"].size(), r["records"].get<size_t>());
  auto past = Json("exposure --partner acme --at 2000-01-01");
  EXPECT_EQ(past["records"], 0);
  auto rec = Json("exposure --record " + std::to_string(first));
  EXPECT_EQ(rec["dataset"], "prompts");
  auto rels = Json("releases");
  EXPECT_EQ(rels["releases"].size(), 2u);
  // Refusals: revoked grant, suspended partner; nothing logged, no file.
  auto log_before = Json("log status");
  ASSERT_EQ(Exec("grant revoke " + grant).code, 0) << Stderr();
  auto refused = Exec("release --grant " + grant + " --member alice --out " + root_ + "/x.jsonl");
  EXPECT_EQ(refused.code, 5);
  EXPECT_NE(Stderr().find("revoked"), std::string::npos) << Stderr();
  EXPECT_FALSE(custody::Env::Default()->FileExists(root_ + "/x.jsonl"));
  auto g2 = Json("grant add --partner acme --dataset prompts --expires 2099-01-01 --purpose eval");
  ASSERT_EQ(Exec("partner suspend acme --reason audit").code, 0);
  refused = Exec("release --grant " + std::to_string(g2["grant"].get<int64_t>()) + " --member alice --out " +
                 root_ + "/x.jsonl");
  EXPECT_EQ(refused.code, 5);
  EXPECT_NE(Stderr().find("suspended"), std::string::npos) << Stderr();
  EXPECT_FALSE(custody::Env::Default()->FileExists(root_ + "/x.jsonl"));
  EXPECT_EQ(Json("releases")["releases"].size(), 2u);
  auto t = Json("partner terminate acme --reason ended");
  EXPECT_EQ(t["revoked_members"].size(), 2u);
  auto ml = Json("member list");
  for (const auto& mm : ml["members"]) EXPECT_EQ(mm["status"], "revoked");
  (void)log_before;
}

// --out of a release: never over a file without --force, never through a
// symbolic link, and a release whose file cannot be written is not logged.
TEST_F(ReleaseCliTest, OutIsCheckedBeforeTheReleaseIsLogged) {
  ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
  ASSERT_EQ(Exec("generate --records 40 --seed 3 --out " + root_ + "/c.jsonl").code, 0) << Stderr();
  ASSERT_EQ(Exec("ingest --dataset prompts " + root_ + "/c.jsonl").code, 0) << Stderr();
  ASSERT_EQ(Exec("partner add acme").code, 0) << Stderr();
  ASSERT_EQ(Exec("member add --partner acme --name alice --email a@acme.example --generate-key --key-out " +
                 root_ + "/alice.key").code, 0) << Stderr();
  ASSERT_EQ(Exec("grant add --partner acme --dataset prompts --expires 2099-01-01 --purpose eval").code, 0)
      << Stderr();
  auto log_size = [&] { return Json("log status")["size"].get<uint64_t>(); };
  const uint64_t before = log_size();
  const std::string out = root_ + "/a.jsonl";

  auto missing = Exec("release --grant 1 --member alice --out " + root_ + "/missing/a.jsonl");
  EXPECT_EQ(missing.code, 4) << Stderr();
  ASSERT_TRUE(custody::Env::Default()->WriteFileAtomically(out, "theirs\n").ok());
  auto taken = Exec("release --grant 1 --member alice --out " + out);
  EXPECT_EQ(taken.code, 5);
  EXPECT_NE(Stderr().find("already exists; not overwriting it (--force replaces it)"), std::string::npos)
      << Stderr();
  ASSERT_EQ(::symlink((root_ + "/target").c_str(), (root_ + "/link.jsonl").c_str()), 0);
  auto link = Exec("release --grant 1 --member alice --force --out " + root_ + "/link.jsonl");
  EXPECT_EQ(link.code, 5);
  EXPECT_FALSE(custody::Env::Default()->FileExists(root_ + "/target"));
  EXPECT_EQ(log_size(), before);
  EXPECT_TRUE(Json("releases")["releases"].empty());

  auto r = Json("release --grant 1 --member alice --force --out " + out);
  EXPECT_EQ(CountLines(out), r["records"].get<size_t>() + r["canaries"].get<size_t>());
  struct stat st;
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(log_size(), before + 1);
}

TEST_F(ReleaseCliTest, AllZeroMemberKeyIsRefused) {
  ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
  ASSERT_EQ(Exec("partner add acme").code, 0) << Stderr();
  auto r = Exec("member add --partner acme --name zed --email z@acme.example --public-key "
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(Stderr(), "custody: --public-key: X25519 public key is all zeros (not a key)\n");
  EXPECT_TRUE(Json("member list")["members"].empty());
}

TEST_F(ReleaseCliTest, IdsFileErrorNamesTheLine) {
  ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
  ASSERT_EQ(Exec("generate --records 50 --seed 3 --out " + root_ + "/c.jsonl").code, 0) << Stderr();
  auto ing = Json("ingest --dataset prompts " + root_ + "/c.jsonl");
  ASSERT_EQ(Exec("partner add acme").code, 0);
  std::ofstream(root_ + "/ids.txt") << ing["first_record_id"].get<uint64_t>() << "\nbanana\n";
  auto r = Exec("grant add --partner acme --dataset prompts --ids " + root_ +
                "/ids.txt --expires 2099-01-01 --purpose x");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(Stderr().find("ids.txt:2: record id"), std::string::npos) << Stderr();
}

}  // namespace
