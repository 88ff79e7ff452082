// The demo's audit step: the three partners answer the questionnaire (one
// fails a knockout), the risk ranking, a deletion certificate, and the
// partner report written as HTML into the demo's folder. Thread-safety: as
// Custody.
#pragma once

#include <ostream>
#include <string>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

// Runs the audit step on the demo's vault; files go to `dir`.
Status DemoAudits(Custody& custody, const std::string& dir, std::ostream& out);

}  // namespace custody::core
