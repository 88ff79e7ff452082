#include <gtest/gtest.h>

#include <fstream>

#include "custody/core/audit/answers.h"
#include "custody/core/audit/controls.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/audit/partner_report.h"
#include "custody/core/audit/posture.h"
#include "custody/core/audit/risk.h"
#include "custody/core/audit/risk_report.h"
#include "custody/core/audit/submissions.h"
#include "custody/core/audit/toml_json.h"
#include "custody/core/release/release_fixture.h"
#include "custody/store/catalog.h"

namespace custody::core::audit {
namespace {

// The best answer to every control.
Answers BestAnswers(const ControlSet& set) {
  Answers a;
  for (const auto& c : set.controls) {
    switch (c.answer.type) {
      case AnswerType::kYesPartialNo: a.values[c.id] = "yes"; break;
      case AnswerType::kNumber: a.values[c.id] = c.answer.threshold; break;
      case AnswerType::kEnum: a.values[c.id] = c.answer.options.front().value; break;
      case AnswerType::kList: a.values[c.id] = nlohmann::json::array({c.answer.options.front().value}); break;
    }
  }
  return a;
}

std::set<std::string> AllIds(const ControlSet& set) {
  std::set<std::string> ids;
  for (const auto& c : set.controls) ids.insert(c.id);
  return ids;
}

TEST(ControlSetTest, BuiltinCoversEveryFrameworkAndAbout30Controls) {
  const ControlSet& set = BuiltinControls();
  EXPECT_EQ(set.Label(), "custody-partner-controls@1");
  EXPECT_GE(set.controls.size(), 28u);
  int knockouts = 0;
  for (const auto& c : set.controls) {
    EXPECT_EQ(c.mappings.size(), std::size(kFrameworks)) << c.id;
    knockouts += c.knockout;
  }
  EXPECT_GT(knockouts, 3);
}

TEST(ControlSetTest, JsonTemplateRoundTrips) {
  const ControlSet& set = BuiltinControls();
  auto parsed = ParseControlSet(TemplateText(set, false), "template.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, set);
}

TEST(ControlSetTest, TomlTemplateRoundTrips) {
  const ControlSet& set = BuiltinControls();
  const std::string toml = TemplateText(set, true);
  auto j = TomlToJson(toml, "template.toml");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto parsed = ControlSetFromJson(*j);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, set);
}

TEST(ControlSetTest, BadControlNamesFileLineAndField) {
  nlohmann::json j = ControlSetToJson(BuiltinControls());
  j["controls"][3]["weight"] = 9;
  auto s = ParseControlSet(j.dump(1), "c.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("c.json:"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("controls[3].weight"), std::string::npos);
}

TEST(AnswersTest, InvalidAnswerNamesFileLineAndControl) {
  const ControlSet& set = BuiltinControls();
  const std::string text = "{\n  \"answers\": {\n    \"IAM-01\": \"yes\",\n    \"IAM-04\": \"soon\"\n  }\n}\n";
  auto a = ParseAnswers(set, text, "answers.json", false);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.status().message().rfind("answers.json:4: answers.IAM-04: expected a number", 0), 0u)
      << a.status().message();
  auto unknown = ParseAnswers(set, "{\"answers\":{\"NOPE-1\":\"yes\"}}", "a.json", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("NOPE-1: no such control"), std::string::npos);
}

TEST(AnswersTest, TomlAnswersParse) {
  auto a = ParseAnswers(BuiltinControls(),
                        "[answers]\n\"IAM-01\" = \"yes\"\n\"IAM-04\" = 8\nGRC-01 = [\"iso27001\"]\n",
                        "a.toml", true);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->values.size(), 3u);
  EXPECT_EQ(a->values.at("IAM-04"), 8);
}

TEST(PostureTest, AllMetWithEvidenceIsA) {
  const ControlSet& set = BuiltinControls();
  Posture p = ScorePosture(set, BestAnswers(set), AllIds(set));
  EXPECT_DOUBLE_EQ(p.posture, 1.0);
  EXPECT_EQ(p.grade, 'A');
  EXPECT_TRUE(p.Gaps().empty());
}

TEST(PostureTest, AnswersWithoutEvidenceCountAtMostHalf) {
  const ControlSet& set = BuiltinControls();
  Posture p = ScorePosture(set, BestAnswers(set), {});
  EXPECT_DOUBLE_EQ(p.posture, kUnevidencedCap);
  EXPECT_EQ(p.grade, 'F');
  EXPECT_FALSE(p.knockout_failed);  // the claims stand, unproven
  EXPECT_EQ(p.Gaps().size(), set.controls.size());
  // One control evidenced: only it counts fully.
  Posture one = ScorePosture(set, BestAnswers(set), {"IAM-02"});
  EXPECT_GT(one.posture, p.posture);
  EXPECT_LT(one.posture, 1.0);
}

TEST(PostureTest, FailedKnockoutCapsGradeAtF) {
  const ControlSet& set = BuiltinControls();
  Answers a = BestAnswers(set);
  a.values["IAM-02"] = "partial";  // MFA only partly enforced: a knockout
  Posture p = ScorePosture(set, a, AllIds(set));
  EXPECT_GT(p.posture, 0.9);  // would be an A
  EXPECT_TRUE(p.knockout_failed);
  EXPECT_EQ(p.grade, 'F');
  ASSERT_EQ(p.Gaps().size(), 1u);
  EXPECT_TRUE(p.Gaps()[0]->knockout_failed);
  // The same answer on a non-knockout control only lowers the posture.
  Answers b = BestAnswers(set);
  b.values["IAM-05"] = "partial";
  Posture q = ScorePosture(set, b, AllIds(set));
  EXPECT_EQ(q.grade, 'A');
  EXPECT_FALSE(q.knockout_failed);
}

TEST(PostureTest, NumberThresholdsAndGradeBands) {
  const ControlSet& set = BuiltinControls();
  Answers a = BestAnswers(set);
  a.values["SEF-01"] = 72;  // notify within 72 hours, expected at most 24: knockout
  Posture p = ScorePosture(set, a, AllIds(set));
  EXPECT_TRUE(p.knockout_failed);
  EXPECT_EQ(GradeFor(0.95), 'A');
  EXPECT_EQ(GradeFor(0.85), 'B');
  EXPECT_EQ(GradeFor(0.75), 'C');
  EXPECT_EQ(GradeFor(0.65), 'D');
  EXPECT_EQ(GradeFor(0.59), 'F');
}

TEST(PostureTest, ExternalRatingsNormalizeAndBlend) {
  auto s = ParseExternalRating("securityscorecard:87");
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->normalized, 0.87);
  auto b = ParseExternalRating("bitsight:900");
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(b->normalized, 1.0);
  auto u = ParseExternalRating("UpGuard:475");
  ASSERT_TRUE(u.ok());
  EXPECT_DOUBLE_EQ(u->normalized, 0.5);
  EXPECT_FALSE(ParseExternalRating("bitsight:100").ok());
  EXPECT_FALSE(ParseExternalRating("acme:5").ok());
  const ControlSet& set = BuiltinControls();
  Posture p = BlendExternal(ScorePosture(set, BestAnswers(set), AllIds(set)), *u);
  EXPECT_DOUBLE_EQ(p.posture, 1 - kExternalWeight * 0.5);
}

class AuditVaultTest : public testing::ReleaseTest {
 protected:
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string p = root_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  double RiskOfPartner(const std::string& name) {
    auto r = RankRisk(*custody_, name, clock_.Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && !r->empty() ? r->front().risk : -1;
  }
};

TEST_F(AuditVaultTest, SubmissionIsLoggedWithSealedEvidenceAndKeptInHistory) {
  AddPartnerAndMember("acme", "alice");
  const ControlSet& set = BuiltinControls();
  nlohmann::json doc = {{"answers", BestAnswers(set).ToJson()}};
  const std::string file = WriteFile("answers.json", doc.dump(2));
  const std::string ev = WriteFile("mfa.pdf", "MFA policy export");
  const uint64_t before = LogSize();
  auto s = SubmitAudit(*custody_, {"acme", file, {{"IAM-02", ev}}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(LogSize(), before + 1);
  auto entry = custody_->log().ReadEntry(static_cast<uint64_t>(*s->log_index));
  ASSERT_TRUE(entry.ok());
  auto logged = ledger::ParseEvent(*entry);
  ASSERT_TRUE(logged.ok());
  EXPECT_EQ(logged->type, "audit");
  EXPECT_EQ(logged->hashes.at("evidence.IAM-02"), crypto::DigestHex(crypto::Sha256("MFA policy export")));
  EXPECT_EQ(logged->hashes.at("answers"), s->answers_sha256);
  ASSERT_EQ(s->evidence.size(), 1u);
  EXPECT_EQ(s->evidence[0].sha256, crypto::DigestHex(crypto::Sha256("MFA policy export")));
  auto opened = OpenEvidence(*custody_, s->id, "IAM-02");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "MFA policy export");
  auto rows = custody_->catalog().audits().Evidence(s->id);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].sealed.find("MFA policy"), std::string::npos);  // never stored in clear
  clock_.Advance(std::chrono::hours(24));
  ASSERT_TRUE(SubmitAudit(*custody_, {"acme", file, {}}).ok());
  auto history = AuditHistory(*custody_, "acme");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_GT((*history)[0].posture.posture, (*history)[1].posture.posture);
  EXPECT_EQ((*history)[0].log_index, s->log_index);
  // A bad evidence control is refused before anything is logged.
  const uint64_t size = LogSize();
  EXPECT_FALSE(SubmitAudit(*custody_, {"acme", file, {{"NOPE", ev}}}).ok());
  EXPECT_EQ(LogSize(), size);
}

TEST_F(AuditVaultTest, RiskRanksTenTimesMorePlaintextHigherAndDropsAfterDeletion) {
  IngestGenerated(200);
  AddPartnerAndMember("big", "bob");
  AddPartnerAndMember("small", "sam");
  const GrantId big = AddGrantFor("big");
  auto shard = ShardSelection("1/10");
  ASSERT_TRUE(shard.ok());
  const GrantId small = AddGrantFor("small", *shard);
  auto rb = DoRelease(big, "bob", "bob.jsonl");
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  ASSERT_TRUE(DoRelease(small, "sam", "sam.jsonl").ok());
  auto ranked = RankRisk(*custody_, "", clock_.Now());
  ASSERT_TRUE(ranked.ok()) << ranked.status().ToString();
  ASSERT_EQ(ranked->size(), 2u);
  EXPECT_EQ((*ranked)[0].partner, "big");
  // A keyed 1-of-10 shard: about a tenth of the records.
  const double held_big = static_cast<double>((*ranked)[0].records_held);
  const double held_small = static_cast<double>((*ranked)[1].records_held);
  EXPECT_EQ(held_big, 200);
  EXPECT_GT(held_small, 0);
  EXPECT_LT(held_small * 5, held_big);
  // Otherwise equal: risk is proportional to the plaintext held.
  EXPECT_NEAR((*ranked)[0].risk / (*ranked)[1].risk, held_big / held_small, 1e-9);
  EXPECT_FALSE((*ranked)[0].grade.has_value());
  EXPECT_DOUBLE_EQ((*ranked)[0].likelihood, kNoAuditLikelihood);

  const double before = RiskOfPartner("big");
  const uint64_t size = LogSize();
  auto a = AttestDeletion(*custody_, {"big", rb->release_id, GrantId(),
                                      WriteFile("cert.pdf", "deleted all 200 records")});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(LogSize(), size + 1);
  EXPECT_LT(RiskOfPartner("big"), before);
  EXPECT_EQ(RiskOfPartner("big"), 0);
  auto after = RankRisk(*custody_, "", clock_.Now());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].partner, "small");
  // Someone else's release is refused.
  EXPECT_EQ(AttestDeletion(*custody_, {"small", rb->release_id, GrantId(),
                                       root_ + "/cert.pdf"}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(AuditVaultTest, OverdueDeletionRaisesRiskAndSensitivityWeighs) {
  IngestGenerated(100);
  AddPartnerAndMember("acme", "alice");
  const GrantId g = AddGrantFor("acme", {}, "", 10);
  ASSERT_TRUE(DoRelease(g, "alice", "alice.jsonl").ok());
  const double fresh = RiskOfPartner("acme");
  clock_.Advance(std::chrono::days(10 + 30 + 15));  // 15 days past grant end + retention
  auto o = ObligationsOf(*custody_, "acme", clock_.Now());
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o->holdings.size(), 1u);
  EXPECT_EQ(o->holdings[0].overdue_days, 15);
  ASSERT_EQ(o->stale_grants.size(), 1u);
  const double overdue = RiskOfPartner("acme");
  EXPECT_GT(overdue, fresh);
  const uint64_t size = LogSize();
  ASSERT_TRUE(SetDatasetSensitivity(*custody_, "math", store::Sensitivity::kRestricted).ok());
  EXPECT_EQ(LogSize(), size + 1);
  EXPECT_DOUBLE_EQ(RiskOfPartner("acme"), 2 * overdue);
  EXPECT_EQ(SetDatasetSensitivity(*custody_, "nope", store::Sensitivity::kPublic).status().code(),
            StatusCode::kNotFound);
}

TEST_F(AuditVaultTest, PartnerReportIsSelfContainedHtml) {
  IngestGenerated(50);
  AddPartnerAndMember("acme", "alice");
  ASSERT_TRUE(DoRelease(AddGrantFor("acme"), "alice", "alice.jsonl").ok());
  nlohmann::json doc = {{"answers", BestAnswers(BuiltinControls()).ToJson()}};
  ASSERT_TRUE(SubmitAudit(*custody_, {"acme", WriteFile("a.json", doc.dump()), {}}).ok());
  const std::string out = root_ + "/acme.html";
  ASSERT_TRUE(WritePartnerReport(*custody_, "acme", ReportFormat::kHtml, out, false, clock_.Now()).ok());
  auto html = Env::Default()->ReadFileToString(out);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("<svg"), std::string::npos);
  EXPECT_NE(html->find("Partner audit: acme"), std::string::npos);
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("http://"), html->find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html->find("https://"), std::string::npos);
  // Not overwritten without the flag.
  EXPECT_EQ(WritePartnerReport(*custody_, "acme", ReportFormat::kMarkdown, out, false, clock_.Now()).code(),
            StatusCode::kAlreadyExists);
  auto j = PartnerReportJson(*custody_, "acme", clock_.Now());
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["holdings"][0]["records_held"], 50);
  EXPECT_EQ((*j)["history"].size(), 1u);
}

TEST_F(AuditVaultTest, RiskReportRanksLikeRankRiskAndIsSelfContained) {
  IngestGenerated(100);
  AddPartnerAndMember("big", "bob");
  AddPartnerAndMember("small", "sam");
  auto shard = ShardSelection("1/10");
  ASSERT_TRUE(shard.ok());
  ASSERT_TRUE(DoRelease(AddGrantFor("big"), "bob", "bob.jsonl").ok());
  ASSERT_TRUE(DoRelease(AddGrantFor("small", *shard), "sam", "sam.jsonl").ok());
  auto ranked = RankRisk(*custody_, "", clock_.Now());
  ASSERT_TRUE(ranked.ok());
  auto j = RiskReportJson(*custody_, "", clock_.Now());
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  ASSERT_EQ((*j)["partners"].size(), ranked->size());
  for (size_t i = 0; i < ranked->size(); ++i) {
    EXPECT_EQ((*j)["partners"][i]["partner"], (*ranked)[i].partner);
    EXPECT_DOUBLE_EQ((*j)["partners"][i]["risk"].get<double>(), (*ranked)[i].risk);
  }
  EXPECT_EQ((*j)["constants"]["grade_likelihood"]["never_audited"].get<double>(),
            kNoAuditLikelihood);
  const std::string out = root_ + "/risk.html";
  ASSERT_TRUE(WriteRiskReport(*custody_, "", ReportFormat::kHtml, out, false, clock_.Now()).ok());
  auto html = Env::Default()->ReadFileToString(out);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("aria-label=\"risk per partner\""), std::string::npos);
  EXPECT_LT(html->find("<td>1</td><td>big</td>"), html->find("<td>2</td><td>small</td>"));
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("https://"), std::string::npos);
  EXPECT_EQ(WriteRiskReport(*custody_, "", ReportFormat::kMarkdown, out, false, clock_.Now()).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RiskReportJson(*custody_, "nosuch", clock_.Now()).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace custody::core::audit
