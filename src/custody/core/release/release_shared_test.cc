// Releases of gsm8k (../shared/data): every number and every <<...>>
// annotation of every released record is byte-identical to the source, the
// files parse as JSONL and CSV, and two members' copies of the same records
// differ in a measured number of slots per record.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>

#include <nlohmann/json.hpp>

#include "custody/core/release/canary_store.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/release/shuffle.h"
#include "custody/core/vault/records.h"
#include "custody/format/reader.h"
#include "custody/mark/mark.h"

namespace custody::core::testing {
namespace {

const std::string kGsm8k = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";

// Numbers and annotations of a text, in order.
std::vector<std::string> Protected(const std::string& s) {
  static const std::regex re(R"(<<[^>]*>>|[0-9]+(?:[.,][0-9]+)*)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

class Gsm8kReleaseTest : public ReleaseTest {
 protected:
  void SetUp() override {
    if (!Env::Default()->FileExists(kGsm8k)) GTEST_SKIP() << "../shared/data/gsm8k-train.jsonl is absent";
    ReleaseTest::SetUp();
    IngestOptions o;
    o.dataset = "math";
    o.files = {kGsm8k};
    auto r = Ingest(*custody_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    first_id_ = r->first_record_id;
    records_ = r->records;
    ASSERT_TRUE(ForEachRecord(*custody_, "math", 0, [&](RecordId id, std::string_view rec) {
      source_[id.value()] = std::string(rec);
      return OkStatus();
    }).ok());
  }

  // The released lines of release `r`, mapped back to record ids through
  // the release's keyed order; canary lines map to 0.
  std::vector<std::pair<uint64_t, std::string>> Released(const ReleaseResult& r, const std::string& path) {
    auto text = *Env::Default()->ReadFileToString(path);
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      lines.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    HoldingsQuery q;
    q.release_id = r.release_id;
    auto ids = (*ListReleases(*custody_, q))[0].ids.ToVector();
    auto key = *custody_->vault().GetWrappedKey(store::KeyPurpose::Release());
    auto order = KeyedPermutation(ShuffleKey(key, r.release_id),
                                  ids.size() + r.canaries);
    EXPECT_EQ(lines.size(), order.size());
    std::vector<std::pair<uint64_t, std::string>> out;
    for (size_t k = 0; k < lines.size() && k < order.size(); ++k) {
      out.emplace_back(order[k] < ids.size() ? ids[order[k]] : 0, lines[k]);
    }
    return out;
  }

  uint64_t records_ = 0;
  std::map<uint64_t, std::string> source_;
};

TEST_F(Gsm8kReleaseTest, NumbersAndAnnotationsAreByteIdenticalAndMembersDiffer) {
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  GrantId g = AddGrantFor("acme");
  auto ra = DoRelease(g, "alice", "a.jsonl");
  auto rb = DoRelease(g, "bob", "b.jsonl");
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(ra->records, records_);
  EXPECT_EQ(ra->canaries, mark::CanaryCount(records_));
  std::map<uint64_t, std::pair<std::string, std::string>> a_text;
  uint64_t checked = 0;
  for (const auto& [id, line] : Released(*ra, root_ + "/a.jsonl")) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    if (id == 0) continue;
    auto src = nlohmann::json::parse(source_.at(id));
    for (const char* f : {"question", "answer"}) {
      ASSERT_EQ(Protected(j[f].get<std::string>()), Protected(src[f].get<std::string>()))
          << "record " << id << " field " << f;
    }
    a_text[id] = {j["question"], j["answer"]};
    ++checked;
  }
  EXPECT_EQ(checked, records_);
  // Slots where bob's copy has a different rendering from alice's.
  auto marker = mark::Marker::Create(*custody_->vault().GetWrappedKey(store::KeyPurpose::Mark()));
  ASSERT_TRUE(marker.ok());
  uint64_t slots = 0, differing = 0, records_differing = 0, n = 0;
  for (const auto& [id, line] : Released(*rb, root_ + "/b.jsonl")) {
    if (id == 0) continue;
    auto j = nlohmann::json::parse(line);
    std::string bq = j["question"], ba = j["answer"];
    const auto& [aq, aa] = a_text[id];
    std::vector<std::string_view> fa = {aq, aa}, fb = {bq, ba};
    auto oa = marker->ReadSlots(RecordId(id), fa);
    auto ob = marker->ReadSlots(RecordId(id), fb);
    std::map<uint64_t, int> ra_map;
    for (const auto& s : oa) ra_map[s.slot_id] = s.rendering;
    uint64_t d = 0;
    for (const auto& s : ob) {
      auto it = ra_map.find(s.slot_id);
      if (it == ra_map.end() || s.rendering < 0 || it->second < 0) continue;
      ++slots;
      if (it->second != s.rendering) ++d;
    }
    differing += d;
    records_differing += d > 0;
    ++n;
  }
  std::printf("gsm8k release: %llu records, %.3f readable slots/record, %.3f differing slots/record "
              "between two members, %.1f%% of records differ\n",
              static_cast<unsigned long long>(n), double(slots) / n, double(differing) / n,
              100.0 * records_differing / n);
  EXPECT_GT(double(slots) / n, 1.0);
  EXPECT_GT(double(differing) / n, 0.2);
  EXPECT_LT(differing, slots);
}

TEST_F(Gsm8kReleaseTest, CsvReleaseParsesAndKeepsNumbers) {
  AddPartnerAndMember("acme", "alice");
  GrantId g = AddGrantFor("acme", *ShardSelection("1/4"));
  auto r = DoRelease(g, "alice", "a.csv", false, format::OutputFormat::kCsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  format::ReadOptions ro;
  ro.format = format::InputFormat::kCsv;
  auto reader = format::RecordReader::Open(Env::Default(), root_ + "/a.csv", ro);
  ASSERT_TRUE(reader.ok());
  format::Record rec;
  uint64_t lines = 0;
  std::multiset<std::vector<std::string>> released, source;
  while (*(*reader)->Next(&rec)) {
    ++lines;
    auto j = nlohmann::json::parse(rec.canonical);
    released.insert(Protected(j["answer"].get<std::string>()));
  }
  EXPECT_EQ(lines, r->records + r->canaries);
  HoldingsQuery q;
  q.release_id = r->release_id;
  for (uint64_t id : (*ListReleases(*custody_, q))[0].ids.ToVector()) {
    auto src = nlohmann::json::parse(source_.at(id));
    auto p = Protected(src["answer"].get<std::string>());
    auto it = released.find(p);
    ASSERT_NE(it, released.end()) << "record " << id;
    released.erase(it);
  }
  EXPECT_EQ(released.size(), r->canaries);  // the canaries' answers remain
}

}  // namespace
}  // namespace custody::core::testing
