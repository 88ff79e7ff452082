// Incidents: the catalog rows; see incident_table.h.
#include "custody/store/incident_table.h"

#include "custody/store/internal/table_util.h"
#include "custody/store/sql.h"

namespace custody::store {
namespace {

constexpr char kIncidentSelect[] =
    "SELECT id, created_at, title, trace_json, records_hash, verdict, log_index FROM incidents ";

Result<IncidentRow> ReadIncident(const Stmt& st) {
  IncidentRow i;
  i.id = st.IdAt<IncidentId>(0);
  i.created_at = st.TimeAt(1);
  i.title = st.Text(2);
  i.trace_json = st.Text(3);
  i.records_hash = st.Text(4);
  i.verdict_json = st.Text(5);
  i.log_index = internal::OptionalInt(st, 6);
  return i;
}

constexpr char kEntrySelect[] =
    "SELECT id, incident_id, created_at, action, actor, text, log_index, step_log_index "
    "FROM incident_entries ";

Result<IncidentEntryRow> ReadEntry(const Stmt& st) {
  IncidentEntryRow e;
  e.id = st.Int(0);
  e.incident_id = st.IdAt<IncidentId>(1);
  e.created_at = st.TimeAt(2);
  e.action = st.Text(3);
  e.actor = st.Text(4);
  e.text = st.Text(5);
  e.log_index = internal::OptionalInt(st, 6);
  e.step_log_index = internal::OptionalInt(st, 7);
  return e;
}

constexpr char kUpdateSelect[] =
    "SELECT id, incident_id, created_at, actor, aware_at, material_at, contained_at, notified, "
    "log_index FROM incident_updates ";

std::optional<Time> OptionalTime(const Stmt& st, int col) {
  const auto ms = internal::OptionalInt(st, col);
  if (!ms) return std::nullopt;
  return FromUnixMillis(*ms);
}

Result<IncidentUpdateRow> ReadUpdate(const Stmt& st) {
  IncidentUpdateRow u;
  u.id = st.Int(0);
  u.incident_id = st.IdAt<IncidentId>(1);
  u.created_at = st.TimeAt(2);
  u.actor = st.Text(3);
  u.aware_at = OptionalTime(st, 4);
  u.material_at = OptionalTime(st, 5);
  u.contained_at = OptionalTime(st, 6);
  u.notified_json = st.Text(7);
  u.log_index = internal::OptionalInt(st, 8);
  return u;
}


}  // namespace

Result<IncidentId> IncidentTable::Insert(const IncidentRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO incidents(id, created_at, title, "
                            "trace_json, records_hash, verdict, log_index) "
                            "VALUES (" +
                            internal::NextIdSql("incidents") + ", ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.created_at)
      .Bind(2, row.title)
      .Bind(3, row.trace_json)
      .Bind(4, row.records_hash)
      .Bind(5, row.verdict_json)
      .Bind(6, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return IncidentId(id);
}

Status IncidentTable::SetLogIndex(IncidentId id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE incidents SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, id).Run());
  if (db_->Changes() != 1) return NotFoundError("no incident " + ToString(id));
  return OkStatus();
}

Status IncidentTable::Delete(IncidentId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM incidents WHERE id = ?"));
  return st.Bind(1, id).Run();
}

Result<std::vector<IncidentRow>> IncidentTable::List() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kIncidentSelect) +
                                                 "WHERE log_index IS NOT NULL ORDER BY id"));
  return internal::All<IncidentRow>(st, ReadIncident);
}

Result<std::optional<IncidentRow>> IncidentTable::Get(IncidentId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kIncidentSelect) +
                                                 "WHERE id = ? AND log_index IS NOT NULL"));
  st.Bind(1, id);
  return internal::One<IncidentRow>(st, ReadIncident);
}

Result<std::vector<IncidentId>> IncidentTable::Unlogged() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT id FROM incidents WHERE log_index IS NULL ORDER BY id"));
  return internal::Ids<IncidentId>(st);
}

Result<int64_t> IncidentTable::InsertEntry(const IncidentEntryRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO incident_entries(id, incident_id, "
                                                 "created_at, action, actor, text, log_index, "
                                                 "step_log_index) VALUES (" +
                                                 internal::NextRowIdSql("incident_entries") +
                                                 ", ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.incident_id)
      .Bind(2, row.created_at)
      .Bind(3, row.action)
      .Bind(4, row.actor)
      .Bind(5, row.text)
      .Bind(6, row.log_index)
      .Bind(7, row.step_log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return id;
}

Status IncidentTable::SetEntryLogIndex(int64_t entry_id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE incident_entries SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, entry_id).Run());
  if (db_->Changes() != 1) return NotFoundError("no incident entry " + std::to_string(entry_id));
  return OkStatus();
}

Status IncidentTable::DeleteEntry(int64_t entry_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM incident_entries WHERE id = ?"));
  return st.Bind(1, entry_id).Run();
}

Result<std::vector<IncidentEntryRow>> IncidentTable::Entries(IncidentId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kEntrySelect) +
                                                 "WHERE incident_id = ? AND log_index IS NOT NULL ORDER BY id"));
  st.Bind(1, id);
  return internal::All<IncidentEntryRow>(st, ReadEntry);
}

Result<std::vector<IncidentEntryRow>> IncidentTable::UnloggedEntries() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kEntrySelect) +
                                                 "WHERE log_index IS NULL ORDER BY id"));
  return internal::All<IncidentEntryRow>(st, ReadEntry);
}

Result<int64_t> IncidentTable::InsertUpdate(const IncidentUpdateRow& row) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO incident_updates(id, incident_id, "
                                                 "created_at, actor, aware_at, material_at, "
                                                 "contained_at, notified, log_index) VALUES (" +
                                                 internal::NextRowIdSql("incident_updates") +
                                                 ", ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Bind(1, row.incident_id)
      .Bind(2, row.created_at)
      .Bind(3, row.actor)
      .Bind(4, row.aware_at)
      .Bind(5, row.material_at)
      .Bind(6, row.contained_at)
      .Bind(7, row.notified_json)
      .Bind(8, row.log_index);
  CUSTODY_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(st));
  return id;
}

Status IncidentTable::SetUpdateLogIndex(int64_t update_id, int64_t log_index) {
  CUSTODY_ASSIGN_OR_RETURN(auto st,
                           db_->Prepare("UPDATE incident_updates SET log_index = ? WHERE id = ?"));
  CUSTODY_RETURN_IF_ERROR(st.Bind(1, log_index).Bind(2, update_id).Run());
  if (db_->Changes() != 1) return NotFoundError("no incident update " + std::to_string(update_id));
  return OkStatus();
}

Status IncidentTable::DeleteUpdate(int64_t update_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM incident_updates WHERE id = ?"));
  return st.Bind(1, update_id).Run();
}

Result<std::vector<IncidentUpdateRow>> IncidentTable::Updates(std::optional<IncidentId> id) {
  if (!id) {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kUpdateSelect) +
                                                   "WHERE log_index IS NOT NULL ORDER BY id"));
    return internal::All<IncidentUpdateRow>(st, ReadUpdate);
  }
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kUpdateSelect) +
                                                 "WHERE incident_id = ? AND log_index IS NOT NULL ORDER BY id"));
  st.Bind(1, *id);
  return internal::All<IncidentUpdateRow>(st, ReadUpdate);
}

Result<std::vector<IncidentUpdateRow>> IncidentTable::UnloggedUpdates() {
  CUSTODY_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kUpdateSelect) +
                                                 "WHERE log_index IS NULL ORDER BY id"));
  return internal::All<IncidentUpdateRow>(st, ReadUpdate);
}

}  // namespace custody::store
