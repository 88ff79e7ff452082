// The match plan and a match split over parts: a plan sealed to one key
// opens only with it and not once altered; a plan opened elsewhere matches
// as the vault does; and the parts of a split match (files p % parts), each
// matched apart and merged by the matcher's order, give what one match over
// every file gives, record by record, with nothing of the dump's text in
// the exchanges.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "custody/core/match/match_dumps.h"
#include "custody/core/match/match_plan.h"
#include "custody/core/release/release_fixture.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

// MatchOptions::Exchange between parts running on threads of one process:
// each exchange is a matrix of messages, written by every part, then read
// by every part, with a barrier after each.
class InProcessExchange {
 public:
  explicit InProcessExchange(size_t parts)
      : parts_(parts), box_(parts, std::vector<std::string>(parts)), barrier_(static_cast<ptrdiff_t>(parts)) {}

  void Join(size_t part, MatchOptions* o) {
    o->part = part;
    o->parts = parts_;
    o->exchange.allgather = [this, part](std::string mine) {
      return Swap(part, std::vector<std::string>(parts_, mine), true);
    };
    o->exchange.alltoall = [this, part](std::vector<std::string> out) {
      return Swap(part, std::move(out), true);
    };
    o->exchange.gather = [this, part](std::string mine) {
      std::vector<std::string> out(parts_);
      out[0] = std::move(mine);
      return Swap(part, std::move(out), part == 0);
    };
  }
  uint64_t bytes() const { return bytes_; }
  bool Carried(std::string_view text) {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.find(text) != std::string::npos;
  }

 private:
  Result<std::vector<std::string>> Swap(size_t me, std::vector<std::string> out, bool take) {
    if (out.size() != parts_) return InvalidArgumentError("a message per part expected");
    for (size_t to = 0; to < parts_; ++to) {
      std::lock_guard<std::mutex> lock(mu_);
      bytes_ += out[to].size();
      if (seen_.size() < (64u << 20)) seen_ += out[to];
      box_[me][to] = std::move(out[to]);
    }
    barrier_.arrive_and_wait();
    std::vector<std::string> in;
    if (take) {
      for (size_t from = 0; from < parts_; ++from) in.push_back(box_[from][me]);
    }
    barrier_.arrive_and_wait();
    return in;
  }

  const size_t parts_;
  std::vector<std::vector<std::string>> box_;  // [from][to]
  std::barrier<> barrier_;
  std::mutex mu_;
  std::atomic<uint64_t> bytes_{0};
  std::string seen_;  // what the messages carried (bounded)
};

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
      if (i % 700 == 350) dump << "{\"text\": not json " << i << "\n";  // unreadable, in several batches
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

  // `options` in one process: its summary, and Line() of every dump record
  // appended to `*lines`.
  Result<MatchSummary> MatchLines(MatchOptions options, std::string* lines) {
    options.on_record = [lines](const DumpRecordMatch& r) -> Status {
      *lines += Line(r);
      return OkStatus();
    };
    return MatchDumps(*custody_, options);
  }

  // A match split in x's parts, each on its own thread, exchanging through
  // `x` as custody-mpi's ranks do through MPI: part 0 with this vault and
  // `base`, Line() of every record it reports appended to `*lines`; every
  // other part with `base` and its own copy of `plan`, sealed to a one-time
  // key and opened, as a rank receives it. Returns part 0's summary; the
  // other parts must succeed and report no match (only part 0 reports).
  Result<MatchSummary> MatchSplit(InProcessExchange& x, size_t parts, const MatchPlan& plan,
                                  const MatchOptions& base, std::string* lines) {
    std::vector<std::thread> others;
    std::vector<Status> status(parts);
    std::vector<size_t> reported(parts, 0);
    for (size_t part = 1; part < parts; ++part) {
      const auto keys = crypto::X25519Generate();
      auto opened = OpenMatchPlan(keys, *SealMatchPlan(plan, keys.public_key));
      if (!opened.ok()) return opened.status();
      others.emplace_back([&, part, p = std::move(*opened)] {
        MatchOptions o = base;
        x.Join(part, &o);
        o.on_record = [&](const DumpRecordMatch& r) -> Status {
          reported[part] += r.match.has_value();
          return OkStatus();
        };
        status[part] = MatchDumps(Env::Default(), p, o).status();
      });
    }
    MatchOptions o = base;
    x.Join(0, &o);
    auto summary = MatchLines(std::move(o), lines);
    for (auto& t : others) t.join();
    for (size_t part = 1; part < parts; ++part) {
      EXPECT_TRUE(status[part].ok()) << "part " << part << ": " << status[part].ToString();
      EXPECT_EQ(reported[part], 0u) << "part " << part << " reported matches";
    }
    return summary;
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
  auto whole_summary = MatchLines(whole, &expected);
  ASSERT_TRUE(whole_summary.ok());
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 600);
  ASSERT_GE(whole_summary->scan.skipped, 4u);

  for (size_t parts : {2u, 3u, 4u, 7u}) {
    // Part 0 reports.
    InProcessExchange x(parts);
    MatchOptions base;
    base.dumps = whole.dumps;
    std::string merged;
    auto summary = MatchSplit(x, parts, *plan, base, &merged);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(merged, expected) << parts << " parts";
    EXPECT_EQ(summary->scan.dump_records, whole_summary->scan.dump_records);
    EXPECT_EQ(summary->matched, whole_summary->matched);
    // The unreadable records were found by the parts that parsed them and
    // reported by part 0 as one process reports them.
    EXPECT_EQ(summary->scan.skipped, whole_summary->scan.skipped);
    ASSERT_EQ(summary->scan.problems.size(), whole_summary->scan.problems.size());
    for (size_t k = 0; k < summary->scan.problems.size(); ++k) {
      EXPECT_EQ(summary->scan.problems[k].line, whole_summary->scan.problems[k].line);
      EXPECT_EQ(summary->scan.problems[k].error, whole_summary->scan.problems[k].error);
    }
    // Every part parsed and sketched its own batches; the exchanges carried
    // sketches, candidates and outcomes, but no text of a dump record.
    EXPECT_GT(x.bytes(), 0u);
    EXPECT_FALSE(x.Carried("nothing of ours here"));
  }
  // Without its exchanges a split scan is refused.
  MatchOptions o;
  o.dumps = whole.dumps;
  o.parts = 2;
  EXPECT_EQ(MatchDumps(*custody_, o).status().code(), StatusCode::kInvalidArgument);
}

// A split scan resumed after a record (as custody-mpi scan resumes from a
// checkpoint) reports what one process resumed there reports: at a batch
// end (where checkpoints are) and in the middle of a batch.
TEST_F(MatchPlanTest, ASplitScanResumesAsOneProcessDoes) {
  auto plan = PlanMatch(*custody_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // Batches of 64 records: the dump's ~940 are 15 batches, several rounds.
  for (uint64_t resume_after : {uint64_t{320}, uint64_t{333}}) {
    MatchOptions whole;
    whole.dumps = {root_ + "/dump.jsonl"};
    whole.scan.batch_records = 64;
    whole.resume_after = resume_after;
    std::string expected;
    auto whole_summary = MatchLines(whole, &expected);
    ASSERT_TRUE(whole_summary.ok());
    ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 300);
    for (size_t parts : {2u, 3u}) {
      InProcessExchange x(parts);
      MatchOptions base;
      base.dumps = whole.dumps;
      base.resume_after = resume_after;
      base.scan.batch_records = 64;
      std::string merged;
      auto summary = MatchSplit(x, parts, *plan, base, &merged);
      ASSERT_TRUE(summary.ok()) << summary.status().ToString();
      EXPECT_EQ(merged, expected) << parts << " parts, resumed after " << resume_after;
      EXPECT_EQ(summary->matched, whole_summary->matched);
      EXPECT_EQ(summary->scan.dump_records, whole_summary->scan.dump_records);
      EXPECT_EQ(summary->scan.skipped, whole_summary->scan.skipped);
    }
  }
}

TEST_F(MatchPlanTest, APartBeyondThePartsIsRefused) {
  auto plan = PlanMatch(*custody_);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(VaultMatcher::Open(Env::Default(), *plan, 1, 2, 2).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custody::core
