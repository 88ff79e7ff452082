// Audit submissions; see submissions.h.
#include "custody/core/audit/submissions.h"

#include <cmath>
#include <map>
#include <set>

#include "custody/base/env.h"
#include "custody/core/audit/audit_events.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/logged_change.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/store/catalog.h"
#include "custody/store/vault.h"

namespace custody::core::audit {
namespace {

std::string EvidenceAd(SubmissionId id, const std::string& control) {
  return "custody audit evidence v1\n" + ToString(id) + "\n" + control;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<Submission> FromRow(const store::SubmissionRow& row, const std::string& partner,
                           std::vector<store::EvidenceRow> evidence) {
  const std::string where = "catalog audit_submissions row " + ToString(row.id);
  Submission s;
  s.id = row.id;
  s.partner = partner;
  s.created_at = row.created_at;
  s.control_set = row.control_set;
  s.answers_sha256 = row.answers_sha256;
  s.log_index = row.log_index;
  const nlohmann::json j = nlohmann::json::parse(row.answers_json, nullptr, false);
  const ControlSet& set = BuiltinControls();
  if (row.control_set != set.Label()) {
    return DataLossError(where + ": control_set: expected " + set.Label() + ", found '" +
                         row.control_set + "'");
  }
  auto answers = AnswersFromJson(set, j);
  if (!answers.ok()) return DataLossError(where + ": " + answers.status().message());
  s.answers = std::move(*answers);
  std::set<std::string> evidenced;
  for (auto& e : evidence) {
    evidenced.insert(e.control_id);
    s.evidence.push_back({e.control_id, e.file_name, e.sha256, e.bytes});
  }
  s.posture = ScorePosture(set, s.answers, evidenced);
  return s;
}

}  // namespace

Result<Submission> SubmitAudit(Custody& c, const SubmitOptions& o) {
  CUSTODY_ASSIGN_OR_RETURN(Partner partner, FindPartner(c, o.partner));
  const ControlSet& set = BuiltinControls();
  Env* env = c.env();
  CUSTODY_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(o.file));
  CUSTODY_ASSIGN_OR_RETURN(Answers answers,
                           ParseAnswers(set, text, o.file, EndsWith(o.file, ".toml")));
  struct Loaded {
    EvidenceInfo info;
    std::string bytes;
  };
  std::vector<Loaded> loaded;
  std::set<std::string> evidenced;
  for (const auto& e : o.evidence) {
    if (set.Find(e.control_id) == nullptr) {
      return InvalidArgumentError("evidence: " + e.control_id + "=" + e.path + ": no control " +
                                  e.control_id + " in " + set.Label());
    }
    auto bytes = env->ReadFileToString(e.path);
    if (!bytes.ok()) return bytes.status().WithPrefix("evidence: " + e.path);
    Loaded l;
    l.info.control_id = e.control_id;
    l.info.file_name = BaseName(e.path);
    l.info.sha256 = crypto::DigestHex(crypto::Sha256(*bytes));
    l.info.bytes = static_cast<int64_t>(bytes->size());
    l.bytes = std::move(*bytes);
    evidenced.insert(e.control_id);
    loaded.push_back(std::move(l));
  }
  Submission s;
  s.partner = partner.name;
  s.created_at = c.clock()->Now();
  s.control_set = set.Label();
  s.answers_sha256 = crypto::DigestHex(crypto::Sha256(text));
  s.answers = std::move(answers);
  s.posture = ScorePosture(set, s.answers, evidenced);
  for (const auto& l : loaded) s.evidence.push_back(l.info);
  CUSTODY_ASSIGN_OR_RETURN(auto key, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Evidence()));
  const int64_t posture_millis = std::llround(s.posture.posture * 1000);
  CUSTODY_ASSIGN_OR_RETURN(uint64_t index, LoggedChange(c, [&](ledger::Event* ev) -> Status {
    store::SubmissionRow row;
    row.partner_id = partner.id;
    row.created_at = s.created_at;
    row.control_set = s.control_set;
    row.answers_json = s.answers.ToJson().dump();
    row.answers_sha256 = s.answers_sha256;
    row.posture_millis = posture_millis;
    row.grade = std::string(1, s.posture.grade);
    row.knockout_failed = s.posture.knockout_failed;
    row.log_index = static_cast<int64_t>(c.log().size());
    CUSTODY_ASSIGN_OR_RETURN(s.id, c.catalog().audits().InsertSubmission(row));
    nlohmann::json ev_list = nlohmann::json::array();
    std::map<std::string, int> per_control;
    for (const auto& l : loaded) {
      store::EvidenceRow er;
      er.submission_id = s.id;
      er.control_id = l.info.control_id;
      er.file_name = l.info.file_name;
      er.sha256 = l.info.sha256;
      er.bytes = l.info.bytes;
      CUSTODY_ASSIGN_OR_RETURN(er.sealed,
                               crypto::AeadSeal(key, l.bytes, EvidenceAd(s.id, er.control_id)));
      CUSTODY_RETURN_IF_ERROR(c.catalog().audits().InsertEvidence(er));
      ev_list.push_back({{"control", er.control_id}, {"file", er.file_name}, {"bytes", er.bytes},
                         {"sha256", er.sha256}});
      // evidence.IAM-02, then evidence.IAM-02.2 for a second file of the control.
      const int n = ++per_control[er.control_id];
      ev->hashes["evidence." + er.control_id + (n > 1 ? "." + std::to_string(n) : "")] = er.sha256;
    }
    nlohmann::json knockouts = nlohmann::json::array();
    for (const auto& r : s.posture.controls) {
      if (r.knockout_failed) knockouts.push_back(r.control->id);
    }
    ev->type = kAuditEvent;
    ev->subject = "partner:" + partner.name;
    ev->details = {{"action", "submit"},
                   {"partner_id", partner.id},
                   {"submission_id", s.id},
                   {"control_set", s.control_set},
                   {"answered", s.answers.values.size()},
                   {"posture_millis", posture_millis},
                   {"grade", row.grade},
                   {"knockouts_failed", knockouts},
                   {"gaps", s.posture.Gaps().size()},
                   {"evidence", ev_list}};
    ev->hashes["answers"] = s.answers_sha256;
    return OkStatus();
  }));
  s.log_index = static_cast<int64_t>(index);
  return s;
}

Result<std::vector<Submission>> AuditHistory(Custody& c, const std::string& partner) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().audits().Submissions(p.id));
  std::vector<Submission> out;
  for (const auto& row : rows) {
    CUSTODY_ASSIGN_OR_RETURN(auto ev, c.catalog().audits().Evidence(row.id));
    CUSTODY_ASSIGN_OR_RETURN(Submission s, FromRow(row, p.name, std::move(ev)));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::string> OpenEvidence(Custody& c, SubmissionId id, const std::string& control_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().audits().Evidence(id));
  for (const auto& r : rows) {
    if (r.control_id != control_id) continue;
    CUSTODY_ASSIGN_OR_RETURN(auto key, c.vault().GetWrappedKey(store::KeyPurpose::Evidence()));
    return crypto::AeadOpen(key, r.sealed, EvidenceAd(id, control_id));
  }
  return NotFoundError("no evidence for " + control_id + " in submission " + ToString(id));
}

}  // namespace custody::core::audit
