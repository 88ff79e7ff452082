// The demo's incident response step: the incident of leak #1 gets its
// clocks (awareness and materiality now, the GDPR notice sent), is
// contained in one command (carol's grants and carol revoked), and its
// breach-impact report is written as HTML and JSON into the demo's folder.
// Thread-safety: as Custody.
#pragma once

#include <ostream>
#include <string>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// Runs the step on incident `id`; the reports go to `dir`
// (incident-<id>.html and incident-<id>.json).
Status DemoIncidentResponse(Custody& custody, IncidentId id, const std::string& dir, std::ostream& out);

}  // namespace custody::core
