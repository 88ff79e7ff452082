#include "custody/core/trace/trace_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace custody::core {
namespace {

TraceReport Sample() {
  TraceReport r;
  r.dumps = {"leak \"one\".jsonl"};
  r.dump_sha256 = std::string(64, 'a');
  r.dump_records = 5;
  r.matched = 3;
  r.unmatched = 2;
  r.unmatched_sources = {"leak.jsonl:4", "leak.jsonl:5"};
  r.problems = {{"leak.jsonl", 0, "corrupt stream"}, {"leak.jsonl", 9, "bad UTF-8"}};
  CompromisedRecord c;
  c.record_id = RecordId(7);
  c.dataset = "math";
  c.version = 2;
  c.kind = "near";
  c.similarity = 0.8125;
  c.source = "leak.jsonl:1";
  c.occurrences = 2;
  c.releases = {ReleaseId(3)};
  c.held_by = {"alice"};
  r.compromised = {c};
  r.compromised_sha256 = std::string(64, 'b');
  r.by_dataset = {{"math", 1}};
  r.by_partner = {{"acme", 1}};
  r.by_member = {{"alice", 1}};
  r.releases = {{ReleaseId(3), 1, "alice", "acme", "math", 40, FromUnixSeconds(1764892800)}};
  r.canaries_found = {{CanaryId(11), "alice", "acme", ReleaseId(3), "leak.jsonl:2"}};
  r.readable_slots = 12;
  r.erased_slots = 1;
  r.members_tested = 2;
  MemberFinding a;
  a.member = "alice";
  a.member_id = MemberId(1);
  a.partner = "acme";
  a.records_held = 40;
  a.leaked_held = 1;
  a.kinds_used = 2;
  a.log10_p_combined = -9.5;
  a.log10_p_value = -9.2;
  a.accused = true;
  a.exposure = ExposureFinding{true, 1, 1, 40, -0.5, ""};
  a.marks = MarksFinding{12, 3.25, -8.75};
  a.canaries = {1, 1, -6.0};
  MemberFinding b;
  b.member = "bob";
  b.member_id = MemberId(2);
  b.partner = "acme";
  b.exposure = ExposureFinding{false, 0, 0, 10, 0, "no leaked record is held by this member and another"};
  r.members = {a, b};
  r.accused = {"alice"};
  r.alpha = 1e-6;
  r.decided = true;
  r.statement = "Accused at a false-accusation bound of 1e-06: alice; no other member is accused at this bound.";
  r.log_index = 42;
  return r;
}

TEST(TraceReportTest, WritesTheDocumentedKeysInByteOrder) {
  const nlohmann::json j = nlohmann::json::parse(ToJson(Sample()));
  // A JSON tree written by nlohmann-json sorts keys the same way: the text
  // is byte for byte what it would write.
  EXPECT_EQ(ToJson(Sample()), j.dump());
  EXPECT_EQ(j["compromised_count"], 1);
  EXPECT_EQ(j["compromised"][0]["verified"], true);
  EXPECT_EQ(j["accused_detail"][0]["member"], "alice");
  EXPECT_EQ(j["members"][1]["evidence"]["marks"]["informative"], false);
  EXPECT_EQ(j["members"][1]["evidence"]["exposure"]["silent_because"],
            "no leaked record is held by this member and another");
  EXPECT_EQ(j["members"][0]["evidence"]["canaries"]["p_value"], 1e-6);
  EXPECT_EQ(j["releases"][0]["created_at"], "2025-12-05T00:00:00Z");
  EXPECT_TRUE(j["problems"][0]["line"].is_null());
  EXPECT_EQ(j["slots"]["readable"], 12);
  EXPECT_FALSE(j.contains("undecidable_reason"));
}

TEST(TraceReportTest, ReadsBackWhatItWrites) {
  const std::string text = ToJson(Sample());
  auto r = TraceReportFromJson(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ToJson(*r), text);
  EXPECT_EQ(r->compromised[0].similarity, 0.8125);
  EXPECT_EQ(r->releases[0].created_at, FromUnixSeconds(1764892800));
  EXPECT_FALSE(r->members[1].marks.has_value());
}

TEST(TraceReportTest, WrongTypesAreErrorsNamingTheField) {
  const nlohmann::json good = nlohmann::json::parse(ToJson(Sample()));
  struct Case {
    nlohmann::json::json_pointer where;
    nlohmann::json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {nlohmann::json::json_pointer("/accused"), "alice", "accused: expected an array"},
      {nlohmann::json::json_pointer("/members/0/accused"), "yes", "members[0].accused: expected true or false"},
      {nlohmann::json::json_pointer("/compromised/0/record_id"), -7, "compromised[0].record_id: expected a non-negative integer"},
      {nlohmann::json::json_pointer("/members/1/evidence/canaries"), 3, "members[1].evidence.canaries: expected an object"},
      {nlohmann::json::json_pointer("/releases/0/created_at"), "yesterday", "releases[0].created_at: expected a time"},
      {nlohmann::json::json_pointer("/slots/erased"), 1.5, "slots.erased: expected a non-negative integer"},
      {nlohmann::json::json_pointer("/by_member/alice"), "one", "by_member.alice: expected a non-negative integer"},
  };
  for (const Case& c : cases) {
    nlohmann::json bad = good;
    bad[c.where] = c.value;
    auto r = TraceReportFromJson(bad.dump());
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
  }
  nlohmann::json missing = good;
  missing.erase("members");
  auto r = TraceReportFromJson(missing.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("members: missing"), std::string::npos);
}

TEST(TraceReportTest, NotJsonIsAnError) {
  for (const std::string& text : std::vector<std::string>{"", "[1,2", "[]", "42", std::string(100000, '[')}) {
    auto r = TraceReportFromJson(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace custody::core
