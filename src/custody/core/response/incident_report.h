// The breach-impact report of an incident: one document for a regulator, a
// lawyer and an executive, built from the vault and its custody log. Its
// data is one JSON object (docs/formats/incident-report.md, version 1);
// Markdown and a self-contained HTML page (inline CSS and SVG, no scripts,
// no network) render from it. Sections: header, summary, timeline (with the
// regulatory clocks), scope, attribution, impact, containment, obligations,
// partners (posture and risk), evidence (signed checkpoint and an inclusion
// proof of every cited log entry), closure.
//
// The scope and evidence sections hold no wall-clock time: built again from
// the same vault and log they are byte-identical (exposure is taken as of
// the incident's opening; proofs are against the log's signed checkpoint).
// The report's creation time is in the header only. Reading only: building
// a report changes nothing and logs nothing (it holds no record text).
// Thread-safety: as Custody.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

inline constexpr char kIncidentReportFormat[] = "custody.incident-report";
inline constexpr int kIncidentReportVersion = 1;

enum class IncidentReportFormat { kJson, kMarkdown, kHtml };
// kInvalidArgument unless "json", "md" or "html".
Result<IncidentReportFormat> ParseIncidentReportFormat(std::string_view word);

// The report of incident `id`, generated at `now` (the header's time, and
// the time against which open notices are judged). kNotFound: no such
// incident; kDataLoss: a cited log entry cannot be read or proved.
Result<nlohmann::json> BuildIncidentReport(Custody& custody, IncidentId id, Time now);

std::string RenderIncidentMarkdown(const nlohmann::json& report);
std::string RenderIncidentHtml(const nlohmann::json& report);

// Renders `report` as `format`.
std::string RenderIncidentReport(const nlohmann::json& report, IncidentReportFormat format);

// Builds the report and writes it to `path` through OutputFile (0600,
// temporary sibling then rename; kAlreadyExists for an existing file unless
// `overwrite`). Nothing is written if building fails.
Status WriteIncidentReport(Custody& custody, IncidentId id, IncidentReportFormat format,
                           const std::string& path, bool overwrite, Time now);

}  // namespace custody::core
