// A self-contained HTML rendering of a trace report (no scripts, no external
// resources; SVG chart inline), for people: the statement, the accused with
// their p-values, every member's evidence, the compromised records.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace custody::core {

// `report` is the JSON object produced by Trace (docs/trace.md).
std::string RenderTraceHtml(const nlohmann::json& report);

}  // namespace custody::core
