// Crash recovery through core::OpenVault (every module's step): the state a
// crash leaves behind is built by hand (catalog rows changed through a second
// SQLite connection, log entries appended without the work that follows
// them), then the vault is reopened and must be finished or undone exactly
// as the log says: ingest (staging, pending versions, empty datasets), the
// vault's own shred step, and incidents. Also: recovery is idempotent, it
// appends nothing to the log, and it is the modules' steps that do it.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/core/custody_core.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/parties/parties.h"
#include "custody/core/trace/incident.h"
#include "custody/core/vault/records.h"
#include "custody/core/vault/temp_vault.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

class RecoveryTest : public testing::TempVaultTest {
 protected:
  std::string Dir() const { return root_ + "/vault"; }

  IngestResult IngestText(const std::string& dataset, const std::string& jsonl) {
    const std::string p = root_ + "/" + dataset + "-" + std::to_string(++files_) + ".jsonl";
    std::ofstream(p, std::ios::binary) << jsonl;
    IngestOptions o;
    o.dataset = dataset;
    o.files = {p};
    auto r = Ingest(*custody_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : IngestResult{};
  }
  // `n` small distinct records tagged with `tag`.
  static std::string Records(const std::string& tag, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += "{\"q\":\"" + tag + " question number " + std::to_string(i) +
             " about apples and pears\",\"n\":" + std::to_string(i) + "}\n";
    }
    return out;
  }

  // Changes the catalog file behind custody's back, as a crash would have
  // left it.
  void Tamper(const std::string& sql) {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec(sql).ok()) << sql;
  }
  int64_t Count(const std::string& sql) {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return -1;
    auto st = (*db)->Prepare(sql);
    EXPECT_TRUE(st.ok()) << sql;
    if (!st.ok()) return -1;
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return st->Int(0);
  }

  // Closes the vault and opens it again: through OpenVault (every step), or
  // Custody::Open with exactly `steps`.
  void Reopen(std::optional<std::vector<RecoveryStep>> steps = std::nullopt,
              bool without_key = false) {
    custody_.reset();
    OpenOptions o;
    o.keys.key_file = key_file();
    o.actor = "test";
    o.without_key = without_key;
    Result<std::unique_ptr<Custody>> c = [&] {
      if (!steps) return OpenVault(Dir(), o);
      o.recovery = *steps;
      return Custody::Open(Dir(), o);
    }();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custody_ = std::move(*c);
  }

  std::vector<store::DatasetVersionInfo> Versions() {
    auto v = custody_->catalog().ListVersions(DatasetId(), true);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::vector<store::DatasetVersionInfo>{};
  }
  store::DatasetVersionInfo VersionOf(const std::string& dataset, int version) {
    for (const auto& v : Versions()) {
      if (v.dataset == dataset && v.version == version) return v;
    }
    ADD_FAILURE() << "no version " << dataset << " v" << version;
    return {};
  }
  bool Exists(const std::string& rel) { return Env::Default()->FileExists(custody_->VaultPath(rel)); }

  // What ShredDataset appends before it destroys anything: a crash right
  // after this leaves a durable shred entry and an intact dataset.
  uint64_t LogShredOnly(const std::string& dataset) {
    auto ds = custody_->catalog().FindDataset(dataset);
    EXPECT_TRUE(ds.ok() && ds->has_value());
    ledger::Event ev;
    ev.type = ledger::event_type::kShred;
    ev.subject = "dataset:" + dataset;
    ev.details = {{"dataset", dataset}, {"dataset_id", (*ds)->id}, {"versions", 1},
                  {"records", 1}, {"records_roots", nlohmann::json::array()},
                  {"released_copies_out", 0}};
    auto idx = custody_->Commit(ev);
    EXPECT_TRUE(idx.ok()) << idx.status().ToString();
    return idx.ok() ? *idx : 0;
  }

  // What OpenIncident writes before its log append: a row without log_index.
  IncidentId UnloggedIncident(const std::string& title) {
    auto id = custody_->catalog().incidents().Insert(
        store::IncidentRow{IncidentId(), FromUnixSeconds(1767225600), title, ToJson(TraceReport{}), std::string(64, 'c'),
                           VerdictToJson(IncidentVerdict{}), std::nullopt});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : IncidentId();
  }
  uint64_t LogIncidentEvent(IncidentId id, const std::string& type = ledger::event_type::kIncident) {
    ledger::Event ev;
    ev.type = type;
    ev.subject = "incident:" + ToString(id);
    ev.details = {{"title", "t"}, {"compromised", 0}};
    auto idx = custody_->Commit(ev);
    EXPECT_TRUE(idx.ok()) << idx.status().ToString();
    return idx.ok() ? *idx : 0;
  }

  int files_ = 0;
};

// Risk: a staging directory of an interrupted ingest (plaintext-derived
// index and sealed segments that no catalog row accounts for) surviving
// forever. Recovery removes every records/.staging-* and nothing else.
TEST_F(RecoveryTest, StagingDirectoriesAreRemovedAndCommittedVersionsKept) {
  IngestResult a = IngestText("a", Records("a", 3));
  const std::string dir = VersionOf("a", 1).dir;
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath("records/.staging-0a1b2c/sub")).ok());
  ASSERT_TRUE(Env::Default()
                  ->WriteFileAtomically(custody_->VaultPath("records/.staging-0a1b2c/sub/seg"), "x")
                  .ok());
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath("records/.staging-ffffff")).ok());
  const uint64_t log = custody_->log().size();

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(Exists("records/.staging-0a1b2c"));
  EXPECT_FALSE(Exists("records/.staging-ffffff"));
  EXPECT_TRUE(Exists(dir));
  auto rec = ReadRecord(*custody_, RecordId(a.first_record_id + 2));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->canonical, "{\"n\":2,\"q\":\"a question number 2 about apples and pears\"}");
  EXPECT_EQ(custody_->log().size(), log);  // recovery appends nothing
}

// Risk: a crash between the ingest's log append and its commit mark losing
// a version the log says was ingested (or committing it at the wrong log
// index). Recovery commits it at the index of its own entry.
TEST_F(RecoveryTest, PendingVersionWhoseIngestEntryIsDurableIsCommittedAtThatIndex) {
  IngestText("a", Records("a", 2));
  IngestResult b = IngestText("b", Records("b", 4));
  ASSERT_EQ(b.log_index, 1u);
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL "
         "WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'b')");
  // Not visible while pending.
  EXPECT_EQ(ReadRecord(*custody_, RecordId(b.first_record_id)).status().code(), StatusCode::kNotFound);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  store::DatasetVersionInfo v = VersionOf("b", 1);
  EXPECT_EQ(v.state, store::VersionState::kCommitted);
  EXPECT_EQ(v.log_index, 1);
  EXPECT_EQ(v.records, 4);
  EXPECT_EQ(VersionOf("a", 1).log_index, 0);
  auto rec = ReadRecord(*custody_, RecordId(b.first_record_id + 3));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->dataset, "b");
  EXPECT_EQ(custody_->log().size(), 2u);
}

// Risk: a crash before the ingest's log append leaving a half-ingested
// version (rows, segments, index file) that a later ingest or shred trips
// over. Recovery removes the row, its segments and its files, leaves the
// earlier version alone, and the next ingest takes the freed version number.
TEST_F(RecoveryTest, PendingVersionWithoutAnIngestEntryIsRemovedWithItsFiles) {
  IngestResult v1 = IngestText("a", Records("a", 2));
  IngestResult v2 = IngestText("a", Records("a2", 3));
  ASSERT_EQ(v2.version, 2);
  const store::DatasetVersionInfo p = VersionOf("a", 2);
  ASSERT_TRUE(Exists(p.dir));
  ASSERT_TRUE(Exists(p.index_file));
  // No entry names a@v9: as if the crash came before the append.
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL, version = 9 WHERE id = " +
         ToString(p.id));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto versions = Versions();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments WHERE version_id = " + ToString(p.id)), 0);
  EXPECT_FALSE(Exists(p.dir));
  EXPECT_FALSE(Exists(p.index_file));
  EXPECT_TRUE(Exists(VersionOf("a", 1).dir));
  EXPECT_TRUE(ReadRecord(*custody_, RecordId(v1.first_record_id + 1)).ok());
  EXPECT_EQ(ReadRecord(*custody_, RecordId(v2.first_record_id)).status().code(), StatusCode::kNotFound);
  // The vault is usable: the same content ingests again as v2.
  IngestResult again = IngestText("a", Records("a2", 3));
  EXPECT_EQ(again.version, 2);
  EXPECT_EQ(again.records, 3u);
}

// Risk: a pending version committed by an ingest entry that is not its own
// (same dataset and version, other content). The records root must match;
// otherwise the version is removed.
TEST_F(RecoveryTest, IngestEntryWithAnotherRecordsRootDoesNotCommitAPendingVersion) {
  IngestText("a", Records("a", 2));
  IngestResult b = IngestText("b", Records("b", 2));
  const store::DatasetVersionInfo p = VersionOf("b", 1);
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL, merkle_root = '" +
         std::string(64, '0') + "' WHERE id = " + ToString(p.id));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto versions = Versions();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].dataset, "a");
  EXPECT_FALSE(Exists(p.dir));
  EXPECT_EQ(ReadRecord(*custody_, RecordId(b.first_record_id)).status().code(), StatusCode::kNotFound);
  // b had nothing else: it is gone as a dataset too.
  auto ds = custody_->catalog().FindDataset("b");
  ASSERT_TRUE(ds.ok());
  EXPECT_FALSE(ds->has_value());
}

// Risk: a dataset row left by an ingest that never committed (the row is
// made before the version) blocking or confusing later commands. Recovery
// drops datasets with no version and no grant, and only those.
TEST_F(RecoveryTest, DatasetLeftWithNoVersionIsDropped) {
  IngestText("kept", Records("k", 2));
  ASSERT_TRUE(custody_->catalog().GetOrCreateDataset("orphan", FromUnixSeconds(1767225600)).ok());
  // A first ingest of "fresh" that crashed before its log append.
  IngestText("fresh", Records("f", 2));
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL, version = 5 "
         "WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'fresh')");
  ASSERT_EQ(Count("SELECT COUNT(*) FROM datasets"), 3);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto list = custody_->catalog().ListDatasets();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "kept");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dataset_versions"), 1);
}

// Risk: a crash after the shred's log entry but before the data key is
// destroyed leaving records readable that the log says are destroyed.
// Reopening finishes the shred: key and segments gone, dataset marked, the
// sketch index kept (it is what matches released copies later).
TEST_F(RecoveryTest, LoggedShredIsFinishedWhenTheCrashCameBeforeTheKeyWasDestroyed) {
  IngestText("a", Records("a", 2));
  IngestResult s = IngestText("s", Records("s", 3));
  const store::DatasetVersionInfo v = VersionOf("s", 1);
  const std::string key = "keys/dataset_" + ToString(v.dataset_id) + ".wrapped";
  ASSERT_TRUE(Exists(key));
  LogShredOnly("s");
  // The crash state: logged, nothing destroyed yet.
  ASSERT_TRUE(ReadRecord(*custody_, RecordId(s.first_record_id)).ok());
  const uint64_t log = custody_->log().size();

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(Exists(key));
  EXPECT_FALSE(Exists(v.dir));
  EXPECT_TRUE(Exists(v.index_file));
  auto ds = custody_->catalog().FindDataset("s");
  ASSERT_TRUE(ds.ok() && ds->has_value());
  EXPECT_TRUE((*ds)->shredded_at.has_value());
  auto rec = ReadRecord(*custody_, RecordId(s.first_record_id));
  EXPECT_EQ(rec.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(rec.status().message().find("unrecoverable"), std::string::npos) << rec.status().ToString();
  EXPECT_EQ(ShredDataset(*custody_, "s").status().code(), StatusCode::kFailedPrecondition);
  // The other dataset is untouched.
  EXPECT_TRUE(Exists("keys/dataset_" + ToString(VersionOf("a", 1).dataset_id) + ".wrapped"));
  EXPECT_FALSE((*custody_->catalog().FindDataset("a"))->shredded_at.has_value());
  EXPECT_EQ(custody_->log().size(), log);
}

// Risk: a shred whose key is destroyed but whose dataset was never marked
// shredded (the crash came before the mark): commands would treat it as
// live (new versions under a destroyed key, reads failing oddly). Reopening
// marks it again, and its records read as shredded.
TEST_F(RecoveryTest, ShredWhoseMarkWasLostIsMarkedAgain) {
  IngestResult s = IngestText("s", Records("s", 3));
  auto sh = ShredDataset(*custody_, "s");
  ASSERT_TRUE(sh.ok()) << sh.status().ToString();
  Tamper("UPDATE datasets SET shredded_at = NULL WHERE name = 's'");
  ASSERT_FALSE((*custody_->catalog().FindDataset("s"))->shredded_at.has_value());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto ds = custody_->catalog().FindDataset("s");
  ASSERT_TRUE(ds.ok() && ds->has_value());
  EXPECT_TRUE((*ds)->shredded_at.has_value());
  auto rec = ReadRecord(*custody_, RecordId(s.first_record_id + 1));
  EXPECT_EQ(rec.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(rec.status().message().find("dataset 's' was shredded on"), std::string::npos)
      << rec.status().ToString();
  // Its name cannot be reused for a new version.
  const std::string p = root_ + "/again.jsonl";
  std::ofstream(p, std::ios::binary) << Records("new", 1);
  IngestOptions o;
  o.dataset = "s";
  o.files = {p};
  EXPECT_EQ(Ingest(*custody_, o).status().code(), StatusCode::kFailedPrecondition);
}

// Risk: a shred entry applied to the wrong dataset (destroying data the log
// never said to destroy). An entry whose dataset_id does not match the
// dataset of that name is ignored.
TEST_F(RecoveryTest, ShredEntryNamingAnotherDatasetIdDestroysNothing) {
  IngestResult a = IngestText("a", Records("a", 2));
  const DatasetId id = VersionOf("a", 1).dataset_id;
  ledger::Event ev;
  ev.type = ledger::event_type::kShred;
  ev.subject = "dataset:a";
  ev.details = {{"dataset", "a"}, {"dataset_id", id.value() + 41}};
  ASSERT_TRUE(custody_->Commit(ev).ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(Exists("keys/dataset_" + ToString(id) + ".wrapped"));
  EXPECT_FALSE((*custody_->catalog().FindDataset("a"))->shredded_at.has_value());
  EXPECT_TRUE(ReadRecord(*custody_, RecordId(a.first_record_id)).ok());
}

// Risk: an incident whose `incident:<id>` entry is durable staying invisible
// (log_index NULL hides it from list and show), or one whose append never
// happened becoming visible. Recovery sets the index of the incident's own
// event, and deletes rows with no such event (an event of another type with
// that subject does not count).
TEST_F(RecoveryTest, UnloggedIncidentsAreFinishedFromTheirEventOrDeleted) {
  const IncidentId logged = UnloggedIncident("logged");
  const IncidentId lost = UnloggedIncident("lost");
  const IncidentId wrong_type = UnloggedIncident("wrong type");
  IngestText("a", Records("a", 1));  // an unrelated entry in between
  const uint64_t at = LogIncidentEvent(logged);
  LogIncidentEvent(wrong_type, ledger::event_type::kTrace);
  EXPECT_EQ(GetIncident(*custody_, logged).status().code(), StatusCode::kNotFound);
  ASSERT_EQ(Count("SELECT COUNT(*) FROM incidents"), 3);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto inc = GetIncident(*custody_, logged);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->log_index, static_cast<int64_t>(at));
  EXPECT_EQ(inc->title, "logged");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents WHERE id IN (" + ToString(lost) + ", " +
                  ToString(wrong_type) + ")"),
            0);
  auto list = ListIncidents(*custody_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, logged);
}

// Risk: recovery that is not idempotent (a crash during recovery, or just
// a second open, undoing what the first open finished, or failing on what
// is already gone). Every kind of crash state at once; the second open
// changes nothing and neither open appends to the log.
TEST_F(RecoveryTest, RecoveryIsIdempotent) {
  IngestText("a", Records("a", 2));
  IngestResult b = IngestText("b", Records("b", 2));
  IngestText("c", Records("c", 2));
  IngestText("s", Records("s", 2));
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL "
         "WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'b')");
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL, version = 4 "
         "WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'c')");
  ASSERT_TRUE(custody_->catalog().GetOrCreateDataset("orphan", FromUnixSeconds(1767225600)).ok());
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath("records/.staging-abcdef")).ok());
  LogShredOnly("s");
  const IncidentId inc = UnloggedIncident("i");
  LogIncidentEvent(inc);
  UnloggedIncident("gone");
  const uint64_t log = custody_->log().size();

  auto state = [&]() {
    std::string out;
    for (const auto& v : Versions()) {
      out += v.dataset + " v" + std::to_string(v.version) + " " +
             std::string(store::VersionStateName(v.state)) + " " +
             std::to_string(v.log_index.value_or(-1)) + " " + (Exists(v.dir) ? "dir" : "-") + "\n";
    }
    auto datasets = custody_->catalog().ListDatasets();
    EXPECT_TRUE(datasets.ok());
    for (const auto& d : *datasets) out += d.name + (d.shredded_at ? " shredded" : "") + "\n";
    auto incidents = ListIncidents(*custody_);
    EXPECT_TRUE(incidents.ok());
    for (const auto& i : *incidents) {
      out += "incident " + ToString(i.id) + " @" + std::to_string(*i.log_index) + "\n";
    }
    out += "incident rows " + std::to_string(Count("SELECT COUNT(*) FROM incidents")) + "\n";
    out += Exists("records/.staging-abcdef") ? "staging\n" : "";
    return out;
  };

  ASSERT_NO_FATAL_FAILURE(Reopen());
  const std::string first = state();
  EXPECT_EQ(first,
            "a v1 committed 0 dir\n"
            "b v1 committed 1 dir\n"
            "s v1 committed 3 -\n"
            "a\nb\ns shredded\n"
            "incident " + ToString(inc) + " @" + std::to_string(log - 1) + "\n"
            "incident rows 1\n");
  EXPECT_TRUE(ReadRecord(*custody_, RecordId(b.first_record_id)).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(state(), first);
  EXPECT_EQ(custody_->log().size(), log);
}

// Risk: the vault recovering module work on its own (or not at all), so
// that a command opening with fewer steps silently skips or duplicates it.
// With no module steps only the vault's own step (logged shreds) runs: a
// pending version stays pending, staging and unlogged incidents stay; a
// read-only open recovers nothing. OpenVault then recovers all of it.
TEST_F(RecoveryTest, OnlyTheGivenModuleStepsRecover) {
  IngestResult b = IngestText("b", Records("b", 2));
  IngestText("s", Records("s", 2));
  Tamper("UPDATE dataset_versions SET state = 'pending', log_index = NULL "
         "WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'b')");
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath("records/.staging-123456")).ok());
  const IncidentId inc = UnloggedIncident("i");
  LogIncidentEvent(inc);
  LogShredOnly("s");

  ASSERT_NO_FATAL_FAILURE(Reopen(std::nullopt, /*without_key=*/true));
  EXPECT_EQ(VersionOf("b", 1).state, store::VersionState::kPending);
  EXPECT_FALSE((*custody_->catalog().FindDataset("s"))->shredded_at.has_value());

  ASSERT_NO_FATAL_FAILURE(Reopen(std::vector<RecoveryStep>{}));
  EXPECT_EQ(VersionOf("b", 1).state, store::VersionState::kPending);
  EXPECT_FALSE(VersionOf("b", 1).log_index.has_value());
  EXPECT_TRUE(Exists("records/.staging-123456"));
  EXPECT_EQ(GetIncident(*custody_, inc).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadRecord(*custody_, RecordId(b.first_record_id)).status().code(), StatusCode::kNotFound);
  // The vault's own step runs whatever the list.
  EXPECT_TRUE((*custody_->catalog().FindDataset("s"))->shredded_at.has_value());

  ASSERT_NO_FATAL_FAILURE(Reopen(std::vector<RecoveryStep>{{"incidents", &RecoverIncidents}}));
  EXPECT_EQ(VersionOf("b", 1).state, store::VersionState::kPending);
  EXPECT_TRUE(GetIncident(*custody_, inc).ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(VersionOf("b", 1).state, store::VersionState::kCommitted);
  EXPECT_EQ(VersionOf("b", 1).log_index, 0);
  EXPECT_FALSE(Exists("records/.staging-123456"));
  EXPECT_TRUE(ReadRecord(*custody_, RecordId(b.first_record_id)).ok());
}

// Risk: files an ingest published under their final names (records/<id>/vN,
// index/<id>-vN.idx) before the crash that kept its catalog row from being
// written. No catalog row accounts for them; if recovery removed only
// .staging-* directories, the next ingest of the dataset would plan the
// same version number and fail renaming its staging directory onto the
// non-empty leftover ("Directory not empty"), for good.
TEST_F(RecoveryTest, PublishedFilesWithoutACatalogRowDoNotBlockTheNextIngest) {
  IngestText("a", Records("a", 2));
  const store::DatasetVersionInfo v1 = VersionOf("a", 1);
  // The crash state: v2's files published, no v2 row.
  const std::string v2_dir = "records/" + ToString(v1.dataset_id) + "/v2";
  const std::string v2_index = "index/" + ToString(v1.dataset_id) + "-v2.idx";
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath(v2_dir)).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(custody_->VaultPath(v2_dir + "/seg-000001"), "x").ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(custody_->VaultPath(v2_index), "x").ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  const std::string p = root_ + "/v2.jsonl";
  std::ofstream(p, std::ios::binary) << Records("second", 2);
  IngestOptions o;
  o.dataset = "a";
  o.files = {p};
  auto r = Ingest(*custody_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 2);
  EXPECT_TRUE(ReadRecord(*custody_, RecordId(r->first_record_id)).ok());
}

// Risk: as above, for the first ingest of a new dataset: recovery drops the
// empty dataset row, SQLite hands its id to the next dataset created (ids
// are not AUTOINCREMENT), and that dataset's first ingest would meet the
// leftover records/<id>/v1 of a dataset of another name.
TEST_F(RecoveryTest, PublishedFilesOfANewDatasetDoNotBlockTheNextNewDataset) {
  IngestText("a", Records("a", 2));
  // The crash state of a first ingest of "b": its dataset row, its data
  // key and its published files, no version row.
  auto b = custody_->catalog().GetOrCreateDataset("b", FromUnixSeconds(1767225600));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(custody_->vault().GetOrCreateWrappedKey(store::KeyPurpose::Dataset(b->id)).ok());
  const std::string dir = "records/" + ToString(b->id) + "/v1";
  ASSERT_TRUE(Env::Default()->CreateDirs(custody_->VaultPath(dir)).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(custody_->VaultPath(dir + "/seg-000001"), "x").ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_FALSE(*custody_->catalog().FindDataset("b"));  // dropped as empty
  const std::string p = root_ + "/c.jsonl";
  std::ofstream(p, std::ios::binary) << Records("c", 2);
  IngestOptions o;
  o.dataset = "c";
  o.files = {p};
  auto r = Ingest(*custody_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(VersionOf("c", 1).dataset_id, b->id);  // the id was reused: the case above
  auto rec = ReadRecord(*custody_, RecordId(r->first_record_id));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->dataset, "c");
}

}  // namespace
// Risk: a crash after a change's log entry is durable but before its rows
// commit leaves an id in the log with no row; without care the next row
// takes the same id, and the log then names two things "partner 1",
// "release 3". Reopening raises the id floor past every id the log gave.
TEST_F(RecoveryTest, IdsNamedByTheLogAreNeverReusedAfterACrash) {
  auto first = AddPartner(*custody_, {"acme", "", "MSA-1", ""});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // What AddPartner / a release append before their catalog commit.
  for (const auto& [key, subject] : {std::pair{"partner_id", "partner:ghost"},
                                     std::pair{"release_id", "release:1"}}) {
    ledger::Event ev;
    ev.type = key == std::string("partner_id") ? ledger::event_type::kPartner
                                               : ledger::event_type::kRelease;
    ev.subject = subject;
    ev.details = {{key, key == std::string("partner_id") ? first->id.value() + 1 : 1}};
    ASSERT_TRUE(custody_->Commit(ev).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto next = AddPartner(*custody_, {"globex", "", "MSA-2", ""});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->id.value(), first->id.value() + 2);
  auto floor = custody_->catalog().GetMeta("id_floor.releases");
  ASSERT_TRUE(floor.ok() && floor->has_value());
  EXPECT_EQ(**floor, "1");
  // Idempotent: a second reopen changes nothing.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto third = AddPartner(*custody_, {"initech", "", "MSA-3", ""});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->id.value(), first->id.value() + 3);
}

}  // namespace custody::core
