// Runs `custody demo` on a fresh directory and checks its reports: leak #1
// accuses carol alone, leak #2 accuses at least one of the colluders (alice,
// dave) and no innocent; the custody log of the demo vault verifies.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <set>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"

namespace {

std::set<std::string> Accused(const nlohmann::json& r) {
  std::set<std::string> s;
  for (const auto& a : r["accused"]) s.insert(a.get<std::string>());
  return s;
}

TEST(DemoTest, RunsFromTheProjectAloneAndNamesTheLeakers) {
  char tmpl[] = "/tmp/custody_demo_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/out";
  std::string cmd = std::string(CUSTODY_BIN) + " demo --out " + dir + " > " + tmpl + "/stdout 2>&1";
  int rc = std::system(cmd.c_str());
  auto* env = custody::Env::Default();
  ASSERT_EQ(WEXITSTATUS(rc), 0) << *env->ReadFileToString(std::string(tmpl) + "/stdout");
  auto r1 = nlohmann::json::parse(*env->ReadFileToString(dir + "/trace1.json"));
  auto r2 = nlohmann::json::parse(*env->ReadFileToString(dir + "/trace2.json"));
  EXPECT_EQ(Accused(r1), std::set<std::string>{"carol"}) << r1["statement"];
  EXPECT_GT(r1["compromised_count"].get<uint64_t>(), 300u);
  auto a2 = Accused(r2);
  EXPECT_FALSE(a2.empty()) << r2["statement"];
  for (const auto& m : a2) EXPECT_TRUE(m == "alice" || m == "dave") << m;
  EXPECT_TRUE(env->FileExists(dir + "/trace1.html"));
  std::string html = *env->ReadFileToString(dir + "/trace1.html");
  EXPECT_NE(html.find("carol"), std::string::npos);
  // The demo vault's log verifies with the CLI (exit 0).
  std::string verify = std::string(CUSTODY_BIN) + " --vault " + dir + "/vault log verify > /dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(verify.c_str())), 0);
  // Running the demo again into its own output directory works (it starts afresh).
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0);
  env->RemoveTree(tmpl).IgnoreError();
}

}  // namespace
