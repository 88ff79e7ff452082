// Incidents: a frozen trace result. Opening an incident stores the trace
// report, the list of compromised record ids and the verdict in the catalog
// and commits them to the custody log (the entry holds the SHA-256 of the
// sorted record-id list and of the report), so the finding can later be shown
// unchanged to an auditor or a court.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/trace/trace_report.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// What an incident froze of its trace's verdict.
struct IncidentVerdict {
  std::vector<std::string> accused;  // member names
  bool decided = false;
  double alpha = 0;
  std::string statement;
  uint64_t compromised = 0;          // compromised records
};

// The verdict as the catalog stores it and `--json` shows it: one object
// with keys accused, alpha, compromised, decided, statement.
std::string VerdictToJson(const IncidentVerdict& v);
// Reads it back; kInvalidArgument naming the field on a missing or
// wrong-typed one, never an exception.
Result<IncidentVerdict> VerdictFromJson(std::string_view text);

struct Incident {
  IncidentId id;
  Time created_at;
  std::string title;
  std::string records_hash;  // SHA-256 hex of the sorted compromised ids, one per line
  IncidentVerdict verdict;
  TraceReport trace;         // the frozen trace report
  std::optional<int64_t> log_index;
};

// The hash of a compromised-record list: SHA-256 over "id\n" for each id in
// ascending order (the same value Trace reports as compromised_sha256).
std::string CompromisedHash(std::vector<uint64_t> ids);

// Checks that `trace`'s compromised list matches its own compromised_sha256
// and that the report is the one its trace logged (the trace entry at
// trace.log_index: dump hash, compromised hash and count, accused); an
// edited report is refused (kInvalidArgument), as is a second incident for
// the same trace (kAlreadyExists). Then stores the incident and logs it.
// Read a report from a file with TraceReportFromJson.
Result<Incident> OpenIncident(Custody& custody, const TraceReport& trace, const std::string& title);
Result<std::vector<Incident>> ListIncidents(Custody& custody);
Result<Incident> GetIncident(Custody& custody, IncidentId id);
// Finishes or removes an incident whose log append a crash interrupted.
Status RecoverIncidents(Custody& custody);

}  // namespace custody::core
