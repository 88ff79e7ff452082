// Exposure queries: who received a record, and what a member or partner
// holds, as of now or any past time `at`: the releases whose log event is
// timed at or before it, and each status (member, partner, grant) as the
// custody log had it then (as_of.h). Built on holdings.h. Canaries are not
// vault records and are not counted.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/exposure/as_of.h"
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
  std::string member_status;  // at the query's time (as_of.h)
  std::string grant_status;
};

struct RecordExposure {
  RecordId record_id;
  std::string dataset;  // "" if the record is unknown to the catalog
  int version = 0;
  std::vector<RecordRecipient> recipients;  // oldest first
};

// `at` unset: now. kNotFound if no committed version holds `record_id`.
Result<RecordExposure> ExposureOfRecord(Custody& custody, RecordId record_id,
                                        std::optional<Time> at);

struct DatasetHolding {
  std::string dataset;
  int version = 0;
  uint64_t records = 0;  // distinct record ids held of this version
  RecordSet ids;
};

// A grant under which the holder received or could receive data, with its
// status at the query's time (as_of.h: "active", "revoked", "expired",
// "not yet added").
struct GrantExposure {
  GrantId id;
  std::string member;  // "" for a grant to the whole partner
  std::string dataset;
  int version = 0;
  std::optional<Time> expires_at;  // as logged; unset if the event holds none
  std::string status;
};

struct HolderExposure {
  std::string kind;  // "member" or "partner"
  std::string name;
  std::string partner;         // for a member
  std::string status;          // member or partner status at the time
  std::string partner_status;  // the partner's status at the time
  std::vector<GrantExposure> grants;  // the partner's grants (for a member: its own and
                                      // partner-wide ones) logged by then, by id
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
