// Ingest under injected I/O faults: a write that fails (or is short) at any
// point, and a simulated power loss, leave a vault that opens, verifies its
// log and holds either none or all of the ingest.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "custody/base/fault_injection_env.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/vault/records.h"
#include "custody/ledger/custody_log.h"

namespace custody::core {
namespace {

class IngestFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_ingest_fault.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::ofstream f(root_ + "/in.jsonl");
    for (int i = 0; i < 3000; ++i) {
      f << "{\"prompt\":\"question number " << i << " about the weather in city " << i * 7
        << "\",\"response\":\"it does not rain much there, it is dry\"}\n";
    }
  }
  void TearDown() override { Env::Default()->RemoveTree(root_).IgnoreError(); }

  std::unique_ptr<Custody> Open(Env* env) {
    OpenOptions o;
    o.keys.key_file = root_ + "/master.key";
    o.env = env;
    o.recovery = {{"ingest", &RecoverIngest}};
    auto c = Custody::Open(root_ + "/vault", o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::string root_;
};

TEST_F(IngestFaultTest, FailedWritesAtEveryStageCommitNothing) {
  {
    store::InitOptions o;
    o.keys.key_file = root_ + "/master.key";
    ASSERT_TRUE(Custody::Init(root_ + "/vault", o, "test").ok());
  }
  // Measure how many bytes a successful ingest writes, on a scratch copy.
  FaultInjectionEnv env(Env::Default());
  int64_t total = 0;
  {
    auto c = Open(&env);
    ASSERT_NE(c, nullptr);
    int64_t before = env.bytes_written();
    IngestOptions io;
    io.dataset = "probe";
    io.files = {root_ + "/in.jsonl"};
    auto r = Ingest(*c, io);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    total = env.bytes_written() - before;
    ASSERT_GT(total, 1000);
  }
  int failures = 0;
  for (int step = 1; step <= 12; ++step) {
    const int64_t budget = total * step / 13;
    const std::string name = "ds" + std::to_string(step);
    {
      auto c = Open(&env);
      ASSERT_NE(c, nullptr);
      env.FailWritesAfter(budget);
      IngestOptions io;
      io.dataset = name;
      io.files = {root_ + "/in.jsonl"};
      auto r = Ingest(*c, io);
      env.Reset();
      if (!r.ok()) ++failures;
    }
    // Reopen (recovery) and check: the dataset is whole or absent, the
    // log verifies, and the vault still takes a new ingest.
    auto c = Open(Env::Default());
    ASSERT_NE(c, nullptr);
    auto ds = c->catalog().FindDataset(name);
    ASSERT_TRUE(ds.ok());
    if (ds->has_value()) {
      auto versions = *c->catalog().ListVersions((*ds)->id, true);
      for (const auto& v : versions) {
        EXPECT_EQ(v.state, store::VersionState::kCommitted) << name;
        EXPECT_EQ(v.records, 3000) << name;
      }
      if (!versions.empty()) {
        EXPECT_TRUE(ReadRecord(*c, RecordId(versions[0].first_record_id)).ok()) << name;
      }
    }
    auto kids = *Env::Default()->GetChildren(root_ + "/vault/records");
    for (const auto& k : kids) EXPECT_NE(k.rfind(".staging-", 0), 0u) << k;
  }
  EXPECT_GE(failures, 10);  // the budget really cut the ingests short
  // The log has exactly one entry per committed ingest.
  auto c = Open(Env::Default());
  ASSERT_NE(c, nullptr);
  auto versions = *c->catalog().ListVersions(DatasetId(), false);
  EXPECT_EQ(c->log().size(), versions.size());
}

TEST_F(IngestFaultTest, PowerLossLosesOnlyUnsyncedWork) {
  FaultInjectionEnv env(Env::Default());
  {
    store::InitOptions o;
    o.keys.key_file = root_ + "/master.key";
    o.env = &env;
    auto c = Custody::Init(root_ + "/vault", o, "test");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    IngestOptions io;
    io.dataset = "durable";
    io.files = {root_ + "/in.jsonl"};
    ASSERT_TRUE(Ingest(**c, io).ok());
  }
  // Everything the ingest acknowledged was synced: a power loss keeps it.
  ASSERT_TRUE(env.SimulateCrash().ok());
  auto c = Open(Env::Default());
  ASSERT_NE(c, nullptr);
  auto versions = *c->catalog().ListVersions(DatasetId(), false);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_TRUE(ReadRecord(*c, RecordId(versions[0].first_record_id + 2999)).ok());
  EXPECT_EQ(c->log().size(), 1u);
}

}  // namespace
}  // namespace custody::core
