// `custody match` and `dataset shred` through the binary, as a user runs them:
// the summary lists the best matches, --list lists every one, --json is one
// object whatever the thread count, and a shredded dataset still matches
// (unverified) with the released copies still out stated.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/vault/cli_fixture.h"

namespace {

using MatchCliTest = custody::testing::CliTest;

class MatchCli : public MatchCliTest {
 protected:
  // A vault of 3,000 generated records and a dump of 200 of them, 100 with
  // one word changed, plus 50 unrelated records.
  void SetUpVault() {
    ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
    ASSERT_EQ(Exec("generate --records 3000 --seed 5 --out " + root_ + "/c.jsonl").code, 0);
    ASSERT_EQ(Exec("ingest --dataset prompts " + root_ + "/c.jsonl").code, 0) << Stderr();
    ASSERT_EQ(Exec("generate --records 50 --seed 99 --out " + root_ + "/other.jsonl").code, 0);
    std::ifstream in(root_ + "/c.jsonl");
    std::ofstream out(root_ + "/dump.jsonl");
    std::string line;
    for (int i = 0; std::getline(in, line) && i < 3000; ++i) {
      if (i % 15 != 0) continue;
      auto j = nlohmann::json::parse(line);
      if (i % 30 == 0) {
        std::string p = j["prompt"];
        j["prompt"] = "Note: " + p;
      }
      out << j.dump() << "\n";
    }
    std::ifstream other(root_ + "/other.jsonl");
    while (std::getline(other, line)) out << line << "\n";
  }
};

TEST_F(MatchCli, SummaryListsTheBestMatchesAndListShowsAll) {
  SetUpVault();
  auto r = Exec("match " + root_ + "/dump.jsonl --top 5");
  ASSERT_EQ(r.code, 0) << Stderr();
  EXPECT_NE(r.out.find("250 dump records, 200 matched"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best matches (5 of 200"), std::string::npos) << r.out;
  // Exact copies rank first.
  std::istringstream lines(r.out);
  std::string l;
  int listed = 0;
  while (std::getline(lines, l)) {
    if (l.find("  record ") == std::string::npos) continue;
    ++listed;
    EXPECT_NE(l.find(" exact "), std::string::npos) << l;
  }
  EXPECT_EQ(listed, 5);
  auto all = Exec("match " + root_ + "/dump.jsonl --list");
  ASSERT_EQ(all.code, 0);
  size_t n = 0;
  for (size_t at = all.out.find("  record "); at != std::string::npos; at = all.out.find("  record ", at + 1)) ++n;
  EXPECT_EQ(n, 200u);
}

TEST_F(MatchCli, JsonIsOneObjectAndTheSameWithAnyThreadCount) {
  SetUpVault();
  nlohmann::json runs[2];
  for (int t = 1; t <= 2; ++t) {
    auto r = Exec("--json match --threads " + std::to_string(t) + " " + root_ + "/dump.jsonl");
    ASSERT_EQ(r.code, 0) << Stderr();
    runs[t - 1] = nlohmann::json::parse(r.out);  // exactly one object: parse fails otherwise
    EXPECT_EQ(runs[t - 1]["threads"], t);
    EXPECT_EQ(runs[t - 1]["results"].size(), 250u);
  }
  EXPECT_EQ(runs[0]["results"], runs[1]["results"]);
  EXPECT_EQ(runs[0]["matched"], 200);
  EXPECT_EQ(runs[0]["by_kind"]["exact"], 100);
  EXPECT_EQ(runs[0]["unverified"], 0);
  const auto& first = runs[0]["results"][0];
  EXPECT_EQ(first["source"], root_ + "/dump.jsonl:1");
  EXPECT_TRUE(first["match"]["verified"].get<bool>());
  EXPECT_EQ(runs[0]["top"].size(), 20u);
}

TEST_F(MatchCli, ShreddedDatasetStillMatchesUnverified) {
  SetUpVault();
  ASSERT_EQ(Exec("partner add acme --contact s@acme.example --contract K-1").code, 0) << Stderr();
  ASSERT_EQ(Exec("member add --partner acme --name alice --email a@acme.example --generate-key "
                 "--key-out " + root_ + "/alice.key").code, 0) << Stderr();
  ASSERT_EQ(Exec("grant add --partner acme --member alice --dataset prompts --sample 0.5 --seed 3 "
                 "--expires 2099-01-01 --purpose labeling").code, 0) << Stderr();
  ASSERT_EQ(Exec("release --grant 1 --member alice --out " + root_ + "/alice.jsonl").code, 0) << Stderr();
  auto shred = Exec("--json dataset shred prompts --yes");
  ASSERT_EQ(shred.code, 0) << Stderr();
  auto s = nlohmann::json::parse(shred.out);
  EXPECT_EQ(s["released_copies_out"]["releases"], 1);
  EXPECT_EQ(s["released_copies_out"]["members"], 1);
  auto m = Exec("--json match " + root_ + "/alice.jsonl");
  ASSERT_EQ(m.code, 0) << Stderr();
  auto j = nlohmann::json::parse(m.out);
  EXPECT_GT(j["matched"].get<int>(), 1400);
  EXPECT_EQ(j["unverified"], j["matched"]);
  auto human = Exec("match " + root_ + "/alice.jsonl");
  EXPECT_NE(human.out.find("unverified sketch matches"), std::string::npos) << human.out;
  auto t = Exec("--json trace " + root_ + "/alice.jsonl");
  ASSERT_EQ(t.code, 0) << Stderr();
  auto tr = nlohmann::json::parse(t.out);
  EXPECT_EQ(tr["accused"], nlohmann::json::array({"alice"}));
}

}  // namespace
