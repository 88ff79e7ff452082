// Records served one at a time carry the member's fingerprint exactly as a
// release does: a leak of one worker's served records — lower-cased,
// whitespace collapsed, reformatted as CSV — is attributed by `custody
// trace` to that worker and no one else, though another partner's worker
// was served the same record ids and a colleague the records next to them.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;

std::string Normalize(std::string s) {
  std::string out;
  bool space = false;
  for (char ch : s) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

std::string CsvField(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

using ServeTraceTest = ServeTest;

TEST_F(ServeTraceTest, ALeakOfServedRecordsNamesTheWorkerWhoPulledThem) {
  MakeVault(1200);
  const std::map<std::string, std::string> tokens = {
      {"alice", Token("--member alice")}, {"bob", Token("--member bob")}, {"carol", Token("--member carol")}};
  StartServer();
  auto cli = Client();
  std::map<std::string, std::vector<json>> served;
  std::set<int64_t> task_ids;
  for (int round = 0; round < 300; ++round) {
    for (const auto& [name, token] : tokens) {
      auto r = cli->Post("/v1/tasks/next", Bearer(token), "", "application/json");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      auto j = json::parse(r->body);
      EXPECT_TRUE(task_ids.insert(j["task_id"].get<int64_t>()).second);
      served[name].push_back(json::parse(j["record"].get<std::string>()));
    }
  }
  // Answers go back sealed and logged.
  auto answer = cli->Post(("/v1/tasks/" + std::to_string(*task_ids.begin()) + "/result").c_str(),
                          Bearer(tokens.at("alice")), "{\"label\":\"correct\"}", "application/json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 201) << answer->body;
  EXPECT_EQ(Kill(SIGTERM), 0) << ServeStderr();

  // alice's records, normalized and reformatted as CSV.
  std::vector<std::string> columns;
  for (const auto& rec : served["alice"]) {
    for (const auto& [k, v] : rec.items()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
  }
  std::ofstream leak(root_ + "/leak.csv");
  for (size_t i = 0; i < columns.size(); ++i) leak << (i ? "," : "") << columns[i];
  leak << "\n";
  for (const auto& rec : served["alice"]) {
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string v;
      if (rec.contains(columns[i])) {
        v = rec[columns[i]].is_string() ? rec[columns[i]].get<std::string>() : rec[columns[i]].dump();
      }
      leak << (i ? "," : "") << CsvField(Normalize(v));
    }
    leak << "\n";
  }
  leak.close();
  auto trace = Exec("--json trace " + root_ + "/leak.csv");
  ASSERT_EQ(trace.code, 0) << Stderr();
  auto report = json::parse(trace.out);
  EXPECT_EQ(report["accused"], json::array({"alice"})) << trace.out.substr(0, 4000);
  for (const auto& m : report["members"]) {
    if (m["member"] == "alice") {
      EXPECT_TRUE(m["accused"].get<bool>());
      EXPECT_GT(m["evidence"]["marks"]["slots"].get<int>(), 0);
    } else {
      EXPECT_FALSE(m["accused"].get<bool>()) << m.dump();
    }
  }
  EXPECT_EQ(Exec("vault check").code, 0) << Stderr();
}

}  // namespace
}  // namespace custody::testing
