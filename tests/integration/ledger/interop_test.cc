// Interoperability: Go's golang.org/x/mod/sumdb/note and sumdb/tlog verify,
// unchanged, checkpoints and proofs that custody produced (goverify/main.go).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "tests/integration/ledger/test_util.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;
using ittest::Quote;
using ittest::RunCommand;

void WriteFile(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

std::string B64(const Hash& h) { return Base64Encode(crypto::DigestBytes(h)); }

nlohmann::json ProofJson(const std::vector<Hash>& proof) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : proof) a.push_back(B64(h));
  return a;
}

class GoInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(LEDGER_GOVERIFY)) GTEST_SKIP() << "Go verifier not built (no go toolchain)";
    dir_ = ittest::FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(GoInteropTest, LibraryLogVerifiesWithGoTools) {
  auto keys = crypto::Ed25519Generate();
  const std::string origin = "interop.example/log";
  const std::string log_dir = (dir_ / "log").string();
  auto log = CustodyLog::Open(Env::Default(), log_dir, origin, keys.seed.Clone());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto event = [](int i) {
    Event e;
    e.type = event_type::kGrant;
    e.time = FromUnixMillis(1700000000000 + i);
    e.actor = "interop";
    e.subject = "grant:" + std::to_string(i);
    e.details = {{"i", i}};
    return e;
  };
  for (int i = 0; i < 7; ++i) ASSERT_TRUE((*log)->Append(event(i)).ok());
  WriteFile(dir_ / "old-checkpoint", *(*log)->Checkpoint());
  std::vector<Event> batch;
  for (int i = 7; i < 70000; ++i) batch.push_back(event(i));
  ASSERT_TRUE((*log)->AppendBatch(batch).ok());
  WriteFile(dir_ / "checkpoint", *(*log)->Checkpoint());
  const uint64_t n = (*log)->size();

  for (uint64_t index : {uint64_t{0}, uint64_t{5}, uint64_t{256}, uint64_t{65791}, n - 1}) {
    SCOPED_TRACE(index);
    nlohmann::json proof = {{"origin", origin}, {"tree_size", n}, {"root", B64((*log)->root())}};
    const std::string entry = *(*log)->ReadEntry(index);
    proof["inclusion"] = {{"index", index},
                          {"leaf_hash", B64(HashLeaf(entry))},
                          {"entry", entry},
                          {"proof", ProofJson(*(*log)->InclusionProof(index, n))}};
    proof["consistency"] = {{"size1", 7},
                            {"size2", n},
                            {"root1", B64(*(*log)->RootAt(7))},
                            {"root2", B64((*log)->root())},
                            {"proof", ProofJson(*(*log)->ConsistencyProof(7, n))}};
    WriteFile(dir_ / "proof.json", proof.dump());
    const std::string cmd = std::string(LEDGER_GOVERIFY) + " -key " +
                            Quote(FormatVerifierKey(origin, keys.public_key)) + " -checkpoint " +
                            Quote((dir_ / "checkpoint").string()) + " -proof " +
                            Quote((dir_ / "proof.json").string()) + " -old-checkpoint " +
                            Quote((dir_ / "old-checkpoint").string()) + " -log " + Quote(log_dir);
    auto r = RunCommand(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("OK\n"), std::string::npos) << r.output;

    // The same program rejects a proof with one hash changed.
    proof["inclusion"]["proof"][0] = B64(crypto::Sha256("forged"));
    WriteFile(dir_ / "proof.json", proof.dump());
    r = RunCommand(cmd);
    EXPECT_NE(r.exit_code, 0) << r.output;
  }
  // And a checkpoint signed by another key.
  auto other = crypto::Ed25519Generate();
  auto r = RunCommand(std::string(LEDGER_GOVERIFY) + " -key " +
               Quote(FormatVerifierKey(origin, other.public_key)) + " -checkpoint " +
               Quote((dir_ / "checkpoint").string()));
  EXPECT_NE(r.exit_code, 0) << r.output;
}

// The real flow: `custody init`, `custody ingest` twice, then the CLI's own
// checkpoint, verifier key and proofs, checked by Go.
TEST_F(GoInteropTest, CliVaultAfterIngestVerifiesWithGoTools) {
  if (!fs::exists(CUSTODY_CLI)) GTEST_SKIP() << "custody binary not built";
  const fs::path vault = dir_ / "vault";
  const std::string custody = std::string(CUSTODY_CLI) + " --vault " + Quote(vault.string()) +
                              " --key-file " + Quote((dir_ / "master.key").string()) + " -q";
  auto r = RunCommand(custody + " init --origin interop.example/vault");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  WriteFile(dir_ / "a.jsonl", "{\"question\":\"What is 2+2?\",\"answer\":\"4\"}\n"
                              "{\"question\":\"Name a colour.\",\"answer\":\"Blue.\"}\n");
  WriteFile(dir_ / "b.jsonl", "{\"question\":\"What is 3*3?\",\"answer\":\"9\"}\n");
  r = RunCommand(custody + " ingest --dataset alpha " + Quote((dir_ / "a.jsonl").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::copy_file(vault / "log" / "checkpoint", dir_ / "old-checkpoint");
  r = RunCommand(custody + " --json log status");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const uint64_t old_size = nlohmann::json::parse(r.output)["size"].get<uint64_t>();
  r = RunCommand(custody + " ingest --dataset beta " + Quote((dir_ / "b.jsonl").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto key = RunCommand(custody + " log key");
  ASSERT_EQ(key.exit_code, 0) << key.output;
  while (!key.output.empty() && key.output.back() == '\n') key.output.pop_back();

  r = RunCommand(custody + " --json log status");
  const uint64_t size = nlohmann::json::parse(r.output)["size"].get<uint64_t>();
  ASSERT_GT(size, old_size);
  for (uint64_t entry = 0; entry < size; ++entry) {
    auto proof = RunCommand(custody + " --json log prove " + std::to_string(entry) + " --old-size " +
                     std::to_string(old_size));
    ASSERT_EQ(proof.exit_code, 0) << proof.output;
    auto j = nlohmann::json::parse(proof.output);
    // The ingest entry commits to the dataset version's records.
    if (entry + 1 == size) {
      auto ev = ParseEvent(j["inclusion"]["entry"].get<std::string>());
      ASSERT_TRUE(ev.ok());
      EXPECT_EQ(ev->type, event_type::kIngest);
    }
    WriteFile(dir_ / "proof.json", proof.output);
    auto go = RunCommand(std::string(LEDGER_GOVERIFY) + " -key " + Quote(key.output) + " -checkpoint " +
                  Quote((vault / "log" / "checkpoint").string()) + " -proof " +
                  Quote((dir_ / "proof.json").string()) + " -old-checkpoint " +
                  Quote((dir_ / "old-checkpoint").string()) + " -log " +
                  Quote((vault / "log").string()));
    EXPECT_EQ(go.exit_code, 0) << go.output;
  }
  r = RunCommand(custody + " log verify --since " + Quote((dir_ / "old-checkpoint").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace custody::ledger
