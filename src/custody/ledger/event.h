// Event: one entry of the custody log, serialized as canonical JSON (sorted
// keys, compact, UTF-8, no insignificant whitespace). The schema is in
// docs/formats/log.md:
//   {"actor":..,"details":{..},"hashes":{name: hex},"subject":..,"time":ms,"type":..,"v":1}
// Thread-safety: values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/status.h"

namespace custody::ledger {

// Event types appended by custody's operations (others may be added; a type is
// lowercase ASCII letters, digits, '.', '_' or '-').
namespace event_type {
inline constexpr char kIngest[] = "ingest";
inline constexpr char kShred[] = "dataset.shred";
inline constexpr char kPartner[] = "partner";
inline constexpr char kMember[] = "member";
inline constexpr char kGrant[] = "grant";
inline constexpr char kRelease[] = "release";
inline constexpr char kRevoke[] = "revoke";
inline constexpr char kTrace[] = "trace";
inline constexpr char kIncident[] = "incident";
inline constexpr char kIncidentUpdate[] = "incident.update";  // an incident's clocks and notices
inline constexpr char kExport[] = "export";  // plaintext written out of the vault
inline constexpr char kLogRepair[] = "log.repair";  // `custody log repair`: what it found
}  // namespace event_type

inline constexpr int kEventSchemaVersion = 1;
// The deepest nesting of objects and arrays an entry may have: deeper entries
// are refused before they are parsed into a tree (whose copy and
// serialization recurse), so a tampered log cannot exhaust the stack.
inline constexpr size_t kMaxEventDepth = 512;

struct Event {
  std::string type;     // e.g. event_type::kIngest
  Time time;            // on disk: Unix milliseconds (UTC)
  std::string actor;    // who did it (OS user, token name, ...)
  std::string subject;  // what it is about, e.g. "dataset:3@v1", "partner:acme"
  // Free-form details: strings, integers, booleans, arrays and objects. Avoid
  // floating-point numbers (their text form is not canonical).
  nlohmann::json details = nlohmann::json::object();
  // Commitments to the content, as lowercase hex: e.g. {"records_root": ...}
  // for an ingest (the RFC 6962 root over the version's record content ids).
  std::map<std::string, std::string> hashes;

  bool operator==(const Event& other) const = default;
};

// The canonical JSON bytes of `event`. kInvalidArgument if a field is empty or
// malformed (type, actor, subject required; hashes must be hex) or the text
// is not valid UTF-8.
Result<std::string> SerializeEvent(const Event& event);
// Parses an entry; kInvalidArgument naming the field if malformed, if
// nested deeper than kMaxEventDepth, or if the bytes are not the canonical
// serialization of the parsed event.
Result<Event> ParseEvent(std::string_view entry);
// kInvalidArgument if the JSON text `entry` nests objects and arrays deeper
// than kMaxEventDepth (brackets inside strings do not count). Malformed
// JSON is left for the parser to report.
Status CheckEventDepth(std::string_view entry);

}  // namespace custody::ledger
