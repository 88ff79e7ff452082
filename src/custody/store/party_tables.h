// The catalog's tables of who may hold data: partners, members and grants.
// Each table has one row struct and one class that reads and writes it; no
// SQL about these rows exists anywhere else. Schema: docs/formats/catalog.md.
// Writes are meant to run inside Catalog::Transaction together with the
// custody log append that justifies them (core's LoggedChange).
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

namespace custody::store {

class Db;

enum class PartnerStatus : uint8_t { kActive, kSuspended, kTerminated };
enum class MemberStatus : uint8_t { kActive, kRevoked };
enum class GrantStatus : uint8_t { kActive, kRevoked };

// "active", "suspended", "terminated" / "active", "revoked": the words the
// catalog stores and reports show.
std::string_view PartnerStatusName(PartnerStatus s);
std::string_view MemberStatusName(MemberStatus s);
std::string_view GrantStatusName(GrantStatus s);

struct PartnerRow {
  PartnerId id;
  std::string name;
  std::string contact;
  std::string contract;
  std::string notes;
  PartnerStatus status = PartnerStatus::kActive;
  Time created_at;
  Time changed_at;
};

struct MemberRow {
  MemberId id;  // the member id given to mark::Marker::Mark
  PartnerId partner_id;
  std::string partner;     // the partner's name (read only: joined)
  std::string name;
  std::string email;
  std::string public_key;  // raw 32-byte X25519 key (stored as base64)
  MemberStatus status = MemberStatus::kActive;
  Time created_at;
  std::optional<Time> revoked_at;
};

struct GrantRow {
  GrantId id;
  PartnerId partner_id;
  std::string partner;                // read only: joined
  std::optional<MemberId> member_id;  // set: only this member may receive it
  std::string member;                // read only: joined ("" if none)
  DatasetId dataset_id;
  std::string dataset;               // read only: joined
  VersionId version_id;
  int version = 0;                   // read only: joined
  std::string fields_json;           // JSON array of field names
  std::string selection_json;        // JSON object (core/parties/grants.h)
  Time expires_at;
  std::string purpose;
  GrantStatus status = GrantStatus::kActive;
  Time created_at;
  std::optional<Time> revoked_at;
};

// Reads return kDataLoss naming the row and column when a stored value is
// not one this code writes (an unknown status, an undecodable key).

class PartnerTable {
 public:
  explicit PartnerTable(Db* db) : db_(db) {}

  // Inserts `row` (its id is ignored) and returns the new id.
  Result<PartnerId> Insert(const PartnerRow& row);
  // Every partner, by name.
  Result<std::vector<PartnerRow>> List();
  // The partner named `name`, or nullopt.
  Result<std::optional<PartnerRow>> FindByName(std::string_view name);
  // The partner with id `id`, or nullopt.
  Result<std::optional<PartnerRow>> Get(PartnerId id);
  // Sets status and changed_at; kNotFound if no such partner.
  Status SetStatus(PartnerId id, PartnerStatus status, Time changed_at);

 private:
  Db* db_;
};

class MemberTable {
 public:
  explicit MemberTable(Db* db) : db_(db) {}

  Result<MemberId> Insert(const MemberRow& row);
  // Every member (of partner `partner_id` when it is valid), by name.
  Result<std::vector<MemberRow>> List(PartnerId partner_id = PartnerId());
  Result<std::optional<MemberRow>> FindByName(std::string_view name);
  Result<std::optional<MemberRow>> Get(MemberId id);
  // Revokes an active member; kNotFound if no active member has that id.
  Status Revoke(MemberId id, Time revoked_at);
  // Revokes every active member of a partner; returns their ids, ascending.
  Result<std::vector<MemberId>> RevokeAllOf(PartnerId partner_id, Time revoked_at);

 private:
  Db* db_;
};

class GrantTable {
 public:
  explicit GrantTable(Db* db) : db_(db) {}

  Result<GrantId> Insert(const GrantRow& row);
  // Every grant (of partner `partner_id` when it is valid), by id.
  Result<std::vector<GrantRow>> List(PartnerId partner_id = PartnerId());
  Result<std::optional<GrantRow>> Get(GrantId id);
  // Revokes an active grant; kNotFound if no active grant has that id.
  Status Revoke(GrantId id, Time revoked_at);
  // Revokes every active grant of a partner; returns their ids, ascending.
  Result<std::vector<GrantId>> RevokeAllOf(PartnerId partner_id, Time revoked_at);

 private:
  Db* db_;
};

}  // namespace custody::store
