// The catalog's audit tables (schema v5): partner questionnaire submissions,
// the sealed evidence files attached to them, deletion certificates, and the
// sensitivity tier of each dataset. Every row that defines state is written
// in the transaction that appends its custody log event (core LoggedChange).
// No SQL about these rows exists anywhere else. Schema:
// docs/formats/catalog.md ("v5"); meaning: docs/audit.md.
// Thread-safety: as Catalog (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"

namespace custody {
using SubmissionId = Id<struct SubmissionIdTag, int64_t>;
using AttestationId = Id<struct AttestationIdTag, int64_t>;
}  // namespace custody

namespace custody::store {

class Db;

// A dataset's sensitivity tier, lowest first; on disk its word.
enum class Sensitivity { kPublic, kInternal, kConfidential, kRestricted };
std::string_view SensitivityName(Sensitivity s);
// kInvalidArgument naming the four words if `word` is none of them.
Result<Sensitivity> ParseSensitivity(std::string_view word);

struct SubmissionRow {
  SubmissionId id;
  PartnerId partner_id;
  Time created_at;
  std::string control_set;     // "custody-partner-controls@1"
  std::string answers_json;    // the validated answers, canonical JSON
  std::string answers_sha256;  // hex SHA-256 of the submitted file
  int64_t posture_millis = 0;  // posture x 1000, as scored when submitted
  std::string grade;           // "A".."F"
  bool knockout_failed = false;
  std::optional<int64_t> log_index;
};

struct EvidenceRow {
  int64_t id = 0;
  SubmissionId submission_id;
  std::string control_id;
  std::string file_name;  // base name as given
  std::string sha256;     // hex SHA-256 of the plaintext file
  int64_t bytes = 0;
  std::string sealed;     // AEAD under the evidence key
};

struct AttestationRow {
  AttestationId id;
  PartnerId partner_id;
  ReleaseId release_id;  // invalid: the attestation covers a grant
  GrantId grant_id;      // invalid: the attestation covers a release
  Time created_at;
  std::string file_name;
  std::string sha256;
  int64_t bytes = 0;
  std::string sealed;
  std::optional<int64_t> log_index;
};

class AuditTables {
 public:
  explicit AuditTables(Db* db) : db_(db) {}

  Result<SubmissionId> InsertSubmission(const SubmissionRow& row);
  Status InsertEvidence(const EvidenceRow& row);
  // Submissions of `partner_id` (every partner if invalid), oldest first.
  Result<std::vector<SubmissionRow>> Submissions(PartnerId partner_id);
  // Evidence rows of one submission (sealed bytes included), by id.
  Result<std::vector<EvidenceRow>> Evidence(SubmissionId submission_id);

  Result<AttestationId> InsertAttestation(const AttestationRow& row);
  // Attestations of `partner_id` (every partner if invalid), oldest first.
  Result<std::vector<AttestationRow>> Attestations(PartnerId partner_id);

  // The sensitivity of a dataset; kNotFound if there is no such dataset.
  Result<Sensitivity> GetSensitivity(DatasetId dataset_id);
  Status SetSensitivity(DatasetId dataset_id, Sensitivity s);

 private:
  Db* db_;
};

}  // namespace custody::store
