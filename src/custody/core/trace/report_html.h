// A self-contained HTML rendering of a trace report (no scripts, no external
// resources; SVG chart inline), for people: the statement, the accused with
// their p-values, every member's evidence, the compromised records.
#pragma once

#include <string>

#include "custody/core/trace/trace_report.h"

namespace custody::core {

// The page for `report` (docs/trace.md, "The HTML report").
std::string RenderTraceHtml(const TraceReport& report);

}  // namespace custody::core
