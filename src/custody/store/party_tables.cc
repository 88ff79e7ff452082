// Partners, members and grants: the catalog rows; see party_tables.h.
#include "custody/store/party_tables.h"

#include "custody/base/encoding.h"
#include "custody/store/internal/table_util.h"
#include "custody/store/sql.h"

namespace custody::store {
namespace {

using internal::All;
using internal::One;
using internal::ParseStatus;
using internal::RowName;
using internal::Ids;

constexpr std::string_view kPartnerStatus[] = {"active", "suspended", "terminated"};
constexpr std::string_view kActiveRevoked[] = {"active", "revoked"};

// --- partners

constexpr char kPartnerSelect[] =
    "SELECT id, name, contact, contract, notes, status, created_at, changed_at FROM partners ";

Result<PartnerRow> ReadPartner(const Stmt& st) {
  PartnerRow p;
  p.id = st.IdAt<PartnerId>(0);
  p.name = st.Text(1);
  p.contact = st.Text(2);
  p.contract = st.Text(3);
  p.notes = st.Text(4);
  CUSTODY_ASSIGN_OR_RETURN(p.status,
                           ParseStatus<PartnerStatus>(kPartnerStatus, "partners", p.id.value(), st.Text(5)));
  p.created_at = st.TimeAt(6);
  p.changed_at = st.TimeAt(7);
  return p;
}

// --- members

constexpr char kMemberSelect[] =
    "SELECT m.id, m.partner_id, p.name, m.name, m.email, m.public_key, m.status, m.created_at, "
    "m.revoked_at FROM members m JOIN partners p ON p.id = m.partner_id ";

Result<MemberRow> ReadMember(const Stmt& st) {
  MemberRow m;
  m.id = st.IdAt<MemberId>(0);
  m.partner_id = st.IdAt<PartnerId>(1);
  m.partner = st.Text(2);
  m.name = st.Text(3);
  m.email = st.Text(4);
  auto pk = Base64Decode(st.Text(5));
  if (!pk.ok()) {
    return DataLossError(RowName("members", m.id.value()) + ": public_key: expected base64, found " +
                         std::to_string(st.Text(5).size()) + " characters that are not");
  }
  m.public_key = std::move(*pk);
  CUSTODY_ASSIGN_OR_RETURN(m.status,
                           ParseStatus<MemberStatus>(kActiveRevoked, "members", m.id.value(), st.Text(6)));
  m.created_at = st.TimeAt(7);
  m.revoked_at = st.OptionalTimeAt(8);
  return m;
}

// --- grants

constexpr char kGrantSelect[] =
    "SELECT g.id, g.partner_id, p.name, g.member_id, COALESCE(m.name, ''), g.dataset_id, d.name, "
    "g.version_id, v.version, g.fields, g.selection, g.expires_at, g.purpose, g.status, "
    "g.created_at, g.revoked_at FROM grants g JOIN partners p ON p.id = g.partner_id "
    "LEFT JOIN members m ON m.id = g.member_id JOIN datasets d ON d.id = g.dataset_id "
    "JOIN dataset_versions v ON v.id = g.version_id ";

Result<GrantRow> ReadGrant(const Stmt& st) {
  GrantRow g;
  g.id = st.IdAt<GrantId>(0);
  g.partner_id = st.IdAt<PartnerId>(1);
  g.partner = st.Text(2);
  g.member_id = st.OptionalIdAt<MemberId>(3);
  g.member = st.Text(4);
  g.dataset_id = st.IdAt<DatasetId>(5);
  g.dataset = st.Text(6);
  g.version_id = st.IdAt<VersionId>(7);
  g.version = static_cast<int>(st.Int(8));
  g.fields_json = st.Text(9);
  g.selection_json = st.Text(10);
  g.expires_at = st.TimeAt(11);
  g.purpose = st.Text(12);
  CUSTODY_ASSIGN_OR_RETURN(g.status,
                           ParseStatus<GrantStatus>(kActiveRevoked, "grants", g.id.value(), st.Text(13)));
  g.created_at = st.TimeAt(14);
  g.revoked_at = st.OptionalTimeAt(15);
  return g;
}

// Revokes the active row `id` of `table` ("members" or "grants"); kNotFound
// naming `what` if there is none.
Status RevokeActive(Db* db, const char* table, const char* what, int64_t id, Time revoked_at) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db->Prepare(
      std::string("UPDATE ") + table +
      " SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, revoked_at).Bind(2, id).Run());
  if (db->Changes() != 1) {
    return NotFoundError(std::string("no active ") + what + " with id " + std::to_string(id));
  }
  return OkStatus();
}

// Revokes every active row of `table` belonging to a partner; returns their
// ids, ascending.
template <typename IdT>
Result<std::vector<IdT>> RevokeActiveOfPartner(Db* db, const char* table, PartnerId partner_id,
                                               Time revoked_at) {
  CUSTODY_ASSIGN_OR_RETURN(auto sel, db->Prepare(std::string("SELECT id FROM ") + table +
                                                 " WHERE partner_id = ? AND status = 'active' ORDER BY id"));
  sel.Bind(1, partner_id);
  CUSTODY_ASSIGN_OR_RETURN(std::vector<IdT> ids, Ids<IdT>(sel));
  CUSTODY_ASSIGN_OR_RETURN(auto up, db->Prepare(
      std::string("UPDATE ") + table +
      " SET status = 'revoked', revoked_at = ? WHERE partner_id = ? AND status = 'active'"));
  CUSTODY_RETURN_IF_ERROR(up.Bind(1, revoked_at).Bind(2, partner_id).Run());
  return ids;
}

}  // namespace

std::string_view PartnerStatusName(PartnerStatus s) {
  return kPartnerStatus[static_cast<size_t>(s)];
}
std::string_view MemberStatusName(MemberStatus s) { return kActiveRevoked[static_cast<size_t>(s)]; }
std::string_view GrantStatusName(GrantStatus s) { return kActiveRevoked[static_cast<size_t>(s)]; }

Result<PartnerId> PartnerTable::Insert(const PartnerRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st,
      db_->Prepare("INSERT INTO partners(id, name, contact, contract, "
                   "notes, status, created_at, changed_at) "
                   "VALUES (" +
                   internal::NextIdSql("partners") + ", ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.name)
      .Bind(2, row.contact)
      .Bind(3, row.contract)
      .Bind(4, row.notes)
      .Bind(5, PartnerStatusName(row.status))
      .Bind(6, row.created_at)
      .Bind(7, row.changed_at);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return PartnerId(id);
}

Result<std::vector<PartnerRow>> PartnerTable::List() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kPartnerSelect) + "ORDER BY name"));
  return All<PartnerRow>(st, ReadPartner);
}

Result<std::optional<PartnerRow>> PartnerTable::FindByName(std::string_view name) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kPartnerSelect) + "WHERE name = ?"));
  st.Bind(1, name);
  return One<PartnerRow>(st, ReadPartner);
}

Result<std::optional<PartnerRow>> PartnerTable::Get(PartnerId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kPartnerSelect) + "WHERE id = ?"));
  st.Bind(1, id);
  return One<PartnerRow>(st, ReadPartner);
}

Status PartnerTable::SetStatus(PartnerId id, PartnerStatus status, Time changed_at) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("UPDATE partners SET status = ?, changed_at = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, PartnerStatusName(status)).Bind(2, changed_at).Bind(3, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no partner with id " + ToString(id));
  return OkStatus();
}

Result<MemberId> MemberTable::Insert(const MemberRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO members(id, partner_id, name, email, "
                                                 "public_key, status, created_at, revoked_at) "
                                                 "VALUES (" +
                                                 internal::NextIdSql("members") +
                                                 ", ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.partner_id)
      .Bind(2, row.name)
      .Bind(3, row.email)
      .Bind(4, Base64Encode(row.public_key))
      .Bind(5, MemberStatusName(row.status))
      .Bind(6, row.created_at)
      .Bind(7, row.revoked_at);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return MemberId(id);
}

Result<std::vector<MemberRow>> MemberTable::List(PartnerId partner_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kMemberSelect) +
                                                 "WHERE ?1 = 0 OR m.partner_id = ?1 ORDER BY m.name"));
  st.Bind(1, partner_id);
  return All<MemberRow>(st, ReadMember);
}

Result<std::optional<MemberRow>> MemberTable::FindByName(std::string_view name) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kMemberSelect) + "WHERE m.name = ?"));
  st.Bind(1, name);
  return One<MemberRow>(st, ReadMember);
}

Result<std::optional<MemberRow>> MemberTable::Get(MemberId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kMemberSelect) + "WHERE m.id = ?"));
  st.Bind(1, id);
  return One<MemberRow>(st, ReadMember);
}

Status MemberTable::Revoke(MemberId id, Time revoked_at) {
  return RevokeActive(db_, "members", "member", id.value(), revoked_at);
}

Result<std::vector<MemberId>> MemberTable::RevokeAllOf(PartnerId partner_id, Time revoked_at) {
  return RevokeActiveOfPartner<MemberId>(db_, "members", partner_id, revoked_at);
}

Result<GrantId> GrantTable::Insert(const GrantRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO grants(id, partner_id, member_id, dataset_id, "
                            "version_id, fields, selection, "
                            "expires_at, purpose, status, created_at, revoked_at) VALUES (" +
                            internal::NextIdSql("grants") +
                            ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.partner_id)
      .Bind(2, row.member_id)
      .Bind(3, row.dataset_id)
      .Bind(4, row.version_id)
      .Bind(5, row.fields_json)
      .Bind(6, row.selection_json)
      .Bind(7, row.expires_at)
      .Bind(8, row.purpose)
      .Bind(9, GrantStatusName(row.status))
      .Bind(10, row.created_at)
      .Bind(11, row.revoked_at);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return GrantId(id);
}

Result<std::vector<GrantRow>> GrantTable::List(PartnerId partner_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kGrantSelect) +
                                                 "WHERE ?1 = 0 OR g.partner_id = ?1 ORDER BY g.id"));
  st.Bind(1, partner_id);
  return All<GrantRow>(st, ReadGrant);
}

Result<std::optional<GrantRow>> GrantTable::Get(GrantId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kGrantSelect) + "WHERE g.id = ?"));
  st.Bind(1, id);
  return One<GrantRow>(st, ReadGrant);
}

Status GrantTable::Revoke(GrantId id, Time revoked_at) {
  return RevokeActive(db_, "grants", "grant", id.value(), revoked_at);
}

Result<std::vector<GrantId>> GrantTable::RevokeAllOf(PartnerId partner_id, Time revoked_at) {
  return RevokeActiveOfPartner<GrantId>(db_, "grants", partner_id, revoked_at);
}

}  // namespace custody::store
