// Partners, members and grants through the core API: the status machine of
// partners and its refusals, member and grant checks, name and key
// validation, and the commit protocol (each change is one custody log event;
// a refused change logs nothing and writes no catalog row).
#include "custody/core/parties/parties.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/core/parties/grants.h"
#include "custody/core/release/release_fixture.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

using testing::ReleaseTest;

class PartiesTest : public ReleaseTest {
 protected:
  // Rows of `table`, counted through a second connection to the catalog
  // file (what is really on disk, not what custody's handle caches).
  int64_t Rows(const std::string& table) {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return -1;
    auto st = (*db)->Prepare("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(st.ok());
    if (!st.ok()) return -1;
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row);
    return st->Int(0);
  }
  // The counts a refused change must leave alone.
  struct Snapshot {
    uint64_t log;
    int64_t partners, members, grants;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Take() { return {LogSize(), Rows("partners"), Rows("members"), Rows("grants")}; }

  Result<Member> NewMember(const std::string& partner, const std::string& name) {
    return AddMember(*custody_, {partner, name, name + "@" + partner + ".example",
                                 crypto::X25519Generate().public_key});
  }
  GrantSpec Spec(const std::string& partner, const std::string& member = "") {
    GrantSpec g;
    g.partner = partner;
    g.member = member;
    g.dataset = "math";
    g.expires_at = clock_.Now() + std::chrono::seconds(86400);
    g.purpose = "labeling";
    return g;
  }
  ledger::Event LastEvent() {
    auto ev = ReadLogEvent(custody_->log(), custody_->log().size() - 1);
    EXPECT_TRUE(ev.ok()) << ev.status().ToString();
    return ev.ok() ? *ev : ledger::Event{};
  }
  static bool Mentions(const Status& s, const std::string& what) {
    return s.message().find(what) != std::string::npos;
  }
};

// Risk: a partner status change that skips the log, logs twice, or records
// the wrong action; each accepted transition must be exactly one `partner`
// event naming the partner, its new status and the reason.
TEST_F(PartiesTest, EachPartnerChangeAppendsExactlyOneEventDescribingIt) {
  uint64_t before = LogSize();
  auto p = AddPartner(*custody_, {"acme", "c@acme", "K-7", "notes"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(p->status, PartnerStatus::kActive);
  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kPartner);
  EXPECT_EQ(ev.subject, "partner:acme");
  EXPECT_EQ(ev.details["action"], "add");
  EXPECT_EQ(ev.details["partner_id"], p->id);
  EXPECT_EQ(ev.details["contract"], "K-7");

  clock_.Advance(std::chrono::seconds(60));
  before = LogSize();
  auto s = SuspendPartner(*custody_, "acme", "audit");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(s->status, PartnerStatus::kSuspended);
  EXPECT_EQ(s->changed_at, kStart + std::chrono::seconds(60));
  ev = LastEvent();
  EXPECT_EQ(ev.details["action"], "suspend");
  EXPECT_EQ(ev.details["status"], "suspended");
  EXPECT_EQ(ev.details["reason"], "audit");
  EXPECT_EQ(FindPartner(*custody_, "acme")->status, PartnerStatus::kSuspended);

  before = LogSize();
  auto r = ResumePartner(*custody_, "acme");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(r->status, PartnerStatus::kActive);
  ev = LastEvent();
  EXPECT_EQ(ev.details["action"], "resume");
  EXPECT_EQ(ev.details["status"], "active");
  EXPECT_FALSE(ev.details.contains("reason"));
  EXPECT_EQ(FindPartner(*custody_, "acme")->status, PartnerStatus::kActive);
  EXPECT_EQ(Rows("partners"), 1);
}

// Risk: the status machine accepting a transition it should refuse (resume
// an active partner, suspend a terminated one, revive a terminated one).
// Each refusal is kFailedPrecondition naming the partner and both states,
// and changes neither the log nor the row.
TEST_F(PartiesTest, RefusedPartnerTransitionsNameThePartnerAndChangeNothing) {
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  Snapshot s0 = Take();
  auto r = ResumePartner(*custody_, "acme");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(r.status(), "partner 'acme': expected status suspended to resume, found active"))
      << r.status().ToString();
  EXPECT_EQ(Take(), s0);

  ASSERT_TRUE(SuspendPartner(*custody_, "acme", "").ok());
  s0 = Take();
  auto again = SuspendPartner(*custody_, "acme", "twice");
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(again.status(), "found suspended")) << again.status().ToString();
  EXPECT_EQ(Take(), s0);

  // A suspended partner may be terminated; then nothing brings it back.
  ASSERT_TRUE(TerminatePartner(*custody_, "acme", "ended").ok());
  s0 = Take();
  auto resume = ResumePartner(*custody_, "acme");
  EXPECT_EQ(resume.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(resume.status(), "found terminated")) << resume.status().ToString();
  auto suspend = SuspendPartner(*custody_, "acme", "");
  EXPECT_EQ(suspend.status().code(), StatusCode::kFailedPrecondition);
  auto terminate = TerminatePartner(*custody_, "acme", "");
  EXPECT_EQ(terminate.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(terminate.status(), "partner 'acme' was already terminated on " +
                                               FormatRfc3339(kStart)))
      << terminate.status().ToString();
  EXPECT_EQ(Take(), s0);
  EXPECT_EQ(FindPartner(*custody_, "acme")->status, PartnerStatus::kTerminated);

  // Unknown names are kNotFound naming the name, for every transition.
  for (const Status& st : {SuspendPartner(*custody_, "nobody", "").status(),
                           ResumePartner(*custody_, "nobody").status(),
                           TerminatePartner(*custody_, "nobody", "").status()}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound);
    EXPECT_TRUE(Mentions(st, "no partner named 'nobody'")) << st.ToString();
  }
  EXPECT_EQ(Take(), s0);
}

// Risk: two partners or two members under one name (every command and
// report refers to them by name). A duplicate is kAlreadyExists, also for a
// member name used at another partner, and writes nothing.
TEST_F(PartiesTest, DuplicateNamesAreAlreadyExistsAndWriteNothing) {
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  ASSERT_TRUE(AddPartner(*custody_, {"beta", "", "", ""}).ok());
  ASSERT_TRUE(NewMember("acme", "alice").ok());
  const Snapshot s0 = Take();

  auto p = AddPartner(*custody_, {"acme", "other contact", "K-2", ""});
  EXPECT_EQ(p.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Mentions(p.status(), "partner 'acme' already exists")) << p.status().ToString();
  auto same = NewMember("acme", "alice");
  EXPECT_EQ(same.status().code(), StatusCode::kAlreadyExists);
  auto other = NewMember("beta", "alice");
  EXPECT_EQ(other.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Mentions(other.status(), "member 'alice' already exists")) << other.status().ToString();
  EXPECT_EQ(Take(), s0);
  // The first alice is untouched.
  EXPECT_EQ(FindMember(*custody_, "alice")->partner, "acme");
}

// Risk: a name that breaks the places names go (log subjects, file names,
// CSV cells, command lines). Only 1..128 of [A-Za-z0-9._@-] pass; the error
// is kInvalidArgument naming what was checked, and AddPartner/AddMember
// refuse such names before writing anything.
TEST_F(PartiesTest, NamesOutsideTheAllowedAlphabetOrLengthAreRefused) {
  const std::vector<std::string> good = {"a", "acme-labs_2.0@eu", std::string(128, 'x'), "A.B"};
  for (const std::string& ok : good) {
    EXPECT_TRUE(ValidateName("partner name", ok).ok()) << ok;
  }
  struct Case {
    std::string name, message;
  } bad[] = {
      {"", "partner name: expected a name of 1 to 128 characters, found 0"},
      {std::string(129, 'x'), "expected a name of 1 to 128 characters, found 129"},
      {"acme labs", "partner name 'acme labs': expected letters, digits"},
      {"a/b", "partner name 'a/b'"},
      {"a:b", "partner name 'a:b'"},
      {"a,b", "partner name 'a,b'"},
      {"caf\xc3\xa9", "partner name 'caf\xc3\xa9'"},
      {std::string("a\0b", 3), "expected letters"},
      {"tab\t", "expected letters"},
  };
  for (const auto& c : bad) {
    Status s = ValidateName("partner name", c.name);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(Mentions(s, c.message)) << s.ToString();
  }
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  const Snapshot s0 = Take();
  auto p = AddPartner(*custody_, {"bad name", "", "", ""});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(p.status(), "partner name 'bad name'")) << p.status().ToString();
  auto m = NewMember("acme", "bob smith");
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(m.status(), "member name 'bob smith'")) << m.status().ToString();
  EXPECT_EQ(Take(), s0);
}

// Risk: a member added with a key no one can decrypt a release with (wrong
// length), a malformed email, or to a partner that may not receive data.
// Each is refused with its own code and message and writes nothing; a
// resumed partner accepts members again.
TEST_F(PartiesTest, AddMemberChecksKeyEmailAndPartnerStatus) {
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  const std::string key = crypto::X25519Generate().public_key;
  Snapshot s0 = Take();

  auto short_key = AddMember(*custody_, {"acme", "alice", "a@acme", key.substr(0, 31)});
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(short_key.status(), "public key: expected 32 bytes, found 31"))
      << short_key.status().ToString();
  auto email = AddMember(*custody_, {"acme", "alice", "alice.acme", key});
  EXPECT_EQ(email.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(email.status(), "found 'alice.acme'")) << email.status().ToString();
  auto nobody = AddMember(*custody_, {"nobody", "alice", "a@acme", key});
  EXPECT_EQ(nobody.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(nobody.status(), "no partner named 'nobody'")) << nobody.status().ToString();
  EXPECT_EQ(Take(), s0);

  ASSERT_TRUE(SuspendPartner(*custody_, "acme", "audit").ok());
  s0 = Take();
  auto suspended = AddMember(*custody_, {"acme", "alice", "a@acme", key});
  EXPECT_EQ(suspended.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(suspended.status(), "partner 'acme' is suspended")) << suspended.status().ToString();
  EXPECT_EQ(Take(), s0);

  ASSERT_TRUE(ResumePartner(*custody_, "acme").ok());
  s0 = Take();
  auto m = AddMember(*custody_, {"acme", "alice", "a@acme", key});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(LogSize(), s0.log + 1);
  EXPECT_EQ(Rows("members"), s0.members + 1);
  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kMember);
  EXPECT_EQ(ev.subject, "member:alice");
  EXPECT_EQ(ev.details["partner"], "acme");
  EXPECT_EQ(ev.details["public_key"], Base64Encode(key));
  // The key reads back byte for byte.
  EXPECT_EQ(FindMember(*custody_, "alice")->public_key, key);
}

// Risk: a member key that every release encrypted to could be opened with by
// anyone (all zeros, or a point of small order) is accepted.
TEST_F(PartiesTest, AddMemberRefusesAllZeroAndSmallOrderKeys) {
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  const Snapshot s0 = Take();
  auto zero = AddMember(*custody_, {"acme", "alice", "a@acme", std::string(32, '\0')});
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.status().message(), "public_key: X25519 public key is all zeros (not a key)");
  auto one = AddMember(*custody_, {"acme", "alice", "a@acme", std::string("\x01") + std::string(31, '\0')});
  EXPECT_EQ(one.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(one.status(), "small order")) << one.status().ToString();
  EXPECT_EQ(Take(), s0);
}

// Risk: revoking a member twice (a second event, a moved revoked_at) or
// revoking an unknown one silently.
TEST_F(PartiesTest, RevokeMemberOnceThenRefusesWithTheDate) {
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  ASSERT_TRUE(NewMember("acme", "alice").ok());
  clock_.Advance(std::chrono::seconds(3600));
  uint64_t before = LogSize();
  auto r = RevokeMember(*custody_, "alice", "left");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kRevoke);
  EXPECT_EQ(ev.subject, "member:alice");
  EXPECT_EQ(ev.details["what"], "member");
  EXPECT_EQ(ev.details["reason"], "left");
  auto m = FindMember(*custody_, "alice");
  EXPECT_EQ(m->status, MemberStatus::kRevoked);
  EXPECT_EQ(m->revoked_at, kStart + std::chrono::seconds(3600));

  clock_.Advance(std::chrono::seconds(3600));
  const Snapshot s0 = Take();
  auto again = RevokeMember(*custody_, "alice", "again");
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(again.status(), "member 'alice' was already revoked on " +
                                           FormatRfc3339(kStart + std::chrono::seconds(3600))))
      << again.status().ToString();
  auto unknown = RevokeMember(*custody_, "zed", "");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(unknown.status(), "no member named 'zed'"));
  EXPECT_EQ(Take(), s0);
  EXPECT_EQ(FindMember(*custody_, "alice")->revoked_at, kStart + std::chrono::seconds(3600));
}

// Risk: a grant that lets data go where it should not: to a member of
// another partner (kInvalidArgument naming both partners), to a revoked
// member or a suspended partner (kFailedPrecondition), with an expiry that
// is not in the future, or without a purpose. None writes a row or an event.
TEST_F(PartiesTest, GrantRefusalsNameTheReasonAndWriteNothing) {
  IngestGenerated(20);
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  ASSERT_TRUE(AddPartner(*custody_, {"beta", "", "", ""}).ok());
  ASSERT_TRUE(NewMember("acme", "alice").ok());
  ASSERT_TRUE(NewMember("acme", "ann").ok());
  ASSERT_TRUE(NewMember("beta", "bob").ok());
  ASSERT_TRUE(RevokeMember(*custody_, "ann", "left").ok());
  ASSERT_TRUE(SuspendPartner(*custody_, "beta", "audit").ok());
  const Snapshot s0 = Take();

  struct Case {
    std::string what;
    GrantSpec spec;
    StatusCode code;
    std::string message;
  };
  std::vector<Case> cases;
  cases.push_back({"member of another partner", Spec("acme", "bob"), StatusCode::kInvalidArgument,
                   "member: expected a member of partner 'acme', found 'bob' of 'beta'"});
  cases.push_back({"revoked member", Spec("acme", "ann"), StatusCode::kFailedPrecondition,
                   "member 'ann' is revoked"});
  cases.push_back({"suspended partner", Spec("beta"), StatusCode::kFailedPrecondition,
                   "partner 'beta' is suspended; it cannot receive grants"});
  GrantSpec now = Spec("acme");
  now.expires_at = clock_.Now();
  cases.push_back({"expires now", now, StatusCode::kInvalidArgument,
                   "expires_at: expected a time in the future, found " + FormatRfc3339(kStart)});
  GrantSpec past = Spec("acme");
  past.expires_at = clock_.Now() - std::chrono::seconds(86400);
  cases.push_back({"expired", past, StatusCode::kInvalidArgument,
                   "found " + FormatRfc3339(kStart - std::chrono::seconds(86400))});
  GrantSpec no_purpose = Spec("acme");
  no_purpose.purpose = "";
  cases.push_back({"no purpose", no_purpose, StatusCode::kInvalidArgument, "purpose: "});
  GrantSpec no_dataset = Spec("acme");
  no_dataset.dataset = "nope";
  cases.push_back({"unknown dataset", no_dataset, StatusCode::kNotFound, "no dataset named 'nope'"});
  cases.push_back({"unknown member", Spec("acme", "zed"), StatusCode::kNotFound,
                   "no member named 'zed'"});
  cases.push_back({"unknown partner", Spec("nobody"), StatusCode::kNotFound,
                   "no partner named 'nobody'"});
  GrantSpec out_of_range = Spec("acme");
  out_of_range.selection.kind = Selection::Kind::kIds;
  ASSERT_TRUE(out_of_range.selection.ids.Add(first_id_ + 20).ok());  // one past the version's records
  cases.push_back({"id outside the version", out_of_range, StatusCode::kInvalidArgument,
                   "ids: record " + std::to_string(first_id_ + 20) + " is not in math v1"});

  for (const auto& c : cases) {
    auto g = AddGrant(*custody_, c.spec);
    ASSERT_FALSE(g.ok()) << c.what;
    EXPECT_EQ(g.status().code(), c.code) << c.what << ": " << g.status().ToString();
    EXPECT_TRUE(Mentions(g.status(), c.message)) << c.what << ": " << g.status().ToString();
    EXPECT_EQ(Take(), s0) << c.what;
  }

  // One second in the future is fine, and is one event with one row.
  GrantSpec soon = Spec("acme", "alice");
  soon.expires_at = clock_.Now() + std::chrono::seconds(1);
  auto g = AddGrant(*custody_, soon);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(LogSize(), s0.log + 1);
  EXPECT_EQ(Rows("grants"), s0.grants + 1);
  EXPECT_EQ(g->member, "alice");
  EXPECT_EQ(g->partner, "acme");
  EXPECT_EQ(g->version, 1);
  EXPECT_EQ(g->expires_at, kStart + std::chrono::seconds(1));
  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kGrant);
  EXPECT_EQ(ev.subject, "grant:" + ToString(g->id));
  EXPECT_EQ(ev.details["member"], "alice");
  EXPECT_EQ(ev.details["expires_at"], FormatRfc3339(kStart + std::chrono::seconds(1)));
}

// Risk: revoking a grant twice, or an unknown grant being reported as
// revoked; a revoked grant keeps its first revocation time.
TEST_F(PartiesTest, RevokeGrantOnceThenRefuses) {
  IngestGenerated(10);
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  GrantId id = AddGrantFor("acme");
  clock_.Advance(std::chrono::seconds(10));
  uint64_t before = LogSize();
  auto r = RevokeGrant(*custody_, id, "done");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(r->status, store::GrantStatus::kRevoked);
  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kRevoke);
  EXPECT_EQ(ev.subject, "grant:" + ToString(id));
  EXPECT_EQ(ev.details["grant_id"], id);
  EXPECT_EQ(GetGrant(*custody_, id)->revoked_at, kStart + std::chrono::seconds(10));

  clock_.Advance(std::chrono::seconds(10));
  const Snapshot s0 = Take();
  auto again = RevokeGrant(*custody_, id, "");
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(again.status(), "grant " + ToString(id) + " was already revoked on " +
                                           FormatRfc3339(kStart + std::chrono::seconds(10))))
      << again.status().ToString();
  auto unknown = RevokeGrant(*custody_, GrantId(id.value() + 100), "");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(unknown.status(), "no grant with id " + std::to_string(id.value() + 100)));
  EXPECT_EQ(Take(), s0);
  EXPECT_EQ(GetGrant(*custody_, id)->revoked_at, kStart + std::chrono::seconds(10));
}

// Risk: terminating one partner reaching into another's members or grants,
// re-revoking (and re-dating) what was already revoked, or taking more than
// one log entry. The one event lists exactly the ids it revoked.
TEST_F(PartiesTest, TerminateRevokesOnlyThatPartnersActiveMembersAndGrantsInOneEntry) {
  IngestGenerated(20);
  Member alice = AddPartnerAndMember("acme", "alice");
  Member ann = AddPartnerAndMember("acme", "ann");
  Member amy = AddPartnerAndMember("acme", "amy");
  Member bob = AddPartnerAndMember("beta", "bob");
  GrantId g1 = AddGrantFor("acme");
  GrantId g2 = AddGrantFor("acme", {}, "alice");
  GrantId g3 = AddGrantFor("acme");
  GrantId gb = AddGrantFor("beta");
  ASSERT_TRUE(RevokeMember(*custody_, "amy", "left").ok());
  ASSERT_TRUE(RevokeGrant(*custody_, g3, "done").ok());
  const Time amy_revoked = *FindMember(*custody_, "amy")->revoked_at;

  clock_.Advance(std::chrono::seconds(86400));
  const uint64_t before = LogSize();
  auto t = TerminatePartner(*custody_, "acme", "breach");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(t->log_index, before);
  EXPECT_EQ(t->partner.status, PartnerStatus::kTerminated);
  EXPECT_EQ(t->revoked_members, (std::vector<MemberId>{alice.id, ann.id}));
  EXPECT_EQ(t->revoked_grants, (std::vector<GrantId>{g1, g2}));

  ledger::Event ev = LastEvent();
  EXPECT_EQ(ev.type, ledger::event_type::kPartner);
  EXPECT_EQ(ev.details["action"], "terminate");
  EXPECT_EQ(ev.details["reason"], "breach");
  EXPECT_EQ(ev.details["revoked_members"], nlohmann::json({alice.id, ann.id}));
  EXPECT_EQ(ev.details["revoked_grants"], nlohmann::json({g1, g2}));

  EXPECT_EQ(FindMember(*custody_, "alice")->revoked_at, kStart + std::chrono::seconds(86400));
  EXPECT_EQ(FindMember(*custody_, "amy")->revoked_at, amy_revoked);  // not re-dated
  EXPECT_EQ(GetGrant(*custody_, g1)->status, store::GrantStatus::kRevoked);
  EXPECT_EQ(GetGrant(*custody_, g2)->revoked_at, kStart + std::chrono::seconds(86400));
  EXPECT_EQ(GetGrant(*custody_, g3)->revoked_at, kStart);  // revoked before, not re-dated
  // The other partner is untouched.
  EXPECT_EQ(FindPartner(*custody_, "beta")->status, PartnerStatus::kActive);
  EXPECT_EQ(FindMember(*custody_, "bob")->status, MemberStatus::kActive);
  EXPECT_EQ(GetGrant(*custody_, gb)->status, store::GrantStatus::kActive);
  EXPECT_EQ(bob.partner, "beta");

  // A terminated partner can get neither members nor grants.
  const Snapshot s0 = Take();
  auto m = NewMember("acme", "newbie");
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(m.status(), "partner 'acme' is terminated")) << m.status().ToString();
  auto g = AddGrant(*custody_, Spec("acme"));
  EXPECT_EQ(g.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(g.status(), "partner 'acme' is terminated")) << g.status().ToString();
  EXPECT_EQ(Take(), s0);
}

// Risk: a suspension that revokes (it must not: it is reversible), so a
// resumed partner would find its grants and members gone.
TEST_F(PartiesTest, SuspendKeepsMembersAndGrantsForResume) {
  IngestGenerated(10);
  AddPartnerAndMember("acme", "alice");
  GrantId g = AddGrantFor("acme");
  ASSERT_TRUE(SuspendPartner(*custody_, "acme", "").ok());
  EXPECT_EQ(FindMember(*custody_, "alice")->status, MemberStatus::kActive);
  EXPECT_EQ(GetGrant(*custody_, g)->status, store::GrantStatus::kActive);
  auto refused = DoRelease(g, "alice", "a.jsonl");  // but nothing goes out meanwhile
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(refused.status(), "suspended")) << refused.status().ToString();
  ASSERT_TRUE(ResumePartner(*custody_, "acme").ok());
  EXPECT_TRUE(DoRelease(g, "alice", "a.jsonl").ok());
}

// Risk: list filters that leak another partner's rows, or an unknown
// partner filter answering "none" instead of an error.
TEST_F(PartiesTest, ListFiltersSelectOnePartnerAndUnknownIsNotFound) {
  IngestGenerated(10);
  AddPartnerAndMember("acme", "zoe");
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("beta", "bob");
  ASSERT_TRUE(AddPartner(*custody_, {"gamma", "", "", ""}).ok());
  GrantId ga = AddGrantFor("acme");
  GrantId gb = AddGrantFor("beta", {}, "bob");
  GrantId ga2 = AddGrantFor("acme", {}, "zoe");

  auto all = ListMembers(*custody_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "alice");  // by name
  EXPECT_EQ((*all)[1].name, "bob");
  EXPECT_EQ((*all)[2].name, "zoe");
  auto acme = ListMembers(*custody_, "acme");
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 2u);
  for (const auto& m : *acme) EXPECT_EQ(m.partner, "acme");
  auto gamma = ListMembers(*custody_, "gamma");
  ASSERT_TRUE(gamma.ok());
  EXPECT_TRUE(gamma->empty());
  auto unknown = ListMembers(*custody_, "nobody");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);

  auto grants = ListGrants(*custody_);
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 3u);
  EXPECT_EQ((*grants)[0].id, ga);  // by id
  EXPECT_EQ((*grants)[1].id, gb);
  EXPECT_EQ((*grants)[2].id, ga2);
  auto acme_grants = ListGrants(*custody_, "acme");
  ASSERT_TRUE(acme_grants.ok());
  ASSERT_EQ(acme_grants->size(), 2u);
  EXPECT_EQ((*acme_grants)[0].id, ga);
  EXPECT_EQ((*acme_grants)[1].id, ga2);
  EXPECT_EQ((*acme_grants)[1].member, "zoe");
  auto beta_grants = ListGrants(*custody_, "beta");
  ASSERT_TRUE(beta_grants.ok());
  ASSERT_EQ(beta_grants->size(), 1u);
  EXPECT_EQ((*beta_grants)[0].member, "bob");
  EXPECT_TRUE(ListGrants(*custody_, "gamma")->empty());
  EXPECT_EQ(ListGrants(*custody_, "nobody").status().code(), StatusCode::kNotFound);
}

// Risk: a member key accepted that is not 32 bytes, or a key file read
// wrongly. Base64 text or a file of it (surrounding whitespace ignored); any
// other input is kInvalidArgument saying where and what was found.
TEST_F(PartiesTest, ParsePublicKeyAcceptsBase64TextOrFileOf32Bytes) {
  Env* env = Env::Default();
  const std::string key = crypto::X25519Generate().public_key;
  const std::string b64 = Base64Encode(key);
  auto direct = ParsePublicKey(env, b64);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(*direct, key);
  auto padded = ParsePublicKey(env, "  " + b64 + "\n");
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(*padded, key);

  const std::string file = root_ + "/alice.pub";
  std::ofstream(file, std::ios::binary) << b64 << "\r\n";
  auto from_file = ParsePublicKey(env, file);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(*from_file, key);

  auto short_key = ParsePublicKey(env, Base64Encode(key.substr(0, 31)));
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(short_key.status(),
                       "public_key: public key: expected base64 of 32 bytes, found 31 bytes"))
      << short_key.status().ToString();
  auto long_key = ParsePublicKey(env, Base64Encode(key + "x"));
  EXPECT_TRUE(Mentions(long_key.status(), "found 33 bytes")) << long_key.status().ToString();
  auto garbage = ParsePublicKey(env, "not a key!");
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(garbage.status(), "found text that is not base64")) << garbage.status().ToString();
  auto empty = ParsePublicKey(env, "");
  EXPECT_TRUE(Mentions(empty.status(), "found 0 bytes")) << empty.status().ToString();

  const std::string bad_file = root_ + "/bad.pub";
  std::ofstream(bad_file, std::ios::binary) << Base64Encode(std::string(16, 'k')) << "\n";
  auto from_bad = ParsePublicKey(env, bad_file);
  EXPECT_EQ(from_bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(from_bad.status(),
                       bad_file + ":1: public key: expected base64 of 32 bytes, found 16 bytes"))
      << from_bad.status().ToString();
}

}  // namespace
}  // namespace custody::core
