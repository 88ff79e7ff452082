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

// A note on an incident or its closing, each also an `incident` log event
// (details.action "note" or "close").
struct IncidentEntry {
  Time created_at;
  std::string action;  // "note" or "close"
  std::string actor;
  std::string text;    // the note, or the resolution
  int64_t log_index = 0;
};

struct Incident {
  IncidentId id;
  Time created_at;
  std::string title;
  std::string records_hash;  // SHA-256 hex of the sorted compromised ids, one per line
  IncidentVerdict verdict;
  TraceReport trace;         // the frozen trace report
  std::optional<int64_t> log_index;
  std::vector<IncidentEntry> entries;  // notes and the closing, oldest first
  bool closed = false;                 // an entry closes it
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
// Adds a note to incident `id` and logs it (an `incident` event with
// details.action "note"). kNotFound: no such incident; kFailedPrecondition:
// it is closed; kInvalidArgument: an empty text.
Result<IncidentEntry> AddIncidentNote(Custody& custody, IncidentId id, const std::string& text);
// Closes incident `id` with `resolution` and logs it (details.action
// "close"). Errors as AddIncidentNote (closing a closed incident is
// kFailedPrecondition).
Result<IncidentEntry> CloseIncident(Custody& custody, IncidentId id, const std::string& resolution);
Result<std::vector<Incident>> ListIncidents(Custody& custody);
Result<Incident> GetIncident(Custody& custody, IncidentId id);
// Finishes or removes an incident whose log append a crash interrupted.
Status RecoverIncidents(Custody& custody);

}  // namespace custody::core
