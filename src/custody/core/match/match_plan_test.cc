// The match plan and a match split over parts: a plan sealed to one key
// opens only with it and not once altered; a plan opened elsewhere matches
// as the vault does; and the parts of a split match (files p % parts), each
// matched apart and merged by the matcher's order, give what one match over
// every file gives, record by record.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "custody/core/match/match_dumps.h"
#include "custody/core/match/match_plan.h"
#include "custody/core/release/release_fixture.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class MatchPlanTest : public ReleaseTest {
 protected:
  void SetUp() override {
    ReleaseTest::SetUp();
    std::string p = root_ + "/math.jsonl";
    std::ofstream(p, std::ios::binary) << testing::GeneratedRecords(3000);
    IngestOptions o;
    o.dataset = "math";
    o.files = {p};
    o.fields = {"question", "answer"};
    o.shard_bits = 9;  // 6 shards
    auto r = Ingest(*custody_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // Exact copies, edited copies and unrelated records.
    std::istringstream in(testing::GeneratedRecords(3000));
    std::ofstream dump(root_ + "/dump.jsonl", std::ios::binary);
    std::string line;
    for (size_t i = 0; std::getline(in, line); ++i) {
      if (i % 7 == 0) dump << line << "\n";
      if (i % 11 == 0) {
        auto j = nlohmann::json::parse(line);
        std::string q = j["question"];
        q.replace(q.find(" on Monday"), 10, " last Monday");
        dump << nlohmann::json({{"prompt", q}, {"completion", j["answer"]}}).dump() << "\n";
      }
      if (i % 13 == 0) dump << R"({"text":"nothing of ours here, record )" << i << R"("})" << "\n";
    }
  }

  // "LINE RECORD_ID KIND SIMILARITY INDEX" per matched dump record.
  static std::string Line(const DumpRecordMatch& r) {
    if (!r.match) return "";
    std::ostringstream s;
    s << r.line << " " << r.match->record_id << " " << sketch::MatchKindName(r.match->kind) << " "
      << r.match->similarity << " " << r.match->index << "\n";
    return s.str();
  }
};

TEST_F(MatchPlanTest, SealedPlanOpensOnlyWithItsKeyAndNotOnceAltered) {
  auto plan = PlanMatch(*custody_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->files.size(), 6u);
  const auto keys = crypto::X25519Generate();
  auto sealed = SealMatchPlan(*plan, keys.public_key);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  // Neither the index key nor a data key appears in the sealed bytes.
  EXPECT_EQ(sealed->find(plan->index_key.view()), std::string::npos);
  EXPECT_EQ(sealed->find(plan->versions[0].key.view()), std::string::npos);

  auto opened = OpenMatchPlan(keys, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->index_key.Equals(plan->index_key));
  EXPECT_TRUE(opened->versions[0].key.Equals(plan->versions[0].key));
  ASSERT_EQ(opened->files.size(), plan->files.size());
  for (size_t i = 0; i < plan->files.size(); ++i) EXPECT_EQ(opened->files[i].path, plan->files[i].path);
  EXPECT_EQ(opened->versions[0].segments.size(), plan->versions[0].segments.size());

  const auto other = crypto::X25519Generate();
  EXPECT_EQ(OpenMatchPlan(other, *sealed).status().code(), StatusCode::kDataLoss);
  std::string altered = *sealed;
  altered[altered.size() / 2] ^= 1;
  EXPECT_EQ(OpenMatchPlan(keys, altered).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(SealMatchPlan(*plan, std::string(32, '\0')).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MatchPlanTest, PartsMatchedApartAndMergedGiveTheWholeMatch) {
  auto plan = PlanMatch(*custody_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  MatchOptions whole;
  whole.dumps = {root_ + "/dump.jsonl"};
  whole.scan.threads = 2;
  std::string expected;
  whole.on_record = [&](const DumpRecordMatch& r) -> Status {
    expected += Line(r);
    return OkStatus();
  };
  ASSERT_TRUE(MatchDumps(*custody_, whole).ok());
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 600);

  for (size_t parts : {2u, 4u, 7u}) {
    // Parts 1.. first, each from a scoring plan that went through sealing,
    // their candidates kept by dump ordinal; then part 0 merges them in,
    // verifies and reports.
    std::map<uint64_t, std::vector<sketch::ScoredCandidate>> others;
    for (size_t part = 1; part < parts; ++part) {
      const auto keys = crypto::X25519Generate();
      auto opened = OpenMatchPlan(keys, *SealMatchPlan(ScoringPlan(*plan), keys.public_key));
      ASSERT_TRUE(opened.ok());
      EXPECT_TRUE(opened->versions[0].key.empty());
      MatchOptions o;
      o.dumps = whole.dumps;
      o.scan.threads = 1;
      o.part = part;
      o.parts = parts;
      o.exchange = [&](const DumpBatch& batch, std::vector<std::vector<sketch::ScoredCandidate>>* scored) {
        for (size_t i = 0; i < batch.size(); ++i) {
          for (const auto& c : (*scored)[i]) {
            // Each part names files by their position in the plan, and only its own.
            EXPECT_EQ(c.r.index % parts, part);
          }
          sketch::Matcher::MergeScored((*scored)[i], 1, &others[batch.ordinal(i)]);
        }
        scored->assign(scored->size(), {});
        return OkStatus();
      };
      size_t reported = 0;
      o.on_record = [&](const DumpRecordMatch& r) -> Status {
        reported += r.match.has_value();
        return OkStatus();
      };
      ASSERT_TRUE(MatchDumps(Env::Default(), *opened, o).ok());
      EXPECT_EQ(reported, 0u);  // the parts that hand their candidates on report nothing
    }
    MatchOptions o;
    o.dumps = whole.dumps;
    o.scan.threads = 2;
    o.part = 0;
    o.parts = parts;
    o.exchange = [&](const DumpBatch& batch, std::vector<std::vector<sketch::ScoredCandidate>>* scored) {
      for (size_t i = 0; i < batch.size(); ++i) {
        auto it = others.find(batch.ordinal(i));
        if (it != others.end()) sketch::Matcher::MergeScored(it->second, 1, &(*scored)[i]);
      }
      return OkStatus();
    };
    std::string merged;
    o.on_record = [&](const DumpRecordMatch& r) -> Status {
      merged += Line(r);
      return OkStatus();
    };
    ASSERT_TRUE(MatchDumps(*custody_, o).ok());
    EXPECT_EQ(merged, expected) << parts << " parts";
  }
  // Without an exchange, a split scan is refused.
  MatchOptions o;
  o.dumps = whole.dumps;
  o.parts = 2;
  EXPECT_EQ(MatchDumps(*custody_, o).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MatchPlanTest, APartBeyondThePartsIsRefused) {
  auto plan = PlanMatch(*custody_);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(VaultMatcher::Open(Env::Default(), *plan, 1, 2, 2).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custody::core
