// Exposure queries: who received a record, and what a member or partner
// holds, as of now or any past time (releases created at or before `at`).
// Built on holdings.h. Canaries are not vault records and are not counted.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/release/holdings.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

struct RecordRecipient {
  std::string member;
  MemberId member_id;
  std::string partner;
  ReleaseId release_id;
  GrantId grant_id;
  Time created_at;
  std::string dataset;
  int version = 0;
};

struct RecordExposure {
  RecordId record_id;
  std::string dataset;  // "" if the record is unknown to the catalog
  int version = 0;
  std::vector<RecordRecipient> recipients;  // oldest first
};

// kNotFound if no committed version holds `record_id`.
Result<RecordExposure> ExposureOfRecord(Custody& custody, RecordId record_id,
                                        std::optional<Time> at);

struct DatasetHolding {
  std::string dataset;
  int version = 0;
  uint64_t records = 0;  // distinct record ids held of this version
  RecordSet ids;
};

struct HolderExposure {
  std::string kind;  // "member" or "partner"
  std::string name;
  std::string partner;  // for a member
  std::string status;   // member or partner status now
  uint64_t records = 0;   // distinct record ids over every dataset
  uint64_t releases = 0;
  uint64_t canaries = 0;
  std::vector<DatasetHolding> datasets;  // by dataset, then version
  std::vector<ReleaseSummary> release_list;  // oldest first (ids not needed: see datasets)
};

Result<HolderExposure> ExposureOfMember(Custody& custody, const std::string& member,
                                        std::optional<Time> at);
Result<HolderExposure> ExposureOfPartner(Custody& custody, const std::string& partner,
                                         std::optional<Time> at);

}  // namespace custody::core
