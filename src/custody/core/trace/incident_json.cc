#include "custody/core/trace/incident_json.h"

namespace custody::core {

nlohmann::json IncidentEntryToJson(const IncidentEntry& e) {
  nlohmann::json j = {{"action", e.action},
                      {"created_at", FormatRfc3339(e.created_at)},
                      {"actor", e.actor},
                      {"text", e.text},
                      {"log_index", e.log_index}};
  if (e.step_log_index) j["step_log_index"] = *e.step_log_index;
  return j;
}

nlohmann::json IncidentClocksToJson(const IncidentClocks& c) {
  auto t = [](const std::optional<Time>& v) { return v ? nlohmann::json(FormatRfc3339(*v)) : nlohmann::json(); };
  nlohmann::json notified = nlohmann::json::object();
  for (const auto& [name, at] : c.notified) notified[name] = FormatRfc3339(at);
  return {{"aware_at", t(c.aware_at)},
          {"material_at", t(c.material_at)},
          {"contained_at", t(c.contained_at)},
          {"notified", notified}};
}

nlohmann::json IncidentToJson(const Incident& i, bool with_trace) {
  nlohmann::json j = {{"incident", i.id},
                      {"created_at", FormatRfc3339(i.created_at)},
                      {"title", i.title},
                      {"records_hash", i.records_hash},
                      {"verdict", nlohmann::json::parse(VerdictToJson(i.verdict))},
                      {"log_index", i.log_index ? nlohmann::json(*i.log_index) : nlohmann::json()}};
  j["status"] = i.closed ? "closed" : "open";
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : i.entries) entries.push_back(IncidentEntryToJson(e));
  j["entries"] = entries;
  j["clocks"] = IncidentClocksToJson(i.clocks);
  if (with_trace) j["trace"] = nlohmann::json::parse(ToJson(i.trace));
  return j;
}

}  // namespace custody::core
