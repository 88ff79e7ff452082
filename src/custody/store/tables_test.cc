// The catalog's typed tables: rows written are the rows read back, filters
// select what they say, and a stored value this code never writes is
// reported as data loss naming the row, not passed on.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "custody/base/env.h"
#include "custody/store/catalog.h"
#include "custody/store/testing/catalog_backend_test.h"

namespace custody::store {
namespace {

// A time given in Unix seconds.
Time T(int64_t seconds) { return FromUnixSeconds(seconds); }

// Runs on both catalog backends (testing/catalog_backend_test.h).
class TablesTest : public testing::CatalogBackendTest {
 protected:
  void SetUp() override {
    CatalogBackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto c = Catalog::Open(location(), true);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  void TearDown() override {
    catalog_.reset();
    CatalogBackendTest::TearDown();
  }

  PartnerId AddPartner(const std::string& name) {
    PartnerRow p;
    p.name = name;
    p.contract = "C-" + name;
    p.created_at = p.changed_at = T(100);
    auto id = catalog_->partners().Insert(p);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  MemberId AddMember(PartnerId partner, const std::string& name) {
    MemberRow m;
    m.partner_id = partner;
    m.name = name;
    m.email = name + "@example.org";
    m.public_key = std::string(32, '\x07');
    m.created_at = T(200);
    auto id = catalog_->members().Insert(m);
    EXPECT_TRUE(id.ok());
    return *id;
  }

  std::unique_ptr<Catalog> catalog_;
};

TEST_P(TablesTest, PartnersAndMembersRoundTrip) {
  const PartnerId acme = AddPartner("acme");
  const PartnerId beta = AddPartner("beta");
  const MemberId ann = AddMember(acme, "ann");
  AddMember(beta, "bob");
  auto p = catalog_->partners().FindByName("acme");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->id, acme);
  EXPECT_EQ((*p)->contract, "C-acme");
  EXPECT_EQ((*p)->status, PartnerStatus::kActive);
  EXPECT_FALSE(catalog_->partners().FindByName("nobody")->has_value());
  EXPECT_EQ(catalog_->partners().List()->size(), 2u);

  auto m = catalog_->members().Get(ann);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->partner, "acme");
  EXPECT_EQ((*m)->public_key, std::string(32, '\x07'));
  EXPECT_EQ(catalog_->members().List()->size(), 2u);
  ASSERT_EQ(catalog_->members().List(acme)->size(), 1u);
  EXPECT_EQ(catalog_->members().List(acme)->front().name, "ann");

  ASSERT_TRUE(catalog_->partners().SetStatus(acme, PartnerStatus::kSuspended, T(300)).ok());
  EXPECT_EQ((*catalog_->partners().Get(acme))->status, PartnerStatus::kSuspended);
  EXPECT_EQ((*catalog_->partners().Get(acme))->changed_at, T(300));
  EXPECT_EQ(catalog_->partners().SetStatus(PartnerId(999), PartnerStatus::kActive, T(1)).code(),
            StatusCode::kNotFound);

  ASSERT_TRUE(catalog_->members().Revoke(ann, T(400)).ok());
  EXPECT_EQ((*catalog_->members().Get(ann))->status, MemberStatus::kRevoked);
  EXPECT_EQ((*catalog_->members().Get(ann))->revoked_at, T(400));
  // Only an active member can be revoked.
  EXPECT_EQ(catalog_->members().Revoke(ann, T(500)).code(), StatusCode::kNotFound);
}

TEST_P(TablesTest, RevokeAllOfAPartnerReturnsTheIdsItRevoked) {
  const PartnerId acme = AddPartner("acme");
  const PartnerId other = AddPartner("other");
  const MemberId a = AddMember(acme, "a");
  const MemberId b = AddMember(acme, "b");
  AddMember(other, "c");
  ASSERT_TRUE(catalog_->members().Revoke(a, T(10)).ok());
  auto ids = catalog_->members().RevokeAllOf(acme, T(20));
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<MemberId>{b});
  EXPECT_EQ((*catalog_->members().FindByName("c"))->status, MemberStatus::kActive);
  EXPECT_EQ((*catalog_->members().Get(a))->revoked_at, T(10));  // not rewritten
}

TEST_P(TablesTest, ValuesThisCodeNeverWritesAreDataLossNamingTheRow) {
  const PartnerId acme = AddPartner("acme");
  const MemberId ann = AddMember(acme, "ann");
  Tamper("UPDATE partners SET status = 'friendly' WHERE id = " + ToString(acme));
  auto p = catalog_->partners().Get(acme);
  ASSERT_EQ(p.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(p.status().message().find("catalog partners row 1: status"), std::string::npos)
      << p.status().ToString();
  EXPECT_NE(p.status().message().find("friendly"), std::string::npos);
  Tamper("UPDATE partners SET status = 'active'");
  Tamper("UPDATE members SET public_key = '%%%' WHERE id = " + ToString(ann));
  auto m = catalog_->members().Get(ann);
  ASSERT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(m.status().message().find("catalog members row 1: public_key"), std::string::npos)
      << m.status().ToString();
  // The list fails too: no row is silently skipped.
  EXPECT_EQ(catalog_->members().List().status().code(), StatusCode::kDataLoss);
}

TEST_P(TablesTest, ReleasesCanariesAndIncidents) {
  const PartnerId acme = AddPartner("acme");
  const MemberId ann = AddMember(acme, "ann");
  auto ds = catalog_->GetOrCreateDataset("d", T(1));
  ASSERT_TRUE(ds.ok());
  DatasetVersionInfo v;
  v.dataset_id = ds->id;
  v.version = 1;
  v.records = 10;
  v.first_record_id = 1;
  v.dir = "records/1/v1";
  v.text_fields = "[]";
  v.sources = "[]";
  auto vid = catalog_->InsertPendingVersion(v, {});
  ASSERT_TRUE(vid.ok()) << vid.status().ToString();
  GrantRow g;
  g.partner_id = acme;
  g.dataset_id = ds->id;
  g.version_id = *vid;
  g.fields_json = "[]";
  g.selection_json = R"({"kind":"all"})";
  g.expires_at = T(1000);
  g.purpose = "labeling";
  auto gid = catalog_->grants().Insert(g);
  ASSERT_TRUE(gid.ok());
  EXPECT_EQ((*catalog_->grants().Get(*gid))->dataset, "d");
  EXPECT_FALSE((*catalog_->grants().Get(*gid))->member_id.has_value());

  ReleaseRow r;
  r.grant_id = *gid;
  r.member_id = ann;
  r.created_at = T(500);
  r.format = "jsonl";
  r.records = 3;
  r.record_bitmap = std::string("\x00\x01\x02", 3);
  auto rid = catalog_->releases().Insert(r);
  ASSERT_TRUE(rid.ok());
  ASSERT_TRUE(catalog_->releases().SetCanaries(*rid, 2, "ph").ok());
  ASSERT_TRUE(catalog_->releases().SetLogIndex(*rid, 7).ok());
  ASSERT_TRUE(catalog_->releases().SetFileHash(*rid, "fh").ok());
  EXPECT_EQ(catalog_->releases().SetFileHash(ReleaseId(rid->value() + 1), "fh").code(), StatusCode::kNotFound);
  ReleaseFilter f;
  auto all = catalog_->releases().Holdings(f);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  const ReleaseHolding& h = all->front();
  EXPECT_EQ(h.release.record_bitmap, std::string("\x00\x01\x02", 3));
  EXPECT_EQ(h.release.canaries, 2u);
  EXPECT_EQ(h.release.log_index, 7);
  EXPECT_EQ(h.release.file_hash, "fh");
  EXPECT_EQ(h.partner_id, acme);
  EXPECT_EQ(h.selection_json, R"({"kind":"all"})");
  f.at = T(499);  // before the release
  EXPECT_TRUE(catalog_->releases().Holdings(f)->empty());
  f.at.reset();
  f.member_id = MemberId(ann.value() + 1);
  EXPECT_TRUE(catalog_->releases().Holdings(f)->empty());

  auto c1 = catalog_->canaries().Insert({CanaryId(), *rid, ann, RecordId(4), "sealed-1", std::string("tag-1")});
  auto c2 = catalog_->canaries().Insert({CanaryId(), *rid, ann, RecordId(5), "sealed-2", std::nullopt});
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_TRUE(*catalog_->canaries().TagExists("tag-1"));
  EXPECT_FALSE(*catalog_->canaries().TagExists("tag-2"));
  ASSERT_EQ(catalog_->canaries().List(true)->size(), 1u);
  EXPECT_EQ(catalog_->canaries().List(true)->front().id, *c2);
  ASSERT_TRUE(catalog_->canaries().SetTag(*c2, "tag-2").ok());
  EXPECT_TRUE(catalog_->canaries().List(true)->empty());
  EXPECT_EQ(catalog_->canaries().List()->size(), 2u);

  auto i1 = catalog_->incidents().Insert({IncidentId(), T(600), "leak", "{}", "rh", "{}", std::nullopt});
  ASSERT_TRUE(i1.ok());
  // Until its log event is recorded an incident is invisible, and recovery's.
  EXPECT_TRUE(catalog_->incidents().List()->empty());
  EXPECT_FALSE(catalog_->incidents().Get(*i1)->has_value());
  EXPECT_EQ(*catalog_->incidents().Unlogged(), std::vector<IncidentId>{*i1});
  ASSERT_TRUE(catalog_->incidents().SetLogIndex(*i1, 9).ok());
  EXPECT_EQ((*catalog_->incidents().Get(*i1))->title, "leak");
  EXPECT_TRUE(catalog_->incidents().Unlogged()->empty());
  ASSERT_TRUE(catalog_->incidents().Delete(*i1).ok());
  EXPECT_TRUE(catalog_->incidents().List()->empty());
}

TEST_P(TablesTest, TransactionRollsBackOnError) {
  Status s = catalog_->Transaction([&]() -> Status {
    PartnerRow p;
    p.name = "gone";
    CUSTODY_RETURN_IF_ERROR(catalog_->partners().Insert(p).status());
    return InternalError("later step failed");
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_TRUE(catalog_->partners().List()->empty());
  ASSERT_TRUE(catalog_->Transaction([&]() -> Status {
    PartnerRow p;
    p.name = "kept";
    return catalog_->partners().Insert(p).status();
  }).ok());
  EXPECT_EQ(catalog_->partners().List()->size(), 1u);
}

TEST_P(TablesTest, AuditRowsRoundTripAndTamperingIsDataLoss) {
  const PartnerId p = AddPartner("acme");
  SubmissionRow s;
  s.partner_id = p;
  s.created_at = T(300);
  s.control_set = "custody-partner-controls@1";
  s.answers_json = "{}";
  s.answers_sha256 = "ab";
  s.posture_millis = 912;
  s.grade = "A";
  s.log_index = 4;
  auto id = catalog_->audits().InsertSubmission(s);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(catalog_->audits().InsertEvidence({0, *id, "IAM-02", "mfa.pdf", "cd", 3, "sealed"}).ok());
  auto rows = catalog_->audits().Submissions(p);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].posture_millis, 912);
  EXPECT_EQ((*rows)[0].log_index, 4);
  auto ev = catalog_->audits().Evidence(*id);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].sealed, "sealed");
  EXPECT_TRUE(catalog_->audits().Submissions(AddPartner("other"))->empty());

  Tamper("UPDATE audit_submissions SET grade = 'Z'");
  auto bad = catalog_->audits().Submissions(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("catalog audit_submissions row 1: grade"), std::string::npos);

  AttestationRow a;
  a.partner_id = p;
  a.grant_id = GrantId(7);
  a.created_at = T(400);
  a.file_name = "cert.pdf";
  a.sha256 = "ef";
  a.sealed = "x";
  // Grant 7 does not exist: write the row with foreign keys off.
  auto db = OpenRawWithoutForeignKeys();
  ASSERT_NE(db, nullptr);
  AuditTables raw(db.get());
  ASSERT_TRUE(raw.InsertAttestation(a).ok());
  auto att = catalog_->audits().Attestations(p);
  ASSERT_TRUE(att.ok()) << att.status().ToString();
  ASSERT_EQ(att->size(), 1u);
  EXPECT_EQ((*att)[0].grant_id, GrantId(7));
  EXPECT_FALSE((*att)[0].release_id.valid());
  Tamper("UPDATE deletion_attestations SET grant_id = NULL");
  EXPECT_EQ(catalog_->audits().Attestations(p).status().code(), StatusCode::kDataLoss);
}

TEST_P(TablesTest, DatasetSensitivityDefaultsToConfidential) {
  auto d = catalog_->GetOrCreateDataset("math", T(1));
  ASSERT_TRUE(d.ok());
  auto s = catalog_->audits().GetSensitivity(d->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, Sensitivity::kConfidential);
  ASSERT_TRUE(catalog_->audits().SetSensitivity(d->id, Sensitivity::kRestricted).ok());
  EXPECT_EQ(*catalog_->audits().GetSensitivity(d->id), Sensitivity::kRestricted);
  EXPECT_EQ(catalog_->audits().SetSensitivity(DatasetId(99), Sensitivity::kPublic).code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(ParseSensitivity("secret").ok());
  Tamper("UPDATE datasets SET sensitivity = 'secret'");
  auto bad = catalog_->audits().GetSensitivity(d->id);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("catalog datasets row 1"), std::string::npos);
}

CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(TablesTest);

}  // namespace
}  // namespace custody::store
