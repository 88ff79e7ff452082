// Fuzzes the readers of stored trace results (core/trace): the trace report
// (TraceReportFromJson, read by `incident open`) and an incident's verdict
// (VerdictFromJson). Never crashes or throws; what parses writes back with
// ToJson / VerdictToJson to JSON that parses to the same text again.
//
// Input: byte 0 bit 0 = verdict (else report); the rest is the JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/core/trace/incident.h"
#include "custody/core/trace/trace_report.h"
#include "fuzz_input.h"
#include "seeds.h"

namespace {

namespace core = custody::core;

std::vector<std::string> MakeSeeds() {
  core::TraceReport r;
  r.dumps = {"leak.jsonl", "more \"quoted\".csv.gz"};
  r.dump_sha256 = std::string(64, 'a');
  r.dump_records = 5;
  r.matched = 3;
  r.unmatched = 2;
  r.unmatched_sources = {"leak.jsonl:4", "leak.jsonl:5"};
  r.problems = {{"leak.jsonl", 0, "corrupt stream"}, {"leak.jsonl", 9, "bad UTF-8"}};
  core::CompromisedRecord c;
  c.record_id = custody::RecordId(7);
  c.dataset = "math";
  c.version = 2;
  c.kind = "near";
  c.similarity = 0.8125;
  c.source = "leak.jsonl:1";
  c.occurrences = 2;
  c.releases = {custody::ReleaseId(3)};
  c.held_by = {"alice"};
  r.compromised = {c};
  r.compromised_sha256 = std::string(64, 'b');
  r.by_dataset = {{"math", 1}};
  r.by_partner = {{"acme", 1}};
  r.by_member = {{"alice", 1}};
  r.releases = {{custody::ReleaseId(3), 1, "alice", "acme", "math", 40,
                 custody::FromUnixSeconds(1764892800)}};
  r.canaries_found = {
      {custody::CanaryId(11), "alice", "acme", custody::ReleaseId(3), "leak.jsonl:2"}};
  r.readable_slots = 12;
  r.erased_slots = 1;
  r.members_tested = 2;
  core::MemberFinding a;
  a.member = "alice";
  a.member_id = custody::MemberId(1);
  a.partner = "acme";
  a.records_held = 40;
  a.leaked_held = 1;
  a.kinds_used = 2;
  a.log10_p_combined = -9.5;
  a.log10_p_value = -9.2;
  a.accused = true;
  a.exposure = core::ExposureFinding{true, 1, 1, 40, -0.5, ""};
  a.marks = core::MarksFinding{12, 3.25, -8.75};
  a.canaries = {1, 1, -6.0};
  core::MemberFinding b;
  b.member = "bob";
  b.member_id = custody::MemberId(2);
  b.partner = "acme";
  b.exposure = core::ExposureFinding{false, 0, 0, 10, 0, "no leaked record is held by two"};
  r.members = {a, b};
  r.accused = {"alice"};
  r.alpha = 1e-6;
  r.decided = true;
  r.statement = "Accused: alice.";
  r.log_index = 41;
  core::TraceReport undecided;
  undecided.dumps = {"empty.jsonl"};
  undecided.empty_dumps = {"empty.jsonl"};
  undecided.alpha = 1e-3;
  undecided.undecidable_reason = "no record of the vault was found";
  core::IncidentVerdict v{{"alice", "carol"}, true, 1e-6, "Accused: alice, carol.", 12};
  return {std::string(1, '\0') + core::ToJson(r), std::string(1, '\0') + core::ToJson(undecided),
          std::string(1, '\1') + core::VerdictToJson(v),
          std::string(1, '\1') + core::VerdictToJson(core::IncidentVerdict{})};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const std::string_view json = in.Rest();
  if (flags & 1) {
    auto v = core::VerdictFromJson(json);
    if (!v.ok()) return 0;
    const std::string once = core::VerdictToJson(*v);
    auto again = core::VerdictFromJson(once);
    if (!again.ok() || core::VerdictToJson(*again) != once) std::abort();
    return 0;
  }
  auto r = core::TraceReportFromJson(json);
  if (!r.ok()) return 0;
  const std::string once = core::ToJson(*r);
  auto again = core::TraceReportFromJson(once);
  if (!again.ok() || core::ToJson(*again) != once) std::abort();
  return 0;
}
