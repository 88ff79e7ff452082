// Tests of "the catalog answers to the log" (issue 12): `vault check` on a
// clean vault and on a tampered one, a swapped member key refused at release,
// a flipped holdings bitmap refused when holdings are loaded, shred and paths
// outside the vault, and canaries destroyed with their dataset.
#include "custody/core/vault_check.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/store/catalog.h"
#include "custody/store/sqlite.h"
#include "custody/store/vault_format.h"

namespace custody::core {
namespace {

class VaultCheckTest : public testing::ReleaseTest {
 protected:
  // Runs `sql` on the catalog through a second connection, as someone with
  // write access to the vault directory would.
  void Tamper(const std::string& sql) {
    auto db = store::Db::Open(custody_->VaultPath(store::kCatalogFile), false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec(sql).ok()) << sql;
  }
  // A vault with one dataset, a partner, two members, a grant and a release
  // to each (alice's with canaries, bob's encrypted).
  void MakeDemoLikeVault() {
    IngestGenerated(300);
    AddPartnerAndMember("acme", "alice");
    AddPartnerAndMember("acme", "bob");
    grant_ = AddGrantFor("acme");
    auto a = DoRelease(grant_, "alice", "a.jsonl");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_GT(a->canaries, 0u);
    auto b = DoRelease(grant_, "bob", "b.jsonl.enc", /*encrypt=*/true);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
  }
  static bool Names(const CheckReport& r, const std::string& kind, const std::string& subject,
                    const std::string& text) {
    for (const auto& p : r.problems) {
      if (p.kind == kind && p.subject == subject && p.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  GrantId grant_;
};

TEST_F(VaultCheckTest, CleanOnAFreshDemoLikeVault) {
  MakeDemoLikeVault();
  auto r = CheckVault(*custody_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& p : r->problems) ADD_FAILURE() << p.message;
  EXPECT_TRUE(r->ok());
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(r->checked["datasets"], 1u);
  EXPECT_EQ(r->checked["versions"], 1u);
  EXPECT_GE(r->checked["segments"], 1u);
  EXPECT_EQ(r->checked["index_files"], 1u);
  EXPECT_EQ(r->checked["partners"], 1u);
  EXPECT_EQ(r->checked["members"], 2u);
  EXPECT_EQ(r->checked["grants"], 1u);
  EXPECT_EQ(r->checked["releases"], 2u);
  EXPECT_GT(r->checked["canaries"], 0u);
  EXPECT_EQ(r->checked["log_entries"], LogSize());
}

TEST_F(VaultCheckTest, NewEventsCommitToKeysAndSelections) {
  MakeDemoLikeVault();
  auto rows = IndexLoggedRows(*custody_);
  ASSERT_TRUE(rows.ok());
  auto alice = FindMember(*custody_, "alice");
  ASSERT_TRUE(alice.ok());
  const LoggedEvent& m = rows->members.at(alice->id.value());
  EXPECT_EQ(m.event.hashes.at("public_key"), Sha256Hex(alice->public_key));
  const LoggedEvent& rel = rows->releases.at(1);
  EXPECT_EQ(rel.event.hashes.at("recipient_key"), Sha256Hex(alice->public_key));
  EXPECT_TRUE(rel.event.details.contains("records"));
  auto g = custody_->catalog().grants().Get(grant_);
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_EQ(rows->grants.at(grant_.value()).event.hashes.at("selection"),
            Sha256Hex((*g)->selection_json));
}

// A key swapped in the catalog would seal alice's release to bob's key.
TEST_F(VaultCheckTest, SwappedMemberKeyIsRefusedAtRelease) {
  IngestGenerated(100);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  const GrantId g = AddGrantFor("acme");
  Tamper("UPDATE members SET public_key = (SELECT public_key FROM members WHERE name = 'bob') "
         "WHERE name = 'alice'");
  const uint64_t before = LogSize();
  auto r = DoRelease(g, "alice", "a.enc", /*encrypt=*/true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  EXPECT_NE(r.status().message().find("member 'alice'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("log index"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("expected hash"), std::string::npos) << r.status().message();
  EXPECT_EQ(LogSize(), before);  // nothing logged, nothing written
  EXPECT_FALSE(Env::Default()->FileExists(root_ + "/a.enc"));
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(Names(*check, "member", "member 1", "public key hash"));
}

TEST_F(VaultCheckTest, FlippedBitmapByteIsNamedByVaultCheckAndRefusedByHoldings) {
  MakeDemoLikeVault();
  auto released = ListReleases(*custody_);
  ASSERT_TRUE(released.ok());
  // Two flipped bytes at the end of release 1's portable bitmap (its
  // container data: record ids), the column hash left as it was.
  Tamper("UPDATE releases SET record_bitmap = substr(record_bitmap, 1, length(record_bitmap) - 2) "
         "|| x'ffff' WHERE id = 1");
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_FALSE(check->ok());
  EXPECT_TRUE(Names(*check, "release", "release 1", "holdings bitmap hash"));
  for (const auto& p : check->problems) {
    if (p.subject == "release 1" && p.message.find("holdings bitmap hash") != std::string::npos) {
      EXPECT_NE(p.message.find("does not match the release event (log index "), std::string::npos);
      ASSERT_TRUE(p.log_index.has_value());
      EXPECT_EQ(static_cast<int64_t>(*p.log_index), *(*released)[0].log_index);
    }
  }
  EXPECT_FALSE(Names(*check, "release", "release 2", "holdings"));
  auto holdings = LoadHoldings(*custody_);
  ASSERT_FALSE(holdings.ok());
  EXPECT_EQ(holdings.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(holdings.status().message().find("release 1: holdings bitmap hash"), std::string::npos)
      << holdings.status().message();
}

TEST_F(VaultCheckTest, EditedRowsAreNamed) {
  MakeDemoLikeVault();
  Tamper("UPDATE partners SET name = 'evil'");
  Tamper("UPDATE grants SET selection = '{\"sample\":\"0.5\",\"seed\":1}'");
  Tamper("UPDATE dataset_versions SET merkle_root = '00'");
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(Names(*check, "partner", "partner 1", "name 'evil'"));
  EXPECT_TRUE(Names(*check, "grant", "grant 1", "selection hash"));
  EXPECT_TRUE(Names(*check, "dataset", "dataset math v1", "records_root hash"));
}

TEST_F(VaultCheckTest, TamperedSegmentIsNamed) {
  IngestGenerated(100);
  const std::string seg = custody_->VaultPath("records/1/v1/seg-000001.cseg");
  auto bytes = Env::Default()->ReadFileToString(seg);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  (*bytes)[bytes->size() / 2] ^= 1;
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(seg, *bytes).ok());
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  bool named = false;
  for (const auto& p : check->problems) named |= p.kind == "segment" && p.subject == "records/1/v1/seg-000001.cseg";
  EXPECT_TRUE(named);
}

// Shred derives the paths it deletes from ids: a row pointing outside the
// vault deletes nothing there.
TEST_F(VaultCheckTest, ShredNeverDeletesAPathOutsideTheVault) {
  IngestGenerated(50);
  const std::string outside = root_ + "/outside";
  ASSERT_TRUE(Env::Default()->CreateDirs(outside).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(outside + "/keep", "k").ok());
  Tamper("UPDATE dataset_versions SET dir = '../outside'");
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(Names(*check, "dataset", "dataset math v1", "dir is '../outside'"));
  auto s = ShredDataset(*custody_, "math");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(Env::Default()->FileExists(outside + "/keep"));
  EXPECT_FALSE(Env::Default()->FileExists(custody_->VaultPath("records/1/v1")));
}

// Canaries are sealed under a key derived from their dataset's key: after a
// shred none opens, not even with the vault's canary key that survives.
TEST_F(VaultCheckTest, ShredLeavesNoDecryptableCanary) {
  MakeDemoLikeVault();
  auto before = LoadCanaries(*custody_);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_FALSE(before->empty());
  ASSERT_TRUE(ShredDataset(*custody_, "math").ok());
  auto rows = custody_->catalog().canaries().List();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), before->size());
  auto canary_key = custody_->vault().GetWrappedKey(store::KeyPurpose::Canary());
  ASSERT_TRUE(canary_key.ok());
  CanaryOpener opener(*custody_);
  for (const auto& row : *rows) {
    EXPECT_FALSE(OpenLegacyCanary(*canary_key, row.release_id, row.member_id, row.source_record_id,
                                  row.sealed).ok());
    auto opened = opener.Open(row);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  }
  uint64_t shredded = 0;
  auto after = LoadCanaries(*custody_, &shredded);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->empty());
  EXPECT_EQ(shredded, before->size());
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  for (const auto& p : check->problems) ADD_FAILURE() << p.message;
  EXPECT_EQ(check->checked["canaries_shredded"], before->size());
}

// A canary sealed the old way (vault canary key, v1 associated data) still opens.
TEST_F(VaultCheckTest, LegacyCanaryStillOpens) {
  MakeDemoLikeVault();
  auto canaries = LoadCanaries(*custody_);
  ASSERT_TRUE(canaries.ok() && !canaries->empty());
  StoredCanary c = (*canaries)[0];
  auto canary_key = custody_->vault().GetWrappedKey(store::KeyPurpose::Canary());
  ASSERT_TRUE(canary_key.ok());
  // The old sealing: AD "custody canary v1|..." under the canary key.
  auto legacy = crypto::AeadSeal(*canary_key, nlohmann::json({{"v", 1}, {"record", c.record},
                                                              {"content_id", c.content_id},
                                                              {"canary_index", c.canary_index},
                                                              {"fields", nlohmann::json::array()},
                                                              {"substitutions", nlohmann::json::array()}}).dump(),
                                 "custody canary v1|release:" + ToString(c.release_id) + "|member:" +
                                     ToString(c.member_id) + "|source:" + ToString(c.source_record_id));
  ASSERT_TRUE(legacy.ok());
  store::CanaryRow row{c.id, c.release_id, c.member_id, c.source_record_id, *legacy, std::nullopt};
  CanaryOpener opener(*custody_);
  auto opened = opener.Open(row);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->record, c.record);
}


// A vault made before canaries were sealed under their dataset's key holds
// canaries sealed under the vault's canary key, which a shred does not
// destroy: the shred erases their payloads, so none stays decryptable.
TEST_F(VaultCheckTest, ShredErasesLegacyCanaries) {
  MakeDemoLikeVault();
  auto canaries = LoadCanaries(*custody_);
  ASSERT_TRUE(canaries.ok() && !canaries->empty());
  auto canary_key = custody_->vault().GetWrappedKey(store::KeyPurpose::Canary());
  ASSERT_TRUE(canary_key.ok());
  // Every canary re-sealed the old way, in the catalog itself.
  for (const StoredCanary& c : *canaries) {
    auto legacy = crypto::AeadSeal(
        *canary_key,
        nlohmann::json({{"v", 1}, {"record", c.record}, {"content_id", c.content_id},
                        {"canary_index", c.canary_index}, {"fields", nlohmann::json::array()},
                        {"substitutions", nlohmann::json::array()}})
            .dump(),
        "custody canary v1|release:" + ToString(c.release_id) + "|member:" +
            ToString(c.member_id) + "|source:" + ToString(c.source_record_id));
    ASSERT_TRUE(legacy.ok());
    Tamper("UPDATE canaries SET sealed = X'" + HexEncode(*legacy) + "' WHERE id = " +
           ToString(c.id));
  }
  auto reopened = LoadCanaries(*custody_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_EQ(reopened->size(), canaries->size());  // the legacy canaries open

  ASSERT_TRUE(ShredDataset(*custody_, "math").ok());
  auto rows = custody_->catalog().canaries().List();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), canaries->size());  // rows (owner, release, tag) kept
  for (const auto& row : *rows) {
    EXPECT_TRUE(row.sealed.empty()) << "canary " << ToString(row.id);
    EXPECT_FALSE(OpenLegacyCanary(*canary_key, row.release_id, row.member_id,
                                  row.source_record_id, row.sealed)
                     .ok());
  }
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok());
  for (const auto& p : check->problems) ADD_FAILURE() << p.message;
  EXPECT_EQ(check->checked["canaries_shredded"], canaries->size());
}

// A row whose event was written before its hash existed is a warning, not a
// failure: old vaults stay readable and checkable.
TEST_F(VaultCheckTest, OlderEventWithoutTheHashIsAWarningNotAProblem) {
  IngestGenerated(50);
  AddPartnerAndMember("acme", "alice");
  const GrantId first = AddGrantFor("acme");
  auto row = custody_->catalog().grants().Get(first);
  ASSERT_TRUE(row.ok() && row->has_value());
  auto rows = IndexLoggedRows(*custody_);
  ASSERT_TRUE(rows.ok());
  // A second grant logged as before hashes.selection existed.
  ledger::Event old = rows->grants.at(first.value()).event;
  auto logged = LoggedChange(*custody_, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(GrantId id, custody_->catalog().grants().Insert(**row));
    *ev = old;
    ev->time = Time();
    ev->subject = "grant:" + ToString(id);
    ev->details["grant_id"] = id;
    ev->hashes.clear();
    return OkStatus();
  });
  ASSERT_TRUE(logged.ok()) << logged.status().ToString();
  auto check = CheckVault(*custody_);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  for (const auto& p : check->problems) ADD_FAILURE() << p.message;
  ASSERT_EQ(check->warnings.size(), 1u);
  EXPECT_EQ(check->warnings[0].kind, "grant");
  EXPECT_EQ(check->warnings[0].subject, "grant 2");
  EXPECT_EQ(check->warnings[0].message, "selection not committed by the log (older event)");
  EXPECT_EQ(check->warnings[0].log_index, *logged);
}

}  // namespace
}  // namespace custody::core
