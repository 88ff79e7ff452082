// End-to-end trace tests on the real gsm8k training set (../shared; skipped
// when absent): a vault, three partners with two members each holding
// independent 40% samples, fingerprinted releases, simulated leaks, trace.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <set>

#include "custody/core/ingest/ingest.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release.h"
#include "custody/core/trace/trace.h"
#include "custody/crypto/crypto.h"
#include "custody/format/corpus_generator.h"
#include "custody/sketch/leak_simulator.h"

namespace custody::core {
namespace {

const char* kMembers[][2] = {{"p-acme", "m-alice"},  {"p-acme", "m-bob"},  {"p-north", "m-carol"},
                             {"p-north", "m-dave"},  {"p-globex", "m-erin"}, {"p-globex", "m-frank"}};

class TraceSharedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string gsm = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";
    if (!Env::Default()->FileExists(gsm)) return;
    char tmpl[] = "/tmp/custody_trace_shared.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = new std::string(tmpl);
    // Two datasets: the first 5,000 records are released, the rest never.
    std::ifstream in(gsm);
    std::ofstream a(*root_ + "/released.jsonl"), b(*root_ + "/kept.jsonl");
    std::string line;
    for (int n = 0; std::getline(in, line); ++n) (n < 5000 ? a : b) << line << "\n";
    a.close();
    b.close();
    store::InitOptions o;
    o.keys.key_file = *root_ + "/master.key";
    auto c = Custody::Init(*root_ + "/vault", o, "test");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custody_ = c->release();
    for (const char* ds : {"released", "kept"}) {
      IngestOptions io;
      io.dataset = ds;
      io.files = {*root_ + "/" + ds + ".jsonl"};
      ASSERT_TRUE(Ingest(*custody_, io).ok());
    }
    uint64_t seed = 100;
    for (auto& pm : kMembers) {
      if (!FindPartner(*custody_, pm[0]).ok()) {
        ASSERT_TRUE(AddPartner(*custody_, {pm[0], "", "", ""}).ok());
      }
      MemberSpec ms{pm[0], pm[1], std::string(pm[1]) + "@example.org", crypto::X25519Generate().public_key};
      ASSERT_TRUE(AddMember(*custody_, ms).ok());
      GrantSpec gs;
      gs.partner = pm[0];
      gs.member = pm[1];
      gs.dataset = "released";
      gs.selection = *SampleSelection("0.4", ++seed);
      gs.expires_at = custody_->clock()->Now() + std::chrono::seconds(86400);
      gs.purpose = "test";
      auto g = AddGrant(*custody_, gs);
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      ReleaseOptions ro;
      ro.grant_id = g->id;
      ro.member = pm[1];
      ro.out = *root_ + "/" + pm[1] + ".jsonl";
      auto r = Release(*custody_, ro);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  static void TearDownTestSuite() {
    delete custody_;
    custody_ = nullptr;
    if (root_) Env::Default()->RemoveTree(*root_).IgnoreError();
    delete root_;
    root_ = nullptr;
  }
  void SetUp() override {
    if (custody_ == nullptr) GTEST_SKIP() << "../shared/data/gsm8k-train.jsonl is absent";
  }

  static std::vector<sketch::SimRecord> Load(const std::string& name) {
    auto r = sketch::LoadJsonlRecords(Env::Default(), *root_ + "/" + name + ".jsonl");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<sketch::SimRecord>{};
  }
  // The normalizing leaker of the issue: NFKC, case folding, whitespace
  // collapse, quote uncurling, shuffle; keeps `n` records.
  static nlohmann::json Leak(const std::vector<sketch::SimRecord>& records, size_t n, uint64_t seed,
                             const std::string& name, const std::vector<sketch::SimRecord>& unrelated = {}) {
    sketch::LeakOptions lo;
    lo.nfkc = lo.lowercase = lo.collapse_whitespace = lo.uncurl_quotes = lo.shuffle = true;
    lo.subset = std::min(1.0, static_cast<double>(n) / static_cast<double>(records.size()));
    lo.unrelated_ratio = unrelated.empty() ? 0.0 : 0.5;
    lo.seed = seed;
    auto leak = sketch::SimulateLeak(records, unrelated, lo);
    std::string path = *root_ + "/" + name + ".dump.jsonl";
    EXPECT_TRUE(sketch::WriteLeak(Env::Default(), path, leak).ok());
    TraceOptions to;
    to.dumps = {path};
    auto r = Trace(*custody_, to);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? nlohmann::json::parse(ToJson(*r)) : nlohmann::json();
  }
  static std::set<std::string> Accused(const nlohmann::json& r) {
    std::set<std::string> s;
    for (const auto& a : r["accused"]) s.insert(a.get<std::string>());
    return s;
  }

  static std::string* root_;
  static Custody* custody_;
};
std::string* TraceSharedTest::root_ = nullptr;
Custody* TraceSharedTest::custody_ = nullptr;

TEST_F(TraceSharedTest, SingleLeakerOf200NormalizedRecordsIsAccusedAndOthersCleared) {
  for (int i = 0; i < 6; i += 2) {  // three different leakers
    auto r = Leak(Load(kMembers[i][1]), 200, 7 + i, std::string("single-") + kMembers[i][1]);
    EXPECT_EQ(Accused(r), std::set<std::string>{kMembers[i][1]}) << r["statement"];
    EXPECT_TRUE(r["decided"].get<bool>());
    // Every dump record is accounted for: a real record as compromised, a
    // canary as the leaker's canary (canaries are not our records).
    EXPECT_GE(r["compromised_count"].get<double>() + static_cast<double>(r["canaries_found"].size()),
              0.99 * r["dump_records"].get<double>())
        << r["unmatched_sources"].dump();
    for (const auto& m : r["members"]) {
      if (m["member"] != kMembers[i][1]) {
        EXPECT_FALSE(m["accused"].get<bool>()) << m.dump();
      }
    }
    std::printf("leaker %s: p = 10^%.1f; largest innocent log10 p = %.2f\n", kMembers[i][1],
                r["members"][i]["log10_p_value"].get<double>(), [&] {
                  double best = 0;
                  for (const auto& m : r["members"]) {
                    if (m["member"] != kMembers[i][1]) best = std::min(best, m["log10_p_value"].get<double>());
                  }
                  return best;
                }());
  }
}

TEST_F(TraceSharedTest, NeverReleasedRecordsAccuseNobody) {
  auto r = Leak(Load("kept"), 300, 3, "kept");
  // Ours, so compromised (the subset keeps about 300).
  EXPECT_GE(r["compromised_count"].get<double>(), 0.97 * r["dump_records"].get<double>());
  EXPECT_TRUE(r["accused"].empty()) << r["statement"];
  EXPECT_FALSE(r["decided"].get<bool>());
  for (const auto& c : r["compromised"]) EXPECT_TRUE(c["held_by"].empty());
}

TEST_F(TraceSharedTest, UnrelatedTextIsNotCompromise) {
  std::string path = *root_ + "/unrelated.jsonl";
  ASSERT_TRUE(format::GenerateCorpusFile(Env::Default(), path, 500, 4242).ok());
  TraceOptions to;
  to.dumps = {path};
  auto r = Trace(*custody_, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->compromised.empty()) << ToJson(*r);
  EXPECT_TRUE(r->accused.empty());
}

TEST_F(TraceSharedTest, TwoMemberCoalitionHasAColluderAccusedAndNoInnocent) {
  auto a = Load("m-alice"), d = Load("m-dave");
  std::vector<sketch::SimRecord> merged;
  for (size_t i = 0; i < std::max(a.size(), d.size()); ++i) {
    if (i < a.size()) merged.push_back(a[i]);
    if (i < d.size()) merged.push_back(d[i]);
  }
  auto r = Leak(merged, 400, 11, "coalition");
  auto acc = Accused(r);
  EXPECT_FALSE(acc.empty()) << r["statement"];
  for (const auto& m : acc) EXPECT_TRUE(m == "m-alice" || m == "m-dave") << m;
}

}  // namespace
}  // namespace custody::core
