// The catalog's incidents: one row per leak under investigation, holding the
// frozen trace report it was opened from. A row becomes visible once its
// `incident` custody log event is durable (log_index set); rows without one
// are finished or removed by recovery. No SQL about these rows exists
// anywhere else. Schema: docs/formats/catalog.md.
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

struct IncidentRow {
  IncidentId id;
  Time created_at;
  std::string title;
  std::string trace_json;    // the trace report, as `trace --out` wrote it
  std::string records_hash;  // hex SHA-256 of the sorted compromised ids
  std::string verdict_json;  // accused, decided, alpha, statement, compromised
  std::optional<int64_t> log_index;
};

// A note on an incident, its closing (action "close", text the resolution)
// or one containment step (action "contain", step_log_index the log entry
// of the step itself: a revoke, a partner suspension, a shred).
struct IncidentEntryRow {
  int64_t id = 0;
  IncidentId incident_id;
  Time created_at;
  std::string action;  // "note", "close" or "contain"
  std::string actor;
  std::string text;
  std::optional<int64_t> log_index;
  std::optional<int64_t> step_log_index;  // "contain" only
};

// One `incident update`: the clock times it set (unset ones unchanged) and
// the notices it recorded as sent (notified_json: a JSON object, notice
// name -> Unix milliseconds).
struct IncidentUpdateRow {
  int64_t id = 0;
  IncidentId incident_id;
  Time created_at;
  std::string actor;
  std::optional<Time> aware_at;
  std::optional<Time> material_at;
  std::optional<Time> contained_at;
  std::string notified_json = "{}";
  std::optional<int64_t> log_index;
};

class IncidentTable {
 public:
  explicit IncidentTable(Db* db) : db_(db) {}

  // Inserts `row` (its id is ignored) and returns the new id.
  Result<IncidentId> Insert(const IncidentRow& row);
  Status SetLogIndex(IncidentId id, int64_t log_index);
  Status Delete(IncidentId id);
  // Logged incidents, by id.
  Result<std::vector<IncidentRow>> List();
  // The logged incident `id`, or nullopt.
  Result<std::optional<IncidentRow>> Get(IncidentId id);
  // Ids of rows whose log event was never recorded (recovery's work).
  Result<std::vector<IncidentId>> Unlogged();

  // Inserts `row` (its id is ignored) and returns the new entry id.
  Result<int64_t> InsertEntry(const IncidentEntryRow& row);
  Status SetEntryLogIndex(int64_t entry_id, int64_t log_index);
  Status DeleteEntry(int64_t entry_id);
  // The logged entries of incident `id`, oldest first.
  Result<std::vector<IncidentEntryRow>> Entries(IncidentId id);
  // Entries whose log event was never recorded (recovery's work).
  Result<std::vector<IncidentEntryRow>> UnloggedEntries();

  // Inserts `row` (its id is ignored) and returns the new update id.
  Result<int64_t> InsertUpdate(const IncidentUpdateRow& row);
  Status SetUpdateLogIndex(int64_t update_id, int64_t log_index);
  Status DeleteUpdate(int64_t update_id);
  // The logged updates of incident `id` (of every incident if `id` is
  // unset), oldest first.
  Result<std::vector<IncidentUpdateRow>> Updates(std::optional<IncidentId> id);
  // Updates whose log event was never recorded (recovery's work).
  Result<std::vector<IncidentUpdateRow>> UnloggedUpdates();

 private:
  Db* db_;
};

}  // namespace custody::store
