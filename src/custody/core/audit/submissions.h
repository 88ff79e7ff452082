// Audit submissions: a partner's answers recorded with their evidence. The
// answers are validated against the built-in control set, each evidence file
// is hashed (SHA-256) and stored sealed with the vault's evidence key, and
// the row, its evidence and the `audit` log event (answers' and evidence
// hashes, posture, grade) commit together. Every submission is kept: the
// newest is the partner's posture, the rest its history. docs/audit.md.
// Thread-safety: as Custody.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/status.h"
#include "custody/core/audit/posture.h"
#include "custody/core/vault/custody.h"
#include "custody/store/audit_tables.h"

namespace custody::core::audit {

struct EvidenceFile {
  std::string control_id;
  std::string path;
};

struct SubmitOptions {
  std::string partner;
  std::string file;  // the filled-in template; TOML if it ends in .toml
  std::vector<EvidenceFile> evidence;
};

struct EvidenceInfo {
  std::string control_id;
  std::string file_name;
  std::string sha256;
  int64_t bytes = 0;
};

struct Submission {
  SubmissionId id;
  std::string partner;
  Time created_at;
  std::string control_set;
  std::string answers_sha256;
  Answers answers;
  std::vector<EvidenceInfo> evidence;
  Posture posture;  // scored against the built-in set, evidence considered
  std::optional<int64_t> log_index;
};

// Records a submission. kInvalidArgument ("FILE:LINE: answers.ID: ...") for
// bad answers, an evidence control that is not in the set or an unreadable
// evidence file; kNotFound for an unknown partner.
Result<Submission> SubmitAudit(Custody& custody, const SubmitOptions& options);

// Every submission of `partner`, oldest first (empty if never audited).
Result<std::vector<Submission>> AuditHistory(Custody& custody, const std::string& partner);

// The evidence file `control_id` of submission `id`, decrypted; kNotFound.
Result<std::string> OpenEvidence(Custody& custody, SubmissionId id, const std::string& control_id);

}  // namespace custody::core::audit
