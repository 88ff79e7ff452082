// Incidents on generated data: a real trace (ingest, grant, release, a dump
// cut from the member's release file, trace) is frozen as an incident; what
// is stored and logged is exactly the trace's finding; a report edited after
// the trace is refused without leaving a row or a log entry; and a report
// that does not parse is an error, never an exception.
#include "custody/core/trace/incident.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/core/release/release_fixture.h"
#include "custody/core/trace/trace.h"
#include "custody/core/trace/trace_report.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class IncidentTest : public ReleaseTest {
 protected:
  // 300 generated records; alice and bob of acme each receive a keyed half;
  // the dump is the first `lines` lines of alice's release file. Returns the
  // trace of that dump.
  TraceReport TraceAliceLeak(size_t lines = 150) {
    IngestGenerated(300);
    AddPartnerAndMember("acme", "alice");
    AddPartnerAndMember("acme", "bob");
    Selection half;
    half.kind = Selection::Kind::kSample;
    half.fraction = "0.5";
    half.seed = 1;
    GrantId ga = AddGrantFor("acme", half, "alice");
    half.seed = 2;
    GrantId gb = AddGrantFor("acme", half, "bob");
    auto ra = DoRelease(ga, "alice", "alice.jsonl");
    EXPECT_TRUE(ra.ok()) << ra.status().ToString();
    auto rb = DoRelease(gb, "bob", "bob.jsonl");
    EXPECT_TRUE(rb.ok()) << rb.status().ToString();
    std::ifstream in(root_ + "/alice.jsonl", std::ios::binary);
    std::ofstream out(root_ + "/dump.jsonl", std::ios::binary);
    std::string line;
    for (size_t i = 0; i < lines && std::getline(in, line); ++i) out << line << "\n";
    out.close();
    return RunTrace(root_ + "/dump.jsonl");
  }
  TraceReport RunTrace(const std::string& dump) {
    TraceOptions o;
    o.dumps = {dump};
    o.threads = 1;
    auto t = Trace(*custody_, o);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TraceReport{};
  }
  // Every incidents row on disk, logged or not (ListIncidents shows only
  // logged ones), through a second connection to the catalog file.
  int64_t IncidentRows() {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return -1;
    auto st = (*db)->Prepare("SELECT COUNT(*) FROM incidents");
    EXPECT_TRUE(st.ok());
    if (!st.ok()) return -1;
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row);
    return st->Int(0);
  }
  static std::vector<uint64_t> Ids(const TraceReport& r) {
    std::vector<uint64_t> ids;
    for (const auto& c : r.compromised) ids.push_back(c.record_id.value());
    return ids;
  }
};

// Risk: the incident storing or logging something other than the trace's
// finding (another record list, another verdict, another report), or not
// being visible afterwards. The row, its log entry and the trace's own log
// entry must agree: same compromised-list hash, same dump, same accused.
TEST_F(IncidentTest, IncidentFromARealTraceHoldsItsFindingAndIsLoggedOnce) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(report.accused, std::vector<std::string>{"alice"});
  ASSERT_TRUE(report.decided);
  ASSERT_GT(report.compromised.size(), 50u);
  ASSERT_TRUE(report.log_index.has_value());
  EXPECT_EQ(report.compromised_sha256, CompromisedHash(Ids(report)));

  clock_.Advance(std::chrono::seconds(120));
  const uint64_t before = LogSize();
  auto inc = OpenIncident(*custody_, report, "");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(inc->log_index, static_cast<int64_t>(before));
  EXPECT_EQ(inc->title, "Leak of dump " + report.dump_sha256.substr(0, 16));
  EXPECT_EQ(inc->created_at, kStart + std::chrono::seconds(120));

  auto list = ListIncidents(*custody_);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, inc->id);
  auto got = GetIncident(*custody_, inc->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->log_index, static_cast<int64_t>(before));
  EXPECT_EQ(got->records_hash, report.compromised_sha256);
  EXPECT_EQ(got->verdict.compromised, report.compromised.size());
  EXPECT_EQ(got->verdict.accused, std::vector<std::string>{"alice"});
  EXPECT_TRUE(got->verdict.decided);
  EXPECT_EQ(got->verdict.alpha, report.alpha);
  EXPECT_EQ(got->verdict.statement, report.statement);
  EXPECT_EQ(ToJson(got->trace), ToJson(report));
  EXPECT_EQ(got->trace.compromised.size(), report.compromised.size());
  EXPECT_EQ(IncidentRows(), 1);

  // The incident's entry commits to the record list, the report and the dump.
  auto ev = ReadLogEvent(custody_->log(), before);
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ(ev->type, ledger::event_type::kIncident);
  EXPECT_EQ(ev->subject, "incident:" + ToString(inc->id));
  EXPECT_EQ(ev->hashes.at("records"), report.compromised_sha256);
  EXPECT_EQ(ev->hashes.at("trace"), crypto::DigestHex(crypto::Sha256(ToJson(report))));
  EXPECT_EQ(ev->hashes.at("dump"), report.dump_sha256);
  EXPECT_EQ(ev->details["compromised"], report.compromised.size());
  EXPECT_EQ(ev->details["accused"], nlohmann::json::array({"alice"}));
  // ... and agrees with the trace's own entry.
  auto trace_ev = ReadLogEvent(custody_->log(), *report.log_index);
  ASSERT_TRUE(trace_ev.ok());
  EXPECT_EQ(trace_ev->type, ledger::event_type::kTrace);
  EXPECT_EQ(trace_ev->hashes.at("compromised"), ev->hashes.at("records"));
  EXPECT_EQ(trace_ev->hashes.at("dump"), ev->hashes.at("dump"));

  EXPECT_EQ(GetIncident(*custody_, IncidentId(inc->id.value() + 1)).status().code(), StatusCode::kNotFound);
}

// Risk: `incident open --from-trace F` (the report read back from its JSON
// file) freezing something other than what the trace wrote: the read-back
// report must pass the check and store the same hashes, byte for byte.
TEST_F(IncidentTest, ReportReadBackFromItsJsonOpensTheSameIncident) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  const std::string text = ToJson(report);
  auto back = TraceReportFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), text);
  auto inc = OpenIncident(*custody_, *back, "acme leak");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->title, "acme leak");
  EXPECT_EQ(inc->records_hash, report.compromised_sha256);
  auto ev = ReadLogEvent(custody_->log(), static_cast<uint64_t>(*inc->log_index));
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->hashes.at("trace"), crypto::DigestHex(crypto::Sha256(text)));
  EXPECT_EQ(ev->details["title"], "acme leak");

  // A trace opens one incident: a second is refused, naming the first, and
  // logs nothing; a second trace opens its own, listed after it.
  const uint64_t log = LogSize();
  auto again = OpenIncident(*custody_, report, "");
  ASSERT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("incident " + ToString(inc->id)), std::string::npos)
      << again.status().ToString();
  EXPECT_EQ(LogSize(), log);
  const TraceReport second_trace = RunTrace(root_ + "/dump.jsonl");
  ASSERT_FALSE(HasFailure());
  auto second = OpenIncident(*custody_, second_trace, "");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(second->id, inc->id);
  auto list = ListIncidents(*custody_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, inc->id);
  EXPECT_EQ((*list)[1].id, second->id);
}

// Risk: an incident frozen from a report whose compromised list was edited
// after the trace (a record dropped, added or swapped, or the hash itself
// changed). Each is kDataLoss saying so, and leaves no row (not even
// an unlogged one) and no log entry. Reordering the list is not an edit.
TEST_F(IncidentTest, EditedCompromisedListIsRefusedAndWritesNothing) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  ASSERT_GT(report.compromised.size(), 3u);
  const uint64_t log = LogSize();

  struct Case {
    std::string what;
    TraceReport edited;
  };
  std::vector<Case> cases;
  {
    TraceReport r = report;
    r.compromised.erase(r.compromised.begin() + 1);
    cases.push_back({"one record removed", r});
  }
  {
    TraceReport r = report;
    r.compromised.push_back(r.compromised.back());
    r.compromised.back().record_id = RecordId(r.compromised.back().record_id.value() + 100000);
    cases.push_back({"one record added", r});
  }
  {
    TraceReport r = report;
    r.compromised[0].record_id = RecordId(r.compromised.back().record_id.value() + 1);
    cases.push_back({"one record swapped", r});
  }
  {
    TraceReport r = report;
    r.compromised_sha256[0] = r.compromised_sha256[0] == 'a' ? 'b' : 'a';
    cases.push_back({"hash changed", r});
  }
  {
    TraceReport r = report;
    r.compromised_sha256 = "";
    cases.push_back({"hash removed", r});
  }
  {
    TraceReport r = report;
    r.compromised.clear();
    cases.push_back({"list emptied", r});
  }
  for (const Case& c : cases) {
    auto inc = OpenIncident(*custody_, c.edited, "edited");
    ASSERT_FALSE(inc.ok()) << c.what;
    EXPECT_EQ(inc.status().code(), StatusCode::kDataLoss) << c.what;
    EXPECT_NE(inc.status().message().find("compromised_sha256: expected "), std::string::npos)
        << c.what << ": " << inc.status().ToString();
    EXPECT_EQ(LogSize(), log) << c.what;
    EXPECT_EQ(IncidentRows(), 0) << c.what;
  }
  // The same edit made to the JSON file is caught after reading it back.
  nlohmann::json j = nlohmann::json::parse(ToJson(report));
  j["compromised"].erase(0);
  auto back = TraceReportFromJson(j.dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(OpenIncident(*custody_, *back, "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(LogSize(), log);
  EXPECT_EQ(IncidentRows(), 0);
  EXPECT_TRUE(ListIncidents(*custody_)->empty());

  // Order does not matter: the hash is over the sorted ids.
  TraceReport reversed = report;
  std::reverse(reversed.compromised.begin(), reversed.compromised.end());
  auto ok = OpenIncident(*custody_, reversed, "");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->records_hash, report.compromised_sha256);
  EXPECT_EQ(LogSize(), log + 1);
  EXPECT_EQ(IncidentRows(), 1);
}

// Risk: a dump that matched nothing producing an incident that cannot be
// opened, or one committing to the wrong hash. The empty list's hash is the
// SHA-256 of the empty string, and the verdict says nobody is accused.
TEST_F(IncidentTest, TraceThatFoundNothingOpensAnIncidentOfNoRecords) {
  IngestGenerated(50);
  AddPartnerAndMember("acme", "alice");
  ASSERT_TRUE(DoRelease(AddGrantFor("acme"), "alice", "alice.jsonl").ok());
  const std::string dump = root_ + "/other.jsonl";
  std::ofstream(dump, std::ios::binary)
      << "{\"text\":\"an unrelated sentence about the weather in the mountains\"}\n"
         "{\"text\":\"another sentence about trains that run late on sundays\"}\n";
  const TraceReport report = RunTrace(dump);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(report.compromised.empty());
  EXPECT_EQ(report.compromised_sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto inc = OpenIncident(*custody_, report, "");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->records_hash, report.compromised_sha256);
  EXPECT_EQ(inc->verdict.compromised, 0u);
  EXPECT_TRUE(inc->verdict.accused.empty());
  EXPECT_FALSE(inc->verdict.decided);
}

// Risk: a malformed report file (`incident open --from-trace F`) throwing
// out of the JSON library instead of being refused: wrong-typed fields are
// kInvalidArgument naming the field, and nothing is written.
TEST_F(IncidentTest, ReportWithAWrongTypedFieldIsAnErrorNotAnException) {
  const TraceReport report = TraceAliceLeak(60);
  ASSERT_FALSE(HasFailure());
  const nlohmann::json good = nlohmann::json::parse(ToJson(report));
  ASSERT_FALSE(good["compromised"].empty());
  ASSERT_FALSE(good["members"].empty());
  const uint64_t log = LogSize();
  struct Case {
    std::string pointer;
    nlohmann::json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/compromised_sha256", 5, "trace report: compromised_sha256: expected a string"},
      {"/compromised", nlohmann::json::object(), "trace report: compromised: expected an array"},
      {"/compromised/0", "7", "trace report: compromised[0]: expected an object"},
      {"/compromised/0/record_id", "7",
       "trace report: compromised[0].record_id: expected a non-negative integer"},
      {"/compromised/0/record_id", 7.5, "compromised[0].record_id: expected a non-negative integer"},
      {"/compromised/0/version", "1", "compromised[0].version: expected an integer"},
      {"/compromised/0/version", 4294967296LL, "compromised[0].version: expected a 32-bit integer"},
      {"/compromised/0/verified", 1, "compromised[0].verified: expected true or false"},
      {"/compromised/0/held_by", "alice", "compromised[0].held_by: expected an array"},
      {"/compromised/0/held_by/0", 3, "compromised[0].held_by[0]: expected a string"},
      {"/accused/0", nullptr, "accused[0]: expected a string"},
      {"/decided", "true", "decided: expected true or false"},
      {"/alpha", "1e-6", "alpha: expected a number"},
      {"/statement", nlohmann::json::array(), "statement: expected a string"},
      {"/dump_sha256", nullptr, "dump_sha256: expected a string"},
      {"/members/0/evidence", nlohmann::json::array(), "members[0].evidence: expected an object"},
      {"/slots", 3, "slots: expected an object"},
      {"/log_index", -1, "log_index: expected a non-negative integer"},
  };
  for (const Case& c : cases) {
    nlohmann::json bad = good;
    bad[nlohmann::json::json_pointer(c.pointer)] = c.value;
    Result<TraceReport> r = InvalidArgumentError("not run");
    EXPECT_NO_THROW(r = TraceReportFromJson(bad.dump())) << c.pointer;
    ASSERT_FALSE(r.ok()) << c.pointer;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.pointer;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.pointer << ": " << r.status().ToString();
  }
  // Not an object at all, or cut short.
  const std::string text = good.dump();
  for (const std::string& t : {std::string("[]"), std::string("null"), text.substr(0, text.size() / 2),
                               std::string("{\"compromised\":[")}) {
    Result<TraceReport> r = InvalidArgumentError("not run");
    EXPECT_NO_THROW(r = TraceReportFromJson(t));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << t.substr(0, 40);
  }
  EXPECT_EQ(LogSize(), log);
  EXPECT_EQ(IncidentRows(), 0);
}

// Risk: an integer field read through a wrapping cast: 2^64-1 is an
// integer to the JSON library but no int; read as int64 it wraps to -1,
// which passes the 32-bit range check, so compromised[0].version reads as
// -1 and is frozen as such. Disabled: it fails today (trace_report.cc,
// Read(const Json&, const std::string&, int64_t*) checks is_number_integer,
// which is true for unsigned values above INT64_MAX too).
TEST(IncidentReportTest, IntegerBeyondInt64IsRefusedNotWrapped) {
  TraceReport r;
  r.dump_sha256 = std::string(64, 'a');
  CompromisedRecord c;
  c.record_id = RecordId(7);
  c.dataset = "math";
  c.version = 1;
  c.kind = "exact";
  r.compromised = {c};
  r.compromised_sha256 = CompromisedHash({7});
  r.alpha = 1e-6;
  nlohmann::json j = nlohmann::json::parse(ToJson(r));
  j["compromised"][0]["version"] = 18446744073709551615ULL;
  auto back = TraceReportFromJson(j.dump());
  ASSERT_FALSE(back.ok()) << "read version " << back->compromised[0].version;
  EXPECT_EQ(back.status().code(), StatusCode::kInvalidArgument);
}

// Risk: a report edited consistently after the trace — a record dropped and
// compromised_sha256 recomputed (it is an unkeyed hash of public ids), or
// the accused list changed (no hash covers it) — frozen as an incident. The
// report names its trace's log entry (log_index), which commits to the
// original compromised hash, dump hash and accused list; OpenIncident does
// not compare them. Disabled: it fails today (incident.cc OpenIncident
// checks only that compromised_sha256 matches the report's own list).
TEST_F(IncidentTest, ReportThatDisagreesWithItsTraceLogEntryIsRefused) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(report.log_index.has_value());
  const uint64_t log = LogSize();

  TraceReport dropped = report;
  dropped.compromised.erase(dropped.compromised.begin());
  dropped.compromised_sha256 = CompromisedHash(Ids(dropped));
  EXPECT_EQ(OpenIncident(*custody_, dropped, "").status().code(), StatusCode::kDataLoss);

  TraceReport framed = report;
  framed.accused = {"bob"};
  const Status refused = OpenIncident(*custody_, framed, "").status();
  EXPECT_EQ(refused.code(), StatusCode::kDataLoss);
  // The field, the logged and the found values, and the entry.
  EXPECT_NE(refused.message().find("accused: expected [\"alice\"] (custody log entry " +
                                   std::to_string(*report.log_index) + "), found [\"bob\"]"),
            std::string::npos)
      << refused.ToString();

  TraceReport undecided = report;
  undecided.decided = !report.decided;
  EXPECT_EQ(OpenIncident(*custody_, undecided, "").status().code(), StatusCode::kDataLoss);

  EXPECT_EQ(LogSize(), log);
  EXPECT_EQ(IncidentRows(), 0);
}

// Risk: an incident's notes or closing not logged, lost from `show`, or a
// closed incident still taking notes.
TEST_F(IncidentTest, NotesAndClosingAreLoggedAndAClosedIncidentRefusesNotes) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  auto inc = OpenIncident(*custody_, report, "alice leak");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  const uint64_t log = LogSize();
  EXPECT_EQ(AddIncidentNote(*custody_, inc->id, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AddIncidentNote(*custody_, IncidentId(99), "x").status().code(), StatusCode::kNotFound);
  auto note = AddIncidentNote(*custody_, inc->id, "asked acme for logs");
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(static_cast<uint64_t>(note->log_index), log);
  auto closed = CloseIncident(*custody_, inc->id, "contract terminated");
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(LogSize(), log + 2);
  auto ev = ReadLogEvent(custody_->log(), static_cast<uint64_t>(closed->log_index));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ(ev->type, "incident");
  EXPECT_EQ(ev->details["action"], "close");
  EXPECT_EQ(ev->details["text"], "contract terminated");

  auto shown = GetIncident(*custody_, inc->id);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_TRUE(shown->closed);
  ASSERT_EQ(shown->entries.size(), 2u);
  EXPECT_EQ(shown->entries[0].action, "note");
  EXPECT_EQ(shown->entries[0].text, "asked acme for logs");
  EXPECT_EQ(shown->entries[1].action, "close");

  EXPECT_EQ(AddIncidentNote(*custody_, inc->id, "more").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CloseIncident(*custody_, inc->id, "again").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogSize(), log + 2);
}

// Risk: a catalog row edited behind custody's back (a verdict or frozen
// report of the wrong shape) reaching a caller as an exception or as a
// silently wrong value. Reads are kDataLoss naming the row and the field.
TEST_F(IncidentTest, TamperedIncidentRowIsDataLossNamingTheField) {
  const TraceReport report = TraceAliceLeak();
  ASSERT_FALSE(HasFailure());
  auto inc = OpenIncident(*custody_, report, "");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("UPDATE incidents SET verdict = "
                          "'{\"accused\":\"alice\",\"alpha\":1e-6,\"compromised\":1,"
                          "\"decided\":true,\"statement\":\"x\"}'").ok());
  auto got = GetIncident(*custody_, inc->id);
  ASSERT_EQ(got.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find("catalog incidents row " + ToString(inc->id) +
                                        ": verdict: accused: expected an array"),
            std::string::npos)
      << got.status().ToString();
  EXPECT_EQ(ListIncidents(*custody_).status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE((*db)->Exec("UPDATE incidents SET verdict = '" + VerdictToJson(inc->verdict) +
                          "', trace_json = '{\"dumps\": 3}'").ok());
  got = GetIncident(*custody_, inc->id);
  ASSERT_EQ(got.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find(": trace_json: "), std::string::npos)
      << got.status().ToString();
}

// The verdict's JSON reads back what was written, field by field.
TEST(IncidentVerdictTest, JsonRoundTripsAndWrongTypesAreErrors) {
  IncidentVerdict v;
  v.accused = {"alice", "bob"};
  v.decided = true;
  v.alpha = 1e-6;
  v.statement = "alice is accused";
  v.compromised = 42;
  const std::string text = VerdictToJson(v);
  EXPECT_EQ(text, R"({"accused":["alice","bob"],"alpha":1e-06,"compromised":42,"decided":true,)"
                  R"("statement":"alice is accused"})");
  auto back = VerdictFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->accused, v.accused);
  EXPECT_EQ(back->compromised, 42u);
  EXPECT_EQ(back->alpha, 1e-6);
  EXPECT_EQ(VerdictFromJson("[]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerdictFromJson("{").status().code(), StatusCode::kInvalidArgument);
  auto neg = VerdictFromJson(R"({"accused":[],"alpha":0.1,"compromised":-1,"decided":false,"statement":""})");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("compromised: expected a non-negative integer"),
            std::string::npos);
}

}  // namespace
}  // namespace custody::core
