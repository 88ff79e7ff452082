// The partner report: one page on one partner for a CEO, a lawyer and an
// auditor — posture and grade, gaps with their mapped controls, holdings
// per dataset, overdue deletions, deletion certificates, audit history and
// the risk components. As JSON, Markdown, or a single self-contained HTML
// file (no scripts, no network; inline SVG charts of the posture history and
// the records held per dataset), written through OutputFile. docs/audit.md.
// Thread-safety: as Custody.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/output_file.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core::audit {

enum class ReportFormat { kJson, kMarkdown, kHtml };

// kInvalidArgument unless "json", "md" or "html".
Result<ReportFormat> ParseReportFormat(std::string_view word);

// The report's data as JSON (the --format json output and the source of the
// other two): {"partner", "status", "generated_at", "posture": null | {...},
// "history": [...], "holdings": [...], "overdue": [...], "certificates":
// [...], "risk": {...}}.
Result<nlohmann::json> PartnerReportJson(Custody& custody, const std::string& partner, Time now);

std::string RenderMarkdown(const nlohmann::json& report);
std::string RenderHtml(const nlohmann::json& report);

// Builds the report and writes it to `path` (0644; OutputFile semantics:
// --force replaces an existing file).
Status WritePartnerReport(Custody& custody, const std::string& partner, ReportFormat format,
                          const std::string& path, bool overwrite, Time now);

}  // namespace custody::core::audit
