// Incidents: a frozen trace result. Opening an incident stores the trace
// report, the list of compromised record ids and the verdict in the catalog
// and commits them to the custody log (the entry holds the SHA-256 of the
// sorted record-id list and of the report), so the finding can later be shown
// unchanged to an auditor or a court.
#pragma once

#include <cstdint>
#include <map>
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

// A note on an incident, its closing or one containment step, each also an
// `incident` log event (details.action "note", "close" or "contain").
struct IncidentEntry {
  Time created_at;
  std::string action;  // "note", "close" or "contain"
  std::string actor;
  std::string text;    // the note, the resolution, or what the step did
  int64_t log_index = 0;
  std::optional<int64_t> step_log_index;  // "contain": the step's own log entry
};

// What `incident update` sets: the times custody cannot know by itself.
// Unset fields are left as they were; a notice already recorded is
// recorded again with its new time (the newest update wins).
struct IncidentClocks {
  std::optional<Time> aware_at;      // the organisation became aware (GDPR Art. 33)
  std::optional<Time> material_at;   // materiality determined (SEC 8-K Item 1.05)
  std::optional<Time> contained_at;  // the breach was contained
  std::map<std::string, Time> notified;  // notice name -> when it was sent
};

// One recorded update: its clocks, who made it, and its log entry.
struct IncidentUpdate {
  int64_t id = 0;
  Time created_at;
  std::string actor;
  IncidentClocks clocks;
  int64_t log_index = 0;
};

// The notices whose deadlines custody computes (docs/audit.md, "Incident
// report"); any other notice name ([a-z0-9._-], 1..64) is recorded with no
// deadline.
inline constexpr char kNoticeGdprArt33[] = "gdpr-art33";  // supervisory authority, 72 h from awareness
inline constexpr char kNoticeSec8k[] = "sec-8k";          // Form 8-K Item 1.05, 4 business days from materiality

// The canonical text an `incident.update` event's hashes.update commits to:
// {"aware_at":ms|null,"contained_at":ms|null,"material_at":ms|null,"notified":{name:ms}}.
std::string UpdateCommitText(const IncidentClocks& clocks);
// Reads a catalog notified column (JSON object, name -> Unix ms);
// kInvalidArgument naming the entry on anything else.
Result<std::map<std::string, Time>> NotifiedFromJson(std::string_view text);

struct Incident {
  IncidentId id;
  Time created_at;
  std::string title;
  std::string records_hash;  // SHA-256 hex of the sorted compromised ids, one per line
  IncidentVerdict verdict;
  TraceReport trace;         // the frozen trace report
  std::optional<int64_t> log_index;
  std::vector<IncidentEntry> entries;  // notes, containment steps and the closing, oldest first
  std::vector<IncidentUpdate> updates; // clock updates, oldest first
  IncidentClocks clocks;               // the updates folded: the newest value of each
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
// Records `clocks` on incident `id` and logs it (an `incident.update` event,
// details the times as RFC 3339 and the update id, hashes.update over
// UpdateCommitText). kInvalidArgument: nothing set, or a notice name
// outside [a-z0-9._-] (1..64); kNotFound: no such incident;
// kFailedPrecondition: it is closed.
Result<IncidentUpdate> UpdateIncident(Custody& custody, IncidentId id, const IncidentClocks& clocks);
// Records one containment step of incident `id`: `text` says what was done,
// `step_log_index` is the log entry of the step itself. Logged as an
// `incident` event with details.action "contain" and details.step. Errors as
// AddIncidentNote.
Result<IncidentEntry> AddContainmentEntry(Custody& custody, IncidentId id, const std::string& text,
                                          int64_t step_log_index);
Result<std::vector<Incident>> ListIncidents(Custody& custody);
Result<Incident> GetIncident(Custody& custody, IncidentId id);
// Finishes or removes an incident whose log append a crash interrupted.
Status RecoverIncidents(Custody& custody);

}  // namespace custody::core
