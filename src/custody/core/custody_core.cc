// Every module's recovery step; see custody_core.h.
#include "custody/core/custody_core.h"

#include "custody/core/ingest/ingest.h"
#include "custody/core/trace/incident.h"

namespace custody::core {

std::vector<RecoveryStep> AllRecoverySteps() {
  return {{"ingest", &RecoverIngest}, {"incidents", &RecoverIncidents}};
}

Result<std::unique_ptr<Custody>> OpenVault(const std::string& dir, OpenOptions options) {
  options.recovery = AllRecoverySteps();
  return Custody::Open(dir, options);
}

}  // namespace custody::core
