// Obligations: what a partner must have deleted and by when. A release's
// records are due for deletion when its grant ends (revoked, or expired)
// plus a retention window (kDefaultRetention); a deletion certificate
// (`partner attest-deletion`) for the release or its grant discharges it.
// Certificates are hashed, stored sealed with the evidence key and logged
// (`deletion` event) with their row. Also here: a dataset's sensitivity
// tier, settable and logged (`dataset.sensitivity`). docs/audit.md.
// Thread-safety: as Custody.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/store/audit_tables.h"

namespace custody::core::audit {

inline constexpr std::chrono::days kDefaultRetention{30};

// Sets `dataset`'s tier and logs it. kNotFound for an unknown dataset.
Result<uint64_t> SetDatasetSensitivity(Custody& custody, const std::string& dataset,
                                       store::Sensitivity tier);

struct AttestOptions {
  std::string partner;
  ReleaseId release_id;  // exactly one of release_id and grant_id
  GrantId grant_id;
  std::string certificate;  // path of the certificate file
};

struct Attestation {
  AttestationId id;
  std::string partner;
  ReleaseId release_id;
  GrantId grant_id;
  Time created_at;
  std::string file_name;
  std::string sha256;
  int64_t bytes = 0;
  std::optional<int64_t> log_index;
};

// Records a deletion certificate. kInvalidArgument unless exactly one of
// release/grant is given; kNotFound if the release or grant is not the
// partner's.
Result<Attestation> AttestDeletion(Custody& custody, const AttestOptions& options);
Result<std::vector<Attestation>> ListAttestations(Custody& custody, const std::string& partner);

// One release held by a partner's member, with its deletion obligation.
struct Holding {
  ReleaseId release_id;
  GrantId grant_id;
  std::string member;
  bool member_active = true;
  std::string dataset;
  int version = 0;
  store::Sensitivity sensitivity = store::Sensitivity::kConfidential;
  uint64_t records = 0;
  bool encrypted = false;
  Time released_at;
  std::optional<Time> grant_end;  // revoked_at, else expires_at
  std::optional<Time> due_at;     // grant_end + retention
  bool deleted = false;           // a certificate covers it
  int64_t overdue_days = 0;       // whole days past due_at, if not deleted
};

struct PartnerObligations {
  std::string partner;
  std::vector<Holding> holdings;     // oldest release first
  std::vector<GrantId> stale_grants; // still active although expired
  uint64_t members_holding = 0;      // distinct members with undeleted holdings
};

Result<PartnerObligations> ObligationsOf(Custody& custody, const std::string& partner, Time now,
                                         std::chrono::days retention = kDefaultRetention);

}  // namespace custody::core::audit
