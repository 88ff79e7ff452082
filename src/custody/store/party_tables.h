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
  int64_t id = 0;
  std::string name;
  std::string contact;
  std::string contract;
  std::string notes;
  PartnerStatus status = PartnerStatus::kActive;
  int64_t created_at = 0;  // seconds since the Unix epoch, as every time here
  int64_t changed_at = 0;
};

struct MemberRow {
  int64_t id = 0;  // the member id given to mark::Marker::Mark
  int64_t partner_id = 0;
  std::string partner;     // the partner's name (read only: joined)
  std::string name;
  std::string email;
  std::string public_key;  // raw 32-byte X25519 key (stored as base64)
  MemberStatus status = MemberStatus::kActive;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

struct GrantRow {
  int64_t id = 0;
  int64_t partner_id = 0;
  std::string partner;               // read only: joined
  std::optional<int64_t> member_id;  // set: only this member may receive it
  std::string member;                // read only: joined ("" if none)
  int64_t dataset_id = 0;
  std::string dataset;               // read only: joined
  int64_t version_id = 0;
  int version = 0;                   // read only: joined
  std::string fields_json;           // JSON array of field names
  std::string selection_json;        // JSON object (core/parties/grants.h)
  int64_t expires_at = 0;
  std::string purpose;
  GrantStatus status = GrantStatus::kActive;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

// Reads return kDataLoss naming the row and column when a stored value is
// not one this code writes (an unknown status, an undecodable key).

class PartnerTable {
 public:
  explicit PartnerTable(Db* db) : db_(db) {}

  // Inserts `row` (its id is ignored) and returns the new id.
  Result<int64_t> Insert(const PartnerRow& row);
  // Every partner, by name.
  Result<std::vector<PartnerRow>> List();
  // The partner named `name`, or nullopt.
  Result<std::optional<PartnerRow>> FindByName(std::string_view name);
  // The partner with id `id`, or nullopt.
  Result<std::optional<PartnerRow>> Get(int64_t id);
  // Sets status and changed_at; kNotFound if no such partner.
  Status SetStatus(int64_t id, PartnerStatus status, int64_t changed_at);

 private:
  Db* db_;
};

class MemberTable {
 public:
  explicit MemberTable(Db* db) : db_(db) {}

  Result<int64_t> Insert(const MemberRow& row);
  // Every member (of partner `partner_id` when it is nonzero), by name.
  Result<std::vector<MemberRow>> List(int64_t partner_id = 0);
  Result<std::optional<MemberRow>> FindByName(std::string_view name);
  Result<std::optional<MemberRow>> Get(int64_t id);
  // Revokes an active member; kNotFound if no active member has that id.
  Status Revoke(int64_t id, int64_t revoked_at);
  // Revokes every active member of a partner; returns their ids, ascending.
  Result<std::vector<int64_t>> RevokeAllOf(int64_t partner_id, int64_t revoked_at);

 private:
  Db* db_;
};

class GrantTable {
 public:
  explicit GrantTable(Db* db) : db_(db) {}

  Result<int64_t> Insert(const GrantRow& row);
  // Every grant (of partner `partner_id` when it is nonzero), by id.
  Result<std::vector<GrantRow>> List(int64_t partner_id = 0);
  Result<std::optional<GrantRow>> Get(int64_t id);
  // Revokes an active grant; kNotFound if no active grant has that id.
  Status Revoke(int64_t id, int64_t revoked_at);
  // Revokes every active grant of a partner; returns their ids, ascending.
  Result<std::vector<int64_t>> RevokeAllOf(int64_t partner_id, int64_t revoked_at);

 private:
  Db* db_;
};

}  // namespace custody::store
