// The vault directory never holds record text in plaintext: grep for gsm8k
// questions after a real ingest (../shared; skipped when absent).
#include <fstream>

#include "tests/integration/vault/cli_fixture.h"

namespace {

using VaultCliTest = custody::testing::CliTest;

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

}  // namespace
