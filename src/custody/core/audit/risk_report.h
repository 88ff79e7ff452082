// The risk report: every partner ranked by likelihood x exposure
// (risk.h), with each component and the action it points to, for a
// third-party-risk lead. As JSON, Markdown, or a single self-contained HTML
// file (no scripts, no network; inline SVG charts of the risk ranking and of
// the weighted exposure per partner), written through OutputFile.
// docs/audit.md ("Risk report"). Thread-safety: as Custody.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/status.h"
#include "custody/core/audit/partner_report.h"
#include "custody/core/vault/custody.h"

namespace custody::core::audit {

// The report's data: {"generated_at", "vault_id", "formula", "constants":
// {...}, "partners": [RiskToJson, highest risk first]}. Errors: those of
// RankRisk (kNotFound for an unknown `partner`; empty: every partner).
Result<nlohmann::json> RiskReportJson(Custody& custody, const std::string& partner, Time now);

std::string RenderRiskMarkdown(const nlohmann::json& report);
std::string RenderRiskHtml(const nlohmann::json& report);

// Builds the report and writes it to `path` (0644; OutputFile semantics:
// kAlreadyExists for an existing file unless `overwrite`).
Status WriteRiskReport(Custody& custody, const std::string& partner, ReportFormat format,
                       const std::string& path, bool overwrite, Time now);

}  // namespace custody::core::audit
