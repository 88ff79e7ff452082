// The demo's incident response step; see demo_incident.h.
#include "custody/core/demo/demo_incident.h"

#include <chrono>

#include <fmt/format.h>

#include "custody/base/env.h"
#include "custody/core/response/containment.h"
#include "custody/core/response/incident_report.h"
#include "custody/core/response/regulatory_clocks.h"
#include "custody/core/trace/incident.h"

namespace custody::core {

Status DemoIncidentResponse(Custody& c, IncidentId id, const std::string& dir, std::ostream& out) {
  const Time now = c.clock()->Now();
  IncidentClocks clocks;
  clocks.aware_at = now;
  clocks.material_at = now;
  clocks.notified[kNoticeGdprArt33] = now;
  CUSTODY_ASSIGN_OR_RETURN(IncidentUpdate u, UpdateIncident(c, id, clocks));
  out << fmt::format("6. Incident response. Incident {} records awareness and materiality now (GDPR Art. 33\n"
                     "   notice due {}, sent; SEC 8-K due {}), log entry {}.\n",
                     ToString(id), FormatRfc3339(GdprArt33Deadline(now)), FormatRfc3339(Sec8kDeadline(now)), u.log_index);
  CUSTODY_ASSIGN_OR_RETURN(auto steps, ContainIncident(c, id, ContainOptions{}));
  for (const auto& s : steps) {
    out << fmt::format("   contained: {} (log entry {}, recorded as {})\n", s.text, s.step_log_index, s.entry_log_index);
  }
  IncidentClocks contained;
  contained.contained_at = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(UpdateIncident(c, id, contained).status());
  const std::string base = JoinPath(dir, "incident-" + ToString(id));
  CUSTODY_RETURN_IF_ERROR(
      WriteIncidentReport(c, id, IncidentReportFormat::kHtml, base + ".html", /*overwrite=*/true, c.clock()->Now()));
  CUSTODY_RETURN_IF_ERROR(
      WriteIncidentReport(c, id, IncidentReportFormat::kJson, base + ".json", /*overwrite=*/true, c.clock()->Now()));
  out << fmt::format("   breach-impact report: {}.html, {}.json (custody incident report {} --format html)\n\n", base,
                     base, ToString(id));
  return OkStatus();
}

}  // namespace custody::core
