// Releases through the library: content and counts, refusals that change
// nothing, encryption, canaries, and determinism of the keyed shuffle.
#include "custody/core/release/release.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/exposure/exposure.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/release_fixture.h"
#include "custody/core/release/release_file.h"
#include "custody/core/release/shuffle.h"
#include "custody/core/vault/records.h"
#include "custody/format/reader.h"
#include "custody/mark/canary.h"
#include "custody/store/catalog.h"
#include "custody/store/vault_format.h"

namespace custody::core::testing {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  auto text = Env::Default()->ReadFileToString(path);
  std::vector<std::string> out;
  if (!text.ok()) return out;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    out.push_back(text->substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// A second connection to the vault's catalog file, for what the tests look
// at or change behind custody's back.
std::unique_ptr<store::Db> CatalogFile(Custody& c) {
  auto db = store::Db::Open(c.VaultPath(store::kCatalogFile), false);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(*db);
}

int64_t CountRows(Custody& c, const char* table) {
  auto db = CatalogFile(c);
  auto st = db->Prepare(std::string("SELECT COUNT(*) FROM ") + table);
  EXPECT_TRUE(st.ok());
  EXPECT_TRUE(*st->Step());
  return st->Int(0);
}

TEST_F(ReleaseTest, ReleaseWritesMarkedRecordsAndCanariesAndLogsOnce) {
  IngestGenerated(500);
  Member m = AddPartnerAndMember("acme", "alice");
  GrantId g = AddGrantFor("acme");
  const uint64_t before = LogSize();
  auto r = DoRelease(g, "alice", "a.jsonl");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(r->records, 500u);
  EXPECT_EQ(r->canaries, 5u);
  EXPECT_GT(r->slots, 500u);
  auto lines = Lines(root_ + "/a.jsonl");
  ASSERT_EQ(lines.size(), 505u);
  for (const auto& l : lines) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    ASSERT_TRUE(j.is_object()) << l;
    EXPECT_TRUE(j.contains("question") && j.contains("answer") && j.contains("n"));
  }
  // The log entry commits the exact record bitmap and the parameters.
  auto ev = ReadLogEvent(custody_->log(), r->log_index);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, "release");
  EXPECT_EQ(ev->hashes["record_bitmap"], r->bitmap_hash);
  EXPECT_EQ(ev->hashes["fingerprint_params"], r->params_hash);
  auto rel = ListReleases(*custody_);
  ASSERT_TRUE(rel.ok());
  ASSERT_EQ(rel->size(), 1u);
  EXPECT_EQ((*rel)[0].ids.Cardinality(), 500u);
  EXPECT_EQ((*rel)[0].ids.HashHex(), r->bitmap_hash);
  EXPECT_EQ((*rel)[0].file_hash, crypto::DigestHex(crypto::Sha256(*Env::Default()->ReadFileToString(root_ + "/a.jsonl"))));
  EXPECT_FALSE((*rel)[0].random_sample);
  // Canaries: owned by alice, unsealed, absent from the vault, present in the file.
  auto canaries = LoadCanaries(*custody_);
  ASSERT_TRUE(canaries.ok()) << canaries.status().ToString();
  ASSERT_EQ(canaries->size(), 5u);
  for (const auto& c : *canaries) {
    EXPECT_EQ(c.member_id, m.id);
    EXPECT_EQ(c.release_id, r->release_id);
    EXPECT_FALSE(c.substitutions.empty());
    auto src = ReadRecord(*custody_, RecordId(c.source_record_id));
    ASSERT_TRUE(src.ok());
    EXPECT_NE(src->canonical, c.record);
    int found = 0;
    for (const auto& l : lines) {
      auto j = nlohmann::json::parse(l);
      std::string q = j["question"], a = j["answer"];
      std::vector<std::string_view> f = {q, a};
      if (mark::CanaryEvidence(c.substitutions, f).is_match) ++found;
    }
    EXPECT_GE(found, 1);
  }
  // The catalog holds canaries sealed only.
  auto rows = custody_->catalog().canaries().List();
  ASSERT_TRUE(rows.ok());
  ASSERT_FALSE(rows->empty());
  for (const auto& row : *rows) EXPECT_EQ(row.sealed.find("question"), std::string::npos);
}

TEST_F(ReleaseTest, CanariesAreCheckedByTagAndOldRowsGetTheirTags) {
  // Every canary row carries its keyed content tag; rows made before the
  // tag existed (NULL) are filled by the next release; no canary repeats an
  // earlier one.
  IngestGenerated(300);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  GrantId g = AddGrantFor("acme");
  ASSERT_TRUE(DoRelease(g, "alice", "a.jsonl").ok());
  auto file = CatalogFile(*custody_);
  store::Db& db = *file;
  auto count = [&](const char* sql) {
    auto st = db.Prepare(sql);
    EXPECT_TRUE(st.ok());
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  };
  EXPECT_GT(count("SELECT COUNT(*) FROM canaries"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM canaries WHERE content_tag IS NULL"), 0);
  ASSERT_TRUE(db.Exec("UPDATE canaries SET content_tag = NULL").ok());  // as before schema v3
  ASSERT_TRUE(DoRelease(g, "bob", "b.jsonl").ok());
  ASSERT_TRUE(DoRelease(g, "alice", "a2.jsonl").ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM canaries WHERE content_tag IS NULL"), 0);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT content_tag) FROM canaries"),
            count("SELECT COUNT(*) FROM canaries"));
  // The tags are those of the sealed content ids.
  auto canaries = LoadCanaries(*custody_);
  ASSERT_TRUE(canaries.ok());
  auto key = custody_->vault().GetWrappedKey(store::KeyPurpose::Canary());
  ASSERT_TRUE(key.ok());
  std::set<std::string> content;
  for (const auto& c : *canaries) {
    EXPECT_TRUE(content.insert(c.content_id).second) << "a canary repeats an earlier one";
    auto st = db.Prepare("SELECT content_tag FROM canaries WHERE id = ?");
    ASSERT_TRUE(st.ok());
    st->Bind(1, c.id);
    ASSERT_TRUE(*st->Step());
    EXPECT_EQ(st->Blob(0), CanaryContentTag(*key, *HexDecode(c.content_id)));
  }
}

TEST_F(ReleaseTest, ShuffleIsKeyedPerReleaseAndAPermutation) {
  auto a = KeyedPermutation(crypto::SecretBytes::FromBytes(std::string(32, 'a')), 1000);
  auto b = KeyedPermutation(crypto::SecretBytes::FromBytes(std::string(32, 'a')), 1000);
  auto c = KeyedPermutation(crypto::SecretBytes::FromBytes(std::string(32, 'b')), 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<uint32_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
}

TEST_F(ReleaseTest, TwoMembersGetDifferentMarksOfTheSameRecords) {
  IngestGenerated(300);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  GrantId g = AddGrantFor("acme");
  ASSERT_TRUE(DoRelease(g, "alice", "a.jsonl").ok());
  ASSERT_TRUE(DoRelease(g, "bob", "b.jsonl").ok());
  std::map<int64_t, std::string> qa, qb;
  for (const auto& l : Lines(root_ + "/a.jsonl")) {
    auto j = nlohmann::json::parse(l);
    qa[j["n"].get<int64_t>()] += j["question"].get<std::string>() + j["answer"].get<std::string>();
  }
  for (const auto& l : Lines(root_ + "/b.jsonl")) {
    auto j = nlohmann::json::parse(l);
    qb[j["n"].get<int64_t>()] += j["question"].get<std::string>() + j["answer"].get<std::string>();
  }
  int differ = 0;
  for (const auto& [n, text] : qa) differ += qb[n] != text;
  EXPECT_GT(differ, 100) << "records rendered differently for the two members";
}

TEST_F(ReleaseTest, RefusalsLogNothingAndWriteNothing) {
  IngestGenerated(100);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "ann");
  AddPartnerAndMember("beta", "bob");
  AddPartnerAndMember("gamma", "gus");
  GrantId expiring = AddGrantFor("acme", {}, "", 1);
  GrantId revoked = AddGrantFor("acme");
  GrantId only_ann = AddGrantFor("acme", {}, "ann");
  GrantId beta = AddGrantFor("beta");
  GrantId gamma = AddGrantFor("gamma");
  GrantId ok_grant = AddGrantFor("acme");
  ASSERT_TRUE(RevokeGrant(*custody_, revoked, "test").ok());
  ASSERT_TRUE(SuspendPartner(*custody_, "beta", "audit").ok());
  ASSERT_TRUE(TerminatePartner(*custody_, "gamma", "contract ended").ok());
  clock_.Advance(std::chrono::seconds(2 * 86400));
  struct Case {
    GrantId grant;
    std::string member, want;
  } cases[] = {{expiring, "alice", "expired"},   {revoked, "alice", "revoked"},
               {only_ann, "alice", "for member 'ann' only"}, {beta, "bob", "suspended"},
               {gamma, "gus", "revoked"},        {ok_grant, "bob", "belongs to partner 'beta'"}};
  for (const auto& c : cases) {
    const uint64_t log = LogSize();
    auto r = DoRelease(c.grant, c.member, "refused.jsonl");
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status().ToString();
    EXPECT_EQ(LogSize(), log);
    EXPECT_FALSE(Env::Default()->FileExists(root_ + "/refused.jsonl"));
    EXPECT_EQ(CountRows(*custody_, "releases"), 0);
    EXPECT_EQ(CountRows(*custody_, "canaries"), 0);
  }
  // A revoked member, and a terminated partner's member via an active-looking grant.
  ASSERT_TRUE(RevokeMember(*custody_, "alice", "left").ok());
  auto r = DoRelease(ok_grant, "alice", "refused.jsonl");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("revoked"), std::string::npos);
  EXPECT_TRUE(DoRelease(ok_grant, "ann", "fine.jsonl").ok());
}

// Risk: a release is logged, and its canaries stored, while its file cannot
// be written where asked (or would be written through a link planted there,
// or over a file), leaving a logged release no member holds.
TEST_F(ReleaseTest, UnwritableOrTakenOutputLogsNothing) {
  IngestGenerated(40);
  AddPartnerAndMember("acme", "alice");
  const GrantId grant = AddGrantFor("acme");
  const uint64_t log = LogSize();
  auto missing_dir = DoRelease(grant, "alice", "no/such/dir/a.jsonl");
  EXPECT_EQ(missing_dir.status().code(), StatusCode::kNotFound) << missing_dir.status().ToString();
  EXPECT_EQ(missing_dir.status().message().rfind("out: cannot write", 0), 0u)
      << missing_dir.status().ToString();
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/taken.jsonl", "theirs").ok());
  auto taken = DoRelease(grant, "alice", "taken.jsonl");
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists) << taken.status().ToString();
  EXPECT_EQ(*Env::Default()->ReadFileToString(root_ + "/taken.jsonl"), "theirs");
  ASSERT_EQ(::symlink((root_ + "/target").c_str(), (root_ + "/link.jsonl").c_str()), 0);
  auto link = DoRelease(grant, "alice", "link.jsonl");
  EXPECT_EQ(link.status().code(), StatusCode::kFailedPrecondition) << link.status().ToString();
  EXPECT_FALSE(Env::Default()->FileExists(root_ + "/target"));
  EXPECT_EQ(LogSize(), log);
  EXPECT_EQ(CountRows(*custody_, "releases"), 0);
  EXPECT_EQ(CountRows(*custody_, "canaries"), 0);
  // With overwrite, the existing file is replaced, with mode 0600.
  ReleaseOptions o;
  o.grant_id = grant;
  o.member = "alice";
  o.out = root_ + "/taken.jsonl";
  o.overwrite = true;
  auto replaced = Release(*custody_, o);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(LogSize(), log + 1);
  EXPECT_EQ(Lines(root_ + "/taken.jsonl").size(), replaced->records + replaced->canaries);
  EXPECT_EQ(Env::Default()->GetFileInfo(root_ + "/taken.jsonl", false)->mode, 0600u);
  auto kids = *Env::Default()->GetChildren(root_);
  for (const auto& k : kids) EXPECT_FALSE(IsTempSiblingName(k)) << k;
}

// Risk: a member whose stored key is all zeros (added before keys were
// checked, or by editing the catalog) gets an encrypted release anyone can
// open; the refusal must come before the release is logged.
TEST_F(ReleaseTest, EncryptingToAnAllZeroKeyIsRefusedBeforeLogging) {
  IngestGenerated(20);
  ASSERT_TRUE(AddPartner(*custody_, {"acme", "", "", ""}).ok());
  Member m;
  m.partner_id = FindPartner(*custody_, "acme")->id;
  m.partner = "acme";
  m.name = "zed";
  m.email = "zed@acme.example";
  m.public_key = std::string(32, '\0');
  m.status = MemberStatus::kActive;
  m.created_at = clock_.Now();
  ASSERT_TRUE(custody_->catalog().members().Insert(m).ok());
  const GrantId grant = AddGrantFor("acme");
  const uint64_t log = LogSize();
  auto r = DoRelease(grant, "zed", "zed.enc", /*encrypt=*/true);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(r.status().message(),
            "member 'zed': cannot encrypt to their key: X25519 public key is all zeros (not a key)");
  EXPECT_EQ(LogSize(), log);
  EXPECT_FALSE(Env::Default()->FileExists(root_ + "/zed.enc"));
  EXPECT_EQ(CountRows(*custody_, "releases"), 0);
}

TEST_F(ReleaseTest, TerminateRevokesMembersAndGrantsInOneEntry) {
  IngestGenerated(20);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "ann");
  AddGrantFor("acme");
  AddGrantFor("acme");
  const uint64_t log = LogSize();
  auto t = TerminatePartner(*custody_, "acme", "breach");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(LogSize(), log + 1);
  EXPECT_EQ(t->revoked_members.size(), 2u);
  EXPECT_EQ(t->revoked_grants.size(), 2u);
  EXPECT_EQ(FindMember(*custody_, "ann")->status, MemberStatus::kRevoked);
  EXPECT_EQ(GetGrant(*custody_, t->revoked_grants[0])->status, store::GrantStatus::kRevoked);
  EXPECT_EQ(TerminatePartner(*custody_, "acme", "").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(AddMember(*custody_, {"acme", "zed", "z@a", std::string(32, 'k')}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ReleaseTest, EncryptedReleaseOpensOnlyWithTheMemberKey) {
  IngestGenerated(200);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("acme", "bob");
  GrantId g = AddGrantFor("acme");
  auto r = DoRelease(g, "alice", "a.enc", true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string enc = root_ + "/a.enc";
  auto sealed = *Env::Default()->ReadFileToString(enc);
  EXPECT_EQ(sealed.find("question"), std::string::npos);
  auto ok = OpenEncryptedRelease(Env::Default(), enc, keys_["alice"], root_ + "/a.jsonl");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(Lines(root_ + "/a.jsonl").size(), r->records + r->canaries);
  // Wrong key, flipped bit, truncation: kDataLoss and no output file.
  auto wrong = OpenEncryptedRelease(Env::Default(), enc, keys_["bob"], root_ + "/w.jsonl");
  EXPECT_EQ(wrong.status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(Env::Default()->FileExists(root_ + "/w.jsonl"));
  for (size_t at : {size_t{3}, size_t{50}, size_t{200}, sealed.size() / 2, sealed.size() - 1}) {
    std::string t = sealed;
    t[at] ^= 0x10;
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/t.enc", t).ok());
    auto f = OpenEncryptedRelease(Env::Default(), root_ + "/t.enc", keys_["alice"], root_ + "/t.jsonl");
    // A flip in the magic makes it not a release file at all (bad input, as
    // a plaintext file is); anywhere else it is tampering.
    EXPECT_EQ(f.status().code(), at < 8 ? StatusCode::kInvalidArgument : StatusCode::kDataLoss)
        << at;
    EXPECT_FALSE(Env::Default()->FileExists(root_ + "/t.jsonl"));
  }
  for (size_t n : {size_t{0}, size_t{100}, sealed.size() - 17, sealed.size() - 1}) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/t.enc", sealed.substr(0, n)).ok());
    auto f = OpenEncryptedRelease(Env::Default(), root_ + "/t.enc", keys_["alice"], root_ + "/t.jsonl");
    EXPECT_EQ(f.status().code(), StatusCode::kDataLoss) << n;
    EXPECT_FALSE(Env::Default()->FileExists(root_ + "/t.jsonl"));
  }
}

TEST_F(ReleaseTest, CsvReleaseParsesWithTheSameCounts) {
  IngestGenerated(150);
  AddPartnerAndMember("acme", "alice");
  GrantId g = AddGrantFor("acme");
  auto r = DoRelease(g, "alice", "a.csv", false, format::OutputFormat::kCsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  format::ReadOptions ro;
  ro.format = format::InputFormat::kCsv;
  auto reader = format::RecordReader::Open(Env::Default(), root_ + "/a.csv", ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  format::Record rec;
  uint64_t n = 0;
  while (true) {
    auto more = (*reader)->Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++n;
  }
  EXPECT_EQ(n, r->records + r->canaries);
}

TEST_F(ReleaseTest, SelectionsAreDeterministicAndKeyed) {
  IngestGenerated(400);
  AddPartnerAndMember("acme", "alice");
  auto sample = [&](uint64_t seed) {
    auto s = SampleSelection("0.3", seed);
    EXPECT_TRUE(s.ok());
    return AddGrantFor("acme", std::move(*s));
  };
  GrantId g1 = sample(1), g1b = sample(1), g2 = sample(2);
  auto ids = [&](GrantId g) {
    auto r = DoRelease(g, "alice", "s" + ToString(g) + ".jsonl");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    HoldingsQuery q;
    q.release_id = r->release_id;
    return (*ListReleases(*custody_, q))[0];
  };
  auto a = ids(g1), b = ids(g1b), c = ids(g2);
  EXPECT_TRUE(a.ids == b.ids);
  EXPECT_FALSE(a.ids == c.ids);
  EXPECT_TRUE(a.random_sample);
  EXPECT_DOUBLE_EQ(a.sample_fraction, 0.3);
  // 400 draws at 0.3: 120 expected; [80, 160] holds with overwhelming probability.
  EXPECT_GE(a.ids.Cardinality(), 80u);
  EXPECT_LE(a.ids.Cardinality(), 160u);
  // Shards 1..4 of 4 partition the version.
  RecordSet all;
  uint64_t total = 0;
  for (int k = 1; k <= 4; ++k) {
    auto s = ShardSelection(std::to_string(k) + "/4");
    ASSERT_TRUE(s.ok());
    auto h = ids(AddGrantFor("acme", std::move(*s)));
    total += h.ids.Cardinality();
    all.UnionWith(h.ids);
  }
  EXPECT_EQ(total, 400u);
  EXPECT_EQ(all.Cardinality(), 400u);
  EXPECT_FALSE(ShardSelection("5/4").ok());
  EXPECT_FALSE(SampleSelection("1.5", 1).ok());
  EXPECT_FALSE(SampleSelection("0", 1).ok());
}

TEST_F(ReleaseTest, IdsFileErrorsNameFileAndLine) {
  IngestGenerated(10);
  const std::string p = root_ + "/ids.txt";
  std::ofstream(p) << first_id_ << "\n# comment\n\n" << first_id_ + 3 << "\n" << first_id_ + 99 << "\n";
  auto s = IdsSelection(Env::Default(), p, "math v1", first_id_, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(p + ":5: record id"), std::string::npos) << s.status().ToString();
  std::ofstream(p) << first_id_ << "\n" << first_id_ + 3 << "\n";
  auto ok = IdsSelection(Env::Default(), p, "math v1", first_id_, 10);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ids.ToVector(), (std::vector<uint64_t>{first_id_, first_id_ + 3}));
  AddPartnerAndMember("acme", "alice");
  GrantId g = AddGrantFor("acme", std::move(*ok));
  auto r = DoRelease(g, "alice", "ids.jsonl");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records, 2u);
}

TEST_F(ReleaseTest, FieldsRestrictWhatGoesOut) {
  IngestGenerated(50);
  AddPartnerAndMember("acme", "alice");
  GrantSpec g;
  g.partner = "acme";
  g.dataset = "math";
  g.fields = {"question", "n"};
  g.expires_at = clock_.Now() + std::chrono::seconds(86400);
  g.purpose = "qa only";
  auto gr = AddGrant(*custody_, g);
  ASSERT_TRUE(gr.ok());
  ASSERT_TRUE(DoRelease(gr->id, "alice", "f.jsonl").ok());
  for (const auto& l : Lines(root_ + "/f.jsonl")) {
    auto j = nlohmann::json::parse(l);
    EXPECT_TRUE(j.contains("question"));
    EXPECT_FALSE(j.contains("answer"));
  }
}

TEST_F(ReleaseTest, ExposureAnswersForAnyPastTime) {
  IngestGenerated(100);
  AddPartnerAndMember("acme", "alice");
  AddPartnerAndMember("beta", "bob");
  auto half = ShardSelection("1/2");
  GrantId ga = AddGrantFor("acme", std::move(*half));
  GrantId gb = AddGrantFor("beta");
  const Time t0 = clock_.Now();
  clock_.Advance(std::chrono::seconds(3600));
  auto ra = DoRelease(ga, "alice", "a.jsonl");
  ASSERT_TRUE(ra.ok());
  clock_.Advance(std::chrono::seconds(3600));
  auto rb = DoRelease(gb, "bob", "b.jsonl");
  ASSERT_TRUE(rb.ok());
  auto ea = ExposureOfMember(*custody_, "alice", std::nullopt);
  ASSERT_TRUE(ea.ok());
  EXPECT_EQ(ea->records, ra->records);
  ASSERT_EQ(ea->datasets.size(), 1u);
  EXPECT_EQ(ea->datasets[0].records, ra->records);
  auto before = ExposureOfMember(*custody_, "alice", t0);
  EXPECT_EQ(before->records, 0u);
  auto mid = ExposureOfPartner(*custody_, "beta", t0 + std::chrono::seconds(3600));
  EXPECT_EQ(mid->records, 0u);
  auto now = ExposureOfPartner(*custody_, "beta", std::nullopt);
  EXPECT_EQ(now->records, 100u);
  auto rec = ExposureOfRecord(*custody_, RecordId(first_id_), std::nullopt);
  ASSERT_TRUE(rec.ok());
  const bool alice_has = ea->datasets[0].ids.Contains(first_id_);
  EXPECT_EQ(rec->recipients.size(), alice_has ? 2u : 1u);
  auto rec_mid = ExposureOfRecord(*custody_, RecordId(first_id_), t0 + std::chrono::seconds(3600));
  EXPECT_EQ(rec_mid->recipients.size(), alice_has ? 1u : 0u);
  auto holdings = LoadHoldings(*custody_);
  ASSERT_TRUE(holdings.ok());
  ASSERT_EQ(holdings->size(), 2u);
  EXPECT_EQ((*holdings)[0].member, "alice");
  EXPECT_EQ((*holdings)[0].partner, "acme");
  EXPECT_EQ((*holdings)[1].ids.Cardinality(), 100u);
  EXPECT_EQ(ExposureOfRecord(*custody_, RecordId(first_id_ + 1000), std::nullopt).status().code(), StatusCode::kNotFound);
}

// Statuses as of a time come from the log: a grant revoked later is active
// then, one whose expiry has passed is expired, a release logged later does
// not count, and a partner's termination revokes its members and grants.
TEST_F(ReleaseTest, ExposureStatusesAsTheLogHadThem) {
  IngestGenerated(20);
  AddPartnerAndMember("acme", "alice");
  const Time t_added = clock_.Now();
  GrantId g1 = AddGrantFor("acme", {}, "", /*days=*/30);
  GrantId g2 = AddGrantFor("acme", {}, "alice", /*days=*/365);
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(DoRelease(g1, "alice", "a1.jsonl").ok());
  const Time t_first_release = clock_.Now();
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(DoRelease(g2, "alice", "a2.jsonl").ok());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(RevokeGrant(*custody_, g1, "").ok());
  const Time t_revoked = clock_.Now();
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(TerminatePartner(*custody_, "acme", "").ok());

  auto statuses = [](const HolderExposure& h) {
    std::vector<std::string> s;
    for (const auto& g : h.grants) s.push_back(g.status);
    return s;
  };
  auto before = ExposureOfMember(*custody_, "alice", t_first_release);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->releases, 1u);
  EXPECT_EQ(before->status, "active");
  EXPECT_EQ(before->partner_status, "active");
  EXPECT_EQ(statuses(*before), (std::vector<std::string>{"active", "active"}));

  auto revoked = ExposureOfMember(*custody_, "alice", t_revoked);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->releases, 2u);
  EXPECT_EQ(revoked->status, "active");
  EXPECT_EQ(statuses(*revoked), (std::vector<std::string>{"revoked", "active"}));

  auto record = ExposureOfRecord(*custody_, RecordId(first_id_), t_revoked);
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->recipients.size(), 2u);
  EXPECT_EQ(record->recipients[0].grant_status, "revoked");
  EXPECT_EQ(record->recipients[1].grant_status, "active");
  EXPECT_EQ(record->recipients[1].member_status, "active");
  auto record_early = ExposureOfRecord(*custody_, RecordId(first_id_), t_first_release);
  ASSERT_TRUE(record_early.ok());
  EXPECT_EQ(record_early->recipients.size(), 1u);

  auto now = ExposureOfPartner(*custody_, "acme", std::nullopt);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->status, "terminated");
  EXPECT_EQ(statuses(*now), (std::vector<std::string>{"revoked", "revoked"}));
  auto member_now = ExposureOfMember(*custody_, "alice", std::nullopt);
  EXPECT_EQ(member_now->status, "revoked");

  auto added = ExposureOfMember(*custody_, "alice", t_added - std::chrono::milliseconds(1));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->status, "not yet added");
  EXPECT_TRUE(added->grants.empty());

  auto state = LoggedStateAt(*custody_, t_first_release + std::chrono::days(60));
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->GrantStatus(g2.value()), "revoked");  // by the termination
  auto early = LoggedStateAt(*custody_, t_first_release);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->GrantStatus(g1.value()), "active");
  // The same events judged 31 days on: g1 (30 days) has expired, g2 not.
  early->at = t_first_release + std::chrono::days(31);
  EXPECT_EQ(early->GrantStatus(g1.value()), "expired");
  EXPECT_EQ(early->GrantStatus(g2.value()), "active");
  EXPECT_EQ(early->GrantStatus(g2.value() + 1), "not yet added");
}


TEST(RecordSetTest, RoundTripAndCorruption) {
  RecordSet s;
  for (uint64_t i = 1; i < 100000; i += 3) ASSERT_TRUE(s.Add(i).ok());
  ASSERT_TRUE(s.Add(4000000000u).ok());
  EXPECT_EQ(s.Add(uint64_t{1} << 33).code(), StatusCode::kOutOfRange);
  std::string bytes = s.Serialize();
  auto back = RecordSet::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == s);
  EXPECT_EQ(back->HashHex(), s.HashHex());
  EXPECT_EQ(back->Cardinality(), s.Cardinality());
  for (size_t n = 0; n < bytes.size(); n += 7) {
    EXPECT_FALSE(RecordSet::Deserialize(bytes.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(RecordSet::Deserialize(bytes + "x").ok());
}

}  // namespace
}  // namespace custody::core::testing
