// Incident response on a real trace (ingest, grants, releases, a dump cut
// from alice's release, trace, incident): clock updates are logged and
// answer to `vault check`; the regulatory clocks are computed as the rules
// say; containment logs each step and the report cites those entries; the
// report's scope agrees with `exposure` and `trace`, and its scope and
// evidence sections are byte-identical when built again later.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "custody/core/exposure/exposure.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/response/containment.h"
#include "custody/core/response/incident_report.h"
#include "custody/core/response/regulatory_clocks.h"
#include "custody/core/trace/incident.h"
#include "custody/core/trace/trace.h"
#include "custody/core/vault_check.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

Time At(const char* text) {
  auto t = ParseTime(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Time();
}

// The text between `<section id="NAME">` and its `</section>`.
std::string Section(const std::string& html, const std::string& name) {
  const std::string open = "<section id=\"" + name + "\">";
  const size_t a = html.find(open);
  if (a == std::string::npos) return "";
  const size_t b = html.find("</section>", a);
  return html.substr(a, b - a);
}

TEST(RegulatoryClocksTest, GdprIs72HoursFromAwareness) {
  EXPECT_EQ(FormatRfc3339(GdprArt33Deadline(At("2026-12-04T10:30:00Z"))), "2026-12-07T10:30:00Z");
}

TEST(RegulatoryClocksTest, Sec8kCountsFourBusinessDaysAcrossAWeekend) {
  // Thursday 2026-12-03: Fri 4, (Sat, Sun skipped), Mon 7, Tue 8, Wed 9.
  EXPECT_EQ(WeekdayUtc(At("2026-12-03T15:00:00Z")), 4);
  EXPECT_EQ(FormatRfc3339(Sec8kDeadline(At("2026-12-03T15:00:00Z"))), "2026-12-09T23:59:59Z");
  // Determined on a Saturday: Mon 7 .. Thu 10.
  EXPECT_EQ(FormatRfc3339(Sec8kDeadline(At("2026-12-05T09:00:00Z"))), "2026-12-10T23:59:59Z");
  // Monday: Tue .. Fri, no weekend crossed.
  EXPECT_EQ(FormatRfc3339(Sec8kDeadline(At("2026-12-07T00:00:00Z"))), "2026-12-11T23:59:59Z");
}

TEST(RegulatoryClocksTest, NoticeStatus) {
  const Time due = At("2026-12-07T10:30:00Z");
  EXPECT_EQ(NoticeStatus(due, At("2026-12-07T10:30:00Z"), At("2027-01-01"), true), "met");
  EXPECT_EQ(NoticeStatus(due, At("2026-12-07T10:30:01Z"), At("2027-01-01"), true), "overdue");
  EXPECT_EQ(NoticeStatus(due, std::nullopt, At("2026-12-06"), true), "open");
  EXPECT_EQ(NoticeStatus(due, std::nullopt, At("2026-12-08"), true), "overdue");
  EXPECT_EQ(NoticeStatus(std::nullopt, std::nullopt, At("2026-12-08"), true), "open");
}

class IncidentResponseTest : public ReleaseTest {
 protected:
  // 300 records; alice and bob of acme each get a keyed half; the dump is
  // 150 lines of alice's release; the trace accuses alice; an incident is
  // opened from it.
  IncidentId OpenAliceIncident() {
    IngestGenerated(300);
    AddPartnerAndMember("acme", "alice");
    AddPartnerAndMember("acme", "bob");
    Selection half;
    half.kind = Selection::Kind::kSample;
    half.fraction = "0.5";
    half.seed = 1;
    alice_grant_ = AddGrantFor("acme", half, "alice");
    half.seed = 2;
    GrantId gb = AddGrantFor("acme", half, "bob");
    EXPECT_TRUE(DoRelease(alice_grant_, "alice", "alice.jsonl").ok());
    EXPECT_TRUE(DoRelease(gb, "bob", "bob.jsonl").ok());
    std::ifstream in(root_ + "/alice.jsonl", std::ios::binary);
    std::ofstream out(root_ + "/dump.jsonl", std::ios::binary);
    std::string line;
    for (size_t i = 0; i < 150 && std::getline(in, line); ++i) out << line << "\n";
    out.close();
    TraceOptions o;
    o.dumps = {root_ + "/dump.jsonl"};
    o.threads = 1;
    auto t = Trace(*custody_, o);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    trace_ = *t;
    EXPECT_EQ(trace_.accused, std::vector<std::string>{"alice"});
    clock_.Advance(std::chrono::minutes(5));
    auto inc = OpenIncident(*custody_, trace_, "alice leak");
    EXPECT_TRUE(inc.ok()) << inc.status().ToString();
    return inc.ok() ? inc->id : IncidentId();
  }
  void ExecSql(const std::string& sql) {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec(sql).ok()) << sql;
  }
  GrantId alice_grant_;
  TraceReport trace_;
};

// Risk: an update that is not logged, or a catalog row edited afterwards
// that `vault check` does not notice.
TEST_F(IncidentResponseTest, UpdateIsLoggedAndAnswersToVaultCheck) {
  const IncidentId id = OpenAliceIncident();
  ASSERT_FALSE(HasFailure());
  IncidentClocks k;
  k.aware_at = At("2026-01-01T08:00:00Z");
  k.notified[kNoticeGdprArt33] = At("2026-01-02T08:00:00Z");
  const uint64_t before = LogSize();
  auto u = UpdateIncident(*custody_, id, k);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(u->log_index, static_cast<int64_t>(before));
  auto ev = ReadLogEvent(custody_->log(), before);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, ledger::event_type::kIncidentUpdate);
  EXPECT_EQ(ev->details["aware_at"], "2026-01-01T08:00:00Z");

  IncidentClocks m;
  m.material_at = At("2026-01-01T12:00:00Z");
  ASSERT_TRUE(UpdateIncident(*custody_, id, m).ok());
  auto inc = GetIncident(*custody_, id);
  ASSERT_TRUE(inc.ok());
  EXPECT_EQ(inc->updates.size(), 2u);
  EXPECT_EQ(inc->clocks.aware_at, k.aware_at);  // kept by the second update
  EXPECT_EQ(inc->clocks.material_at, m.material_at);

  EXPECT_EQ(UpdateIncident(*custody_, id, IncidentClocks{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UpdateIncident(*custody_, IncidentId(99), k).status().code(), StatusCode::kNotFound);

  auto clean = CheckVault(*custody_);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok()) << (clean->problems.empty() ? "" : clean->problems[0].message);
  EXPECT_EQ(clean->checked["incident_updates"], 2u);

  ExecSql("UPDATE incident_updates SET aware_at = aware_at + 86400000 WHERE aware_at IS NOT NULL");
  auto tampered = CheckVault(*custody_);
  ASSERT_TRUE(tampered.ok());
  ASSERT_EQ(tampered->problems.size(), 1u);
  EXPECT_NE(tampered->problems[0].message.find("clocks hash"), std::string::npos) << tampered->problems[0].message;
}

// Risk: a containment step done but not logged, logged under another
// index than the report cites, or a report that leaves a step unproved.
TEST_F(IncidentResponseTest, ContainLogsEachStepAndTheReportCitesThem) {
  const IncidentId id = OpenAliceIncident();
  ASSERT_FALSE(HasFailure());
  ContainOptions o;
  o.suspend_partner = true;
  auto plan = PlanContainment(*custody_, id, o);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 3u);  // alice's grant, alice, acme
  const uint64_t before = LogSize();
  EXPECT_TRUE(PlanContainment(*custody_, id, o).ok());
  EXPECT_EQ(LogSize(), before);  // planning (what a declined prompt shows) changes nothing
  auto steps = ContainIncident(*custody_, id, o);
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  EXPECT_EQ(LogSize(), before + 6);  // each step and its incident entry
  const char* types[] = {ledger::event_type::kRevoke, ledger::event_type::kRevoke, ledger::event_type::kPartner};
  for (size_t i = 0; i < steps->size(); ++i) {
    const ContainStep& s = (*steps)[i];
    EXPECT_EQ(s.step_log_index, static_cast<int64_t>(before + 2 * i));
    EXPECT_EQ(s.entry_log_index, static_cast<int64_t>(before + 2 * i + 1));
    auto ev = ReadLogEvent(custody_->log(), s.step_log_index);
    ASSERT_TRUE(ev.ok());
    EXPECT_EQ(ev->type, types[i]);
    auto entry = ReadLogEvent(custody_->log(), s.entry_log_index);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry->details["action"], "contain");
    EXPECT_EQ(entry->details["step"], s.step_log_index);
  }
  auto g = GetGrant(*custody_, alice_grant_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->status, store::GrantStatus::kRevoked);
  auto p = FindPartner(*custody_, "acme");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, PartnerStatus::kSuspended);
  // A second run finds nothing left to do and changes nothing.
  const uint64_t after = LogSize();
  EXPECT_EQ(ContainIncident(*custody_, id, o).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogSize(), after);

  auto report = BuildIncidentReport(*custody_, id, clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const auto& cited = (*report)["containment"]["steps"];
  ASSERT_EQ(cited.size(), 3u);
  std::set<int64_t> proved;
  for (const auto& e : (*report)["evidence"]["entries"]) {
    if (e["proved"].get<bool>()) proved.insert(e["log_index"].get<int64_t>());
  }
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cited[i]["step_log_index"], (*steps)[i].step_log_index);
    EXPECT_EQ(cited[i]["log_index"], (*steps)[i].entry_log_index);
    EXPECT_TRUE(proved.count((*steps)[i].step_log_index)) << i;
    EXPECT_TRUE(proved.count((*steps)[i].entry_log_index)) << i;
  }
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << (check->problems.empty() ? "" : check->problems[0].message);
}

// Risk: a scope that disagrees with what `exposure` and `trace` say, or one
// that changes when the report is made again later.
TEST_F(IncidentResponseTest, ScopeMatchesExposureAndTraceAndRegeneratesByteForByte) {
  const IncidentId id = OpenAliceIncident();
  ASSERT_FALSE(HasFailure());
  auto inc = GetIncident(*custody_, id);
  ASSERT_TRUE(inc.ok());
  auto r1 = BuildIncidentReport(*custody_, id, clock_.Now());
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  const auto& scope = (*r1)["scope"];
  EXPECT_EQ(scope["compromised"], trace_.compromised.size());
  EXPECT_EQ(scope["records_sha256"], trace_.compromised_sha256);
  uint64_t kinds = 0;
  for (const char* k : {"exact", "near", "fragment"}) kinds += scope[k].get<uint64_t>();
  EXPECT_EQ(kinds, trace_.compromised.size());
  EXPECT_EQ(scope["delivered_plaintext"].get<uint64_t>() + scope["delivered_ciphertext_only"].get<uint64_t>() +
                scope["in_no_release"].get<uint64_t>(),
            trace_.compromised.size());
  EXPECT_EQ(scope["delivered_plaintext"], trace_.compromised.size());  // the fixture releases JSONL
  ASSERT_EQ(scope["datasets"].size(), trace_.by_dataset.size());
  for (const auto& d : scope["datasets"]) {
    EXPECT_EQ(d["records"], trace_.by_dataset.at(d["dataset"].get<std::string>()));
    EXPECT_EQ(d["sensitivity"], "confidential");
  }
  ASSERT_EQ(scope["members"].size(), trace_.by_member.size());
  for (const auto& m : scope["members"]) {
    const std::string name = m["member"].get<std::string>();
    EXPECT_EQ(m["leaked"], trace_.by_member.at(name));
    auto e = ExposureOfMember(*custody_, name, inc->created_at);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(m["held"], e->records);
    EXPECT_EQ(m["releases"], e->releases);
  }
  for (const auto& p : scope["partners"]) {
    auto e = ExposureOfPartner(*custody_, p["partner"].get<std::string>(), inc->created_at);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(p["held"], e->records);
    EXPECT_EQ(p["leaked"], trace_.by_partner.at(p["partner"].get<std::string>()));
  }

  clock_.Advance(std::chrono::hours(30));
  auto r2 = BuildIncidentReport(*custody_, id, clock_.Now());
  ASSERT_TRUE(r2.ok());
  EXPECT_NE((*r1)["header"]["generated_at"], (*r2)["header"]["generated_at"]);
  EXPECT_EQ((*r1)["scope"].dump(), (*r2)["scope"].dump());
  EXPECT_EQ((*r1)["evidence"].dump(), (*r2)["evidence"].dump());
  const std::string h1 = RenderIncidentHtml(*r1), h2 = RenderIncidentHtml(*r2);
  EXPECT_NE(h1, h2);  // the header differs
  for (const char* s : {"scope", "evidence"}) {
    EXPECT_FALSE(Section(h1, s).empty()) << s;
    EXPECT_EQ(Section(h1, s), Section(h2, s)) << s;
  }
  // Every cited entry is proved against the signed checkpoint.
  for (const auto& e : (*r1)["evidence"]["entries"]) EXPECT_TRUE(e["proved"].get<bool>()) << e.dump();
  EXPECT_FALSE((*r1)["evidence"]["checkpoint"].get<std::string>().empty());
}

// Risk: a shred step credited with another event's index, or a scope that
// still calls the vault's copy recoverable after its key is destroyed.
TEST_F(IncidentResponseTest, ShredStepIsLoggedAndTheScopeSaysTheKeyIsDestroyed) {
  const IncidentId id = OpenAliceIncident();
  ASSERT_FALSE(HasFailure());
  ContainOptions o;
  o.members = {"bob"};
  o.shred_dataset = "math";
  auto steps = ContainIncident(*custody_, id, o);
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  ASSERT_EQ(steps->size(), 3u);  // bob's grant, bob, the shred
  EXPECT_EQ(steps->back().action, "shred-dataset");
  auto ev = ReadLogEvent(custody_->log(), steps->back().step_log_index);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, ledger::event_type::kShred);
  auto alice = FindMember(*custody_, "alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->status, MemberStatus::kActive);  // only the named member
  auto report = BuildIncidentReport(*custody_, id, clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ((*report)["scope"]["datasets"][0]["vault_copy"], "ciphertext, key destroyed");
  ContainOptions unknown;
  unknown.members = {"mallory"};
  EXPECT_EQ(ContainIncident(*custody_, id, unknown).status().code(), StatusCode::kNotFound);
}

// Risk: an update row whose log append a crash interrupted stays visible
// (a clock the log never recorded).
TEST_F(IncidentResponseTest, RecoveryRemovesAnUpdateTheLogNeverRecorded) {
  const IncidentId id = OpenAliceIncident();
  ASSERT_FALSE(HasFailure());
  auto row = custody_->catalog().incidents().InsertUpdate(
      store::IncidentUpdateRow{0, id, clock_.Now(), "test", clock_.Now(), std::nullopt, std::nullopt, "{}",
                               std::nullopt});
  ASSERT_TRUE(row.ok());
  auto before = GetIncident(*custody_, id);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->updates.empty());  // unlogged rows are not shown
  ASSERT_TRUE(RecoverIncidents(*custody_).ok());
  auto left = custody_->catalog().incidents().UnloggedUpdates();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace custody::core
