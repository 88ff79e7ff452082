#include "custody/store/catalog.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "custody/base/env.h"
#include "custody/store/catalog_schema.h"
#include "custody/store/sqlite.h"
#include "custody/store/testing/catalog_backend_test.h"

namespace custody::store {
namespace {

// Migrations of older SQLite catalogs (a PostgreSQL catalog starts at
// kPostgresBaselineVersion: no older one exists).
class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_catalog_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { Env::Default()->RemoveTree(dir_).IgnoreError(); }
  std::string dir_;
};

TEST_F(CatalogTest, MigratesV1CatalogKeepingData) {
  std::string path = dir_ + "/c.db";
  {
    // A catalog left at schema v1 by an older custody, holding one dataset.
    auto db = *OpenSqliteDb(path, true);
    ASSERT_TRUE(db->Exec(kCatalogMigrations[0]).ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 1").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO datasets(name, created_at) VALUES ('old', 1767225600)").ok());
  }
  auto c = Catalog::Open(path, false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*(*c)->SchemaVersion(), kCatalogSchemaVersion);
  auto old = *(*c)->FindDataset("old");
  ASSERT_TRUE(old.has_value());
  // v4: the time stored in seconds is now the same instant in milliseconds.
  EXPECT_EQ(old->created_at, FromUnixSeconds(1767225600));
  EXPECT_EQ(FormatRfc3339(old->created_at), "2026-01-01T00:00:00Z");
  EXPECT_TRUE((*c)->partners().List().ok());
  c->reset();
  // A catalog from a newer custody is refused, not damaged.
  ASSERT_TRUE((*OpenSqliteDb(path, false))->Exec("PRAGMA user_version = 99").ok());
  EXPECT_EQ(Catalog::Open(path, false).status().code(), StatusCode::kFailedPrecondition);
  // A file that is not SQLite is reported, not trusted.
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(dir_ + "/junk.db", std::string(4096, 'x')).ok());
  EXPECT_FALSE(Catalog::Open(dir_ + "/junk.db", false).ok());
}

// v7 rebuilds incident_entries (a 'contain' action, step_log_index): the
// notes of a v6 catalog survive with their ids and log indexes.
TEST_F(CatalogTest, MigratesV6IncidentEntriesKeepingThem) {
  std::string path = dir_ + "/c.db";
  {
    auto db = *OpenSqliteDb(path, true);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(db->Exec(kCatalogMigrations[i]).ok()) << i;
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 6").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO incidents(id, created_at, title, trace_json, records_hash, verdict, "
                         "log_index) VALUES (1, 1767225600000, 't', '{}', 'ab', '{}', 4)").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO incident_entries(id, incident_id, created_at, action, actor, text, "
                         "log_index) VALUES (3, 1, 1767225600000, 'note', 'ann', 'called them', 5)").ok());
  }
  auto c = Catalog::Open(path, false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*(*c)->SchemaVersion(), kCatalogSchemaVersion);
  auto entries = (*c)->incidents().Entries(IncidentId(1));
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, 3);
  EXPECT_EQ((*entries)[0].text, "called them");
  EXPECT_EQ((*entries)[0].log_index, 5);
  EXPECT_FALSE((*entries)[0].step_log_index.has_value());
  auto added = (*c)->incidents().InsertEntry(
      IncidentEntryRow{0, IncidentId(1), FromUnixSeconds(1767225700), "contain", "ann", "revoked", 7, 6});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_FALSE((*c)->incidents()
                   .InsertEntry(IncidentEntryRow{0, IncidentId(1), FromUnixSeconds(1), "erase", "a", "x", 8, {}})
                   .ok());  // the CHECK still holds
  auto u = (*c)->incidents().Updates(IncidentId(1));
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->empty());
}

// The catalog on both backends (testing/catalog_backend_test.h).
class CatalogBackendsTest : public testing::CatalogBackendTest {};

TEST_P(CatalogBackendsTest, VersionsAndRecordRanges) {
  auto c = *Catalog::Open(location(), true);
  auto ds = *c->GetOrCreateDataset("gsm8k", FromUnixSeconds(100));
  EXPECT_EQ(c->GetOrCreateDataset("gsm8k", FromUnixSeconds(200))->id, ds.id);
  EXPECT_EQ(*c->NextVersionNumber(ds.id), 1);
  DatasetVersionInfo v;
  v.dataset_id = ds.id;
  v.version = 1;
  v.records = 10;
  v.first_record_id = *c->PeekNextRecordId();
  v.text_fields = "[]";
  v.sources = "[]";
  SegmentInfo s1{VersionId(), 1, v.first_record_id, 6, "a", 1};
  SegmentInfo s2{VersionId(), 2, v.first_record_id + 6, 4, "b", 1};
  auto id = c->InsertPendingVersion(v, {s1, s2});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  // Pending versions do not own their records yet.
  EXPECT_EQ(c->VersionOfRecord(RecordId(v.first_record_id)).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(c->CommitVersion(*id, 5).ok());
  EXPECT_FALSE(c->CommitVersion(*id, 5).ok());
  EXPECT_EQ(c->VersionOfRecord(RecordId(v.first_record_id + 9))->dataset, "gsm8k");
  EXPECT_EQ(c->VersionOfRecord(RecordId(v.first_record_id + 10)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c->SegmentOfRecord(RecordId(v.first_record_id + 7))->file, "b");
  EXPECT_EQ(c->SegmentOfRecord(RecordId(v.first_record_id + 5))->file, "a");
  EXPECT_EQ(*c->PeekNextRecordId(), v.first_record_id + 10);
  EXPECT_EQ(*c->NextVersionNumber(ds.id), 2);
}

TEST_P(CatalogBackendsTest, NewerSchemaIsRefusedNotDamaged) {
  ASSERT_TRUE(Catalog::Open(location(), true).ok());
  {
    auto db = OpenRaw();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->SetSchemaVersion(kCatalogSchemaVersion + 1).ok());
  }
  auto c = Catalog::Open(location(), false);
  EXPECT_EQ(c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("newer than this custody supports"), std::string::npos);
  EXPECT_EQ(*OpenRaw()->SchemaVersion(), kCatalogSchemaVersion + 1);
}

TEST_P(CatalogBackendsTest, ReopensWithDataAndIdFloors) {
  {
    auto c = *Catalog::Open(location(), true);
    EXPECT_EQ(*c->SchemaVersion(), kCatalogSchemaVersion);
    ASSERT_TRUE(c->ReserveIdsThrough("datasets", 41).ok());
    EXPECT_EQ(c->GetOrCreateDataset("a", FromUnixSeconds(1))->id, DatasetId(42));
    EXPECT_EQ(c->ReserveIdsThrough("segments", 1).code(), StatusCode::kInvalidArgument);
  }
  auto c = Catalog::Open(location(), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->FindDataset("a")->value().id, DatasetId(42));
  EXPECT_EQ((*c)->GetOrCreateDataset("b", FromUnixSeconds(2))->id, DatasetId(43));
  // A transaction that fails leaves nothing behind.
  Status s = (*c)->Transaction([&]() -> Status {
    CUSTODY_RETURN_IF_ERROR((*c)->GetOrCreateDataset("c", FromUnixSeconds(3)).status());
    return AbortedError("changed my mind");
  });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_FALSE((*c)->FindDataset("c")->has_value());
  // Two rows may not share a name: the constraint holds on both backends.
  ASSERT_TRUE((*c)->partners()
                  .Insert(PartnerRow{PartnerId(), "p", "", "", "", PartnerStatus::kActive,
                                     FromUnixSeconds(1), FromUnixSeconds(1)})
                  .ok());
  EXPECT_EQ((*c)->partners()
                .Insert(PartnerRow{PartnerId(), "p", "", "", "", PartnerStatus::kActive,
                                   FromUnixSeconds(1), FromUnixSeconds(1)})
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  // Names order bytewise on both backends (SQLite BINARY, PostgreSQL "C").
  for (const char* name : {"b-", "B", "a", "_z", "Z"}) {
    ASSERT_TRUE((*c)->GetOrCreateDataset(name, FromUnixSeconds(4)).ok());
  }
  std::string order;
  auto listed = (*c)->ListDatasets();
  ASSERT_TRUE(listed.ok());
  for (const auto& d : *listed) order += d.name + " ";
  EXPECT_EQ(order, "B Z _z a b b- ");
}

TEST_P(CatalogBackendsTest, DeletesEmptyDatasetsAndPendingVersions) {
  auto c = *Catalog::Open(location(), true);
  auto kept = *c->GetOrCreateDataset("kept", FromUnixSeconds(1));
  ASSERT_TRUE(c->GetOrCreateDataset("empty", FromUnixSeconds(1)).ok());
  DatasetVersionInfo v;
  v.dataset_id = kept.id;
  v.version = 1;
  v.records = 3;
  v.first_record_id = *c->PeekNextRecordId();
  v.text_fields = v.sources = "[]";
  auto id =
      *c->InsertPendingVersion(v, {SegmentInfo{VersionId(), 1, v.first_record_id, 3, "s", 9}});
  EXPECT_EQ(*c->DeleteEmptyDatasets(), 1);
  EXPECT_FALSE(c->FindDataset("empty")->has_value());
  ASSERT_TRUE(c->DeletePendingVersion(id).ok());
  EXPECT_TRUE(c->SegmentsOf(id)->empty());
  EXPECT_EQ(c->GetVersion(id).status().code(), StatusCode::kNotFound);
  // Record ids of a version that is gone stay reserved.
  EXPECT_EQ(*c->PeekNextRecordId(), v.first_record_id + 3);
  // A version whose record ids moved meanwhile is refused, not inserted.
  v.first_record_id -= 1;
  EXPECT_EQ(c->InsertPendingVersion(v, {}).status().code(), StatusCode::kAborted);
  EXPECT_TRUE(c->ListVersions(DatasetId(), true)->empty());
}

CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(CatalogBackendsTest);

}  // namespace
}  // namespace custody::store
