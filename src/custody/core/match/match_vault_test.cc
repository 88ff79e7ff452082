// Matching and tracing through the vault on generated data (no ../shared):
// verification reads grouped by storage, results independent of threads,
// and a shredded dataset's released copy still matched and attributed.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "custody/core/match/dump_scan.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/match/record_words.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/trace/trace.h"
#include "custody/core/vault/records.h"
#include "custody/store/word_file.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class MatchVaultTest : public ReleaseTest {
 protected:
  // Ingests `n` generated records in segments of 20 records.
  void IngestSmallSegments(size_t n) {
    std::string p = root_ + "/math.jsonl";
    std::ofstream(p, std::ios::binary) << testing::GeneratedRecords(n);
    IngestOptions o;
    o.dataset = "math";
    o.files = {p};
    o.fields = {"question", "answer"};
    o.records_per_segment = 20;
    auto r = Ingest(*custody_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    first_id_ = r->first_record_id;
  }
  // Removes every word file (a vault written before they existed).
  void RemoveWordFiles() {
    auto versions = custody_->catalog().ListVersions(DatasetId(), false);
    ASSERT_TRUE(versions.ok());
    for (const auto& v : *versions) {
      auto segs = custody_->catalog().SegmentsOf(v.id);
      ASSERT_TRUE(segs.ok());
      for (const auto& s : *segs) {
        ASSERT_TRUE(Env::Default()
                        ->RemoveFile(custody_->VaultPath(JoinPath(v.dir, store::WordFileName(s.seq))))
                        .ok());
      }
    }
  }
  // A dump of edited copies of every `step`-th record, in shuffled order.
  std::string EditedDump(size_t n, size_t step) {
    std::vector<std::string> lines;
    std::istringstream in(testing::GeneratedRecords(n));
    std::string line;
    for (size_t i = 0; std::getline(in, line); ++i) {
      if (i % step != 0) continue;
      auto j = nlohmann::json::parse(line);
      std::string q = j["question"];
      q.replace(q.find(" on Monday"), 10, " last Monday");  // a word edit
      lines.push_back(nlohmann::json({{"prompt", q}, {"completion", j["answer"]}}).dump());
    }
    std::shuffle(lines.begin(), lines.end(), std::mt19937_64(7));
    std::string path = root_ + "/dump.jsonl";
    std::ofstream out(path, std::ios::binary);
    for (const auto& l : lines) out << l << "\n";
    return path;
  }
};

TEST_F(MatchVaultTest, PrefetchOpensEachBlockOnceWhateverTheCache) {
  IngestSmallSegments(600);  // 30 segments
  auto store = VaultWordStore::Open(*custody_, /*max_open_files=*/2);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  VaultRecordWords words(**store, /*max_segments=*/2);
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 600; i += 3) ids.push_back(first_id_ + i);
  words.Prefetch(ids);
  ASSERT_TRUE(words.first_error().ok()) << words.first_error().ToString();
  EXPECT_EQ(words.prefetched(), ids.size());
  // Each word-file block opened once: never more reads than ids, and far
  // fewer than one segment decode per id.
  EXPECT_LE(words.block_reads(), ids.size());
  EXPECT_GE(words.block_reads(), 30u);  // at least one per segment touched
  EXPECT_EQ(words.segment_reads(), 0u);
  const uint64_t reads = words.block_reads();
  sketch::RecordWords w;
  for (uint64_t id : ids) ASSERT_TRUE(words.Words(id, &w).ok());
  EXPECT_EQ(words.block_reads(), reads);  // served from the batch
  EXPECT_FALSE(w.tokens.empty());
  EXPECT_LE((*store)->file_opens(), 30u * 2);

  // Without word files (an older vault): each segment decoded once per
  // batch even though the cache holds two of thirty.
  RemoveWordFiles();
  auto store2 = VaultWordStore::Open(*custody_, 2);
  ASSERT_TRUE(store2.ok());
  VaultRecordWords legacy(**store2, 2);
  legacy.Prefetch(ids);
  EXPECT_EQ(legacy.segment_reads(), 30u);
  sketch::RecordWords w2;
  for (uint64_t id : ids) ASSERT_TRUE(legacy.Words(id, &w2).ok());
  EXPECT_EQ(legacy.segment_reads(), 30u);
  ASSERT_TRUE(legacy.Words(ids.back(), &w2).ok());
  EXPECT_EQ(w2.tokens, w.tokens);  // the same words from the segment
  EXPECT_EQ(w2.field_keys, w.field_keys);
}

// A candidate asked for again in a later batch comes from the reader's
// cache of entries, not from its block; without a cache it is read again.
TEST_F(MatchVaultTest, EntriesOfEarlierBatchesAreNotReadAgain) {
  IngestSmallSegments(600);
  auto store = VaultWordStore::Open(*custody_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 600; i += 7) ids.push_back(first_id_ + i);
  VaultRecordWords cached(**store);
  VaultRecordWords uncached(**store, /*max_segments=*/8, /*max_cache_bytes=*/0);
  sketch::RecordWords first, again, plain;
  for (VaultRecordWords* w : {&cached, &uncached}) {
    w->Prefetch(ids);
    ASSERT_TRUE(w->first_error().ok()) << w->first_error().ToString();
    ASSERT_GT(w->block_reads(), 0u);
  }
  ASSERT_TRUE(cached.Words(ids[5], &first).ok());
  const uint64_t reads = cached.block_reads(), uncached_reads = uncached.block_reads();
  cached.Prefetch(ids);
  uncached.Prefetch(ids);
  EXPECT_EQ(cached.block_reads(), reads);
  EXPECT_EQ(uncached.block_reads(), 2 * uncached_reads);
  EXPECT_EQ(cached.prefetched(), 2 * ids.size());
  ASSERT_TRUE(cached.Words(ids[5], &again).ok());
  ASSERT_TRUE(uncached.Words(ids[5], &plain).ok());
  EXPECT_FALSE(first.tokens.empty());
  EXPECT_EQ(again.tokens, first.tokens);
  EXPECT_EQ(again.field_keys, first.field_keys);
  EXPECT_EQ(plain.tokens, first.tokens);
}

TEST_F(MatchVaultTest, DumpOverEverySegmentNeedsBoundedReadsPerBatch) {
  IngestSmallSegments(600);
  const std::string dump = EditedDump(600, 2);  // 300 copies over all 30 segments
  for (bool legacy : {false, true}) {
    if (legacy) RemoveWordFiles();
    MatchOptions o;
    o.dumps = {dump};
    o.scan.threads = 1;
    o.scan.batch_records = 100;
    auto s = MatchDumps(*custody_, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->scan.dump_records, 300u);
    EXPECT_GE(s->matched, 290u) << legacy;
    EXPECT_EQ(s->scan.batches, 3u);
    if (legacy) {
      // At most every segment once per batch, though the cache holds 8.
      EXPECT_LE(s->verification.segment_reads, 3u * 30u);
      EXPECT_EQ(s->verification.block_reads, 0u);
    } else {
      EXPECT_LE(s->verification.block_reads, s->verification.prefetched);
      EXPECT_EQ(s->verification.segment_reads, 0u);
    }
  }
}

TEST_F(MatchVaultTest, ResultsDoNotDependOnThreads) {
  IngestGenerated(400);
  const std::string dump = EditedDump(400, 1);
  std::vector<std::string> runs;
  for (size_t threads : {1, 2, 3}) {
    std::string out;
    MatchOptions o;
    o.dumps = {dump};
    o.scan.threads = threads;
    o.scan.batch_records = 37;  // many batches in flight
    o.on_record = [&](const DumpRecordMatch& r) -> Status {
      out += r.source + ":" + std::to_string(r.line) + " ";
      if (r.match) {
        out += ToString(r.match->record_id) + " " +
               std::string(sketch::MatchKindName(r.match->kind)) + " " +
               std::to_string(r.match->similarity);
      }
      out += "\n";
      return OkStatus();
    };
    auto s = MatchDumps(*custody_, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->threads, threads);
    EXPECT_GE(s->matched, 390u);
    runs.push_back(out);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST_F(MatchVaultTest, ShreddedDatasetLeakIsStillMatchedAndAttributed) {
  IngestGenerated(600);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  Selection half;
  half.kind = Selection::Kind::kSample;
  half.fraction = "0.5";
  half.seed = 1;
  GrantId ga = AddGrantFor("acme", half, "alice");
  half.seed = 2;
  GrantId gb = AddGrantFor("acme", half, "bob");
  ASSERT_TRUE(DoRelease(ga, "alice", "alice.jsonl").ok());
  ASSERT_TRUE(DoRelease(gb, "bob", "bob.jsonl").ok());
  auto out = ReleasedCopies(*custody_, "math");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->releases, 2u);
  EXPECT_EQ(out->members, 2u);

  auto shred = ShredDataset(*custody_, "math");
  ASSERT_TRUE(shred.ok()) << shred.status().ToString();
  EXPECT_EQ(shred->released.releases, 2u);

  MatchOptions mo;
  mo.dumps = {root_ + "/alice.jsonl"};
  auto m = MatchDumps(*custody_, mo);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_GT(m->matched, 250u);
  EXPECT_EQ(m->unverified, m->matched);  // every match rests on the sketch

  TraceOptions to;
  to.dumps = {root_ + "/alice.jsonl"};
  to.threads = 2;
  auto t = Trace(*custody_, to);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->accused, std::vector<std::string>{"alice"});
  EXPECT_GT(t->compromised.size(), 250u);
  for (const auto& c : t->compromised) EXPECT_TRUE(c.unverified);
}

TEST_F(MatchVaultTest, TraceIsTheSameWithOneOrTwoThreads) {
  IngestGenerated(500);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  Selection half;
  half.kind = Selection::Kind::kSample;
  half.fraction = "0.6";
  half.seed = 3;
  GrantId ga = AddGrantFor("acme", half, "alice");
  ASSERT_TRUE(DoRelease(ga, "alice", "alice.jsonl").ok());
  std::vector<nlohmann::json> reports;
  for (size_t threads : {1, 2}) {
    TraceOptions to;
    to.dumps = {root_ + "/alice.jsonl"};
    to.threads = threads;
    auto t = Trace(*custody_, to);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    nlohmann::json j = nlohmann::json::parse(ToJson(*t));
    j.erase("log_index");
    reports.push_back(j);
  }
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_EQ(reports[0]["accused"], nlohmann::json::array({"alice"}));
}

// A dump record nested 100,000 levels deep is an unreadable record reported
// with its place (parsed on a worker or not), not a crash; the rest of the
// dump is matched. The limit is an option of the scan.
TEST_F(MatchVaultTest, DeeplyNestedDumpRecordIsReportedNotACrash) {
  IngestSmallSegments(40);
  std::string deep = "{\"q\":";
  for (int i = 0; i < 100000; ++i) deep += "[";
  for (int i = 0; i < 100000; ++i) deep += "]";
  deep += "}";
  std::istringstream in(testing::GeneratedRecords(3));
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  const std::string dump = root_ + "/deep.jsonl";
  std::ofstream(dump, std::ios::binary) << first << "\n" << deep << "\n" << second << "\n";
  for (size_t threads : {1, 2}) {
    MatchOptions o;
    o.dumps = {dump};
    o.scan.threads = threads;
    auto s = MatchDumps(*custody_, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->scan.dump_records, 2u);
    EXPECT_EQ(s->matched, 2u);
    EXPECT_EQ(s->scan.skipped, 1u);
    ASSERT_EQ(s->scan.problems.size(), 1u);
    EXPECT_EQ(s->scan.problems[0].source, dump);
    EXPECT_EQ(s->scan.problems[0].line, 2u);
    EXPECT_NE(s->scan.problems[0].error.find("JSON nested deeper than 512 levels"),
              std::string::npos)
        << s->scan.problems[0].error;
  }
  MatchOptions o;
  o.dumps = {dump};
  o.scan.max_json_depth = format::kMaxJsonDepthLimit + 1;
  EXPECT_EQ(MatchDumps(*custody_, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(DumpScanTest, BatchesCloseOnBytesAsWellAsRecords) {
  // Seven records of 15 MiB: a batch closes once it holds 64 MiB (after
  // the fifth), so the scan needs two batches, not one of 105 MiB.
  char tmpl[] = "/tmp/custody_dump_scan_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/big.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    const std::string text(15u << 20, 'a');
    for (int i = 0; i < 7; ++i) out << "{\"text\":\"" << text << "\"}\n";
  }
  DumpScanStats stats;
  uint64_t records = 0;
  ASSERT_TRUE(ForEachDumpRecord(Env::Default(), {path},
                                [&](const DumpBatch& b, size_t i) {
                                  EXPECT_EQ(b.fields(i)[0].size(), 15u << 20);
                                  ++records;
                                  return OkStatus();
                                },
                                &stats)
                  .ok());
  EXPECT_EQ(records, 7u);
  EXPECT_EQ(stats.batches, 2u);
  Env::Default()->RemoveTree(tmpl).IgnoreError();
}

// Lines are parsed on the workers; what a scan reports of bad records (the
// first 20 per dump in line order, every one counted) and of readable ones
// does not depend on the thread count or on where batches end.
TEST(DumpScanTest, BadRecordsAreReportedInLineOrderWhateverTheThreads) {
  char tmpl[] = "/tmp/custody_dump_scan_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string a = std::string(tmpl) + "/a.jsonl", b = std::string(tmpl) + "/b.jsonl",
                    empty = std::string(tmpl) + "/empty.jsonl";
  {
    std::ofstream out(a, std::ios::binary);
    for (int i = 1; i <= 400; ++i) {
      if (i % 13 == 0) out << "{\"broken\": \n";
      else if (i % 17 == 0) out << "[" << i << "]\n";
      else out << "{\"text\":\"record " << i << "\"}\n";
    }
    std::ofstream(b, std::ios::binary) << "{\"text\":\"first\"}\nnot json\n{\"text\":\"last\"}";
    std::ofstream(empty, std::ios::binary) << "";
  }
  struct Seen : BatchWork {
    std::vector<std::string> places;
    Status Process(size_t, size_t, const DumpBatch&) override { return OkStatus(); }
    Status Fold(size_t, const DumpBatch& batch) override {
      for (size_t i = 0; i < batch.size(); ++i) places.push_back(batch.Where(i));
      return OkStatus();
    }
  };
  std::vector<std::string> first_places;
  for (size_t threads : {1, 2, 3}) {
    for (size_t batch : {5, 512}) {
      ScanOptions options;
      options.threads = threads;
      options.batch_records = batch;
      DumpScanStats stats;
      Seen seen;
      ASSERT_TRUE(ScanDumpBatches(Env::Default(), {a, empty, b}, options, &seen, &stats).ok());
      // a: 30 lines broken, 22 arrays (221 is both); b: one line of three.
      EXPECT_EQ(stats.dump_records, 400u - 52u + 2u) << threads << " " << batch;
      EXPECT_EQ(stats.skipped, 52u + 1u + 1u);  // with empty's "no records"
      ASSERT_EQ(stats.problems.size(), 20u + 1u + 1u);
      for (size_t i = 1; i < 20; ++i) EXPECT_LT(stats.problems[i - 1].line, stats.problems[i].line);
      EXPECT_EQ(stats.problems[0].line, 13u);
      EXPECT_EQ(stats.problems[1].line, 17u);
      EXPECT_EQ(stats.problems[20].source, empty);
      EXPECT_EQ(stats.problems[21].source, b);
      EXPECT_EQ(stats.problems[21].line, 2u);
      EXPECT_EQ(stats.empty_dumps, std::vector<std::string>{empty});
      if (first_places.empty()) first_places = seen.places;
      EXPECT_EQ(seen.places, first_places);
    }
  }
  EXPECT_EQ(first_places.back(), b + ":3");
  Env::Default()->RemoveTree(tmpl).IgnoreError();
}

}  // namespace
}  // namespace custody::core
