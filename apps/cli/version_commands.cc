// `custody version`.
#include "apps/cli/cli.h"
#include "custody/base/version.h"

namespace custody::cli {
namespace {
void RegisterVersionCommands(CLI::App& app) {
  auto* sub = app.add_subcommand("version", "print the custody version");
  SetAction(sub, [] {
    if (Globals().json) {
      PrintJson({{"version", kCustodyVersion}});
    } else {
      std::cout << "custody " << kCustodyVersion << "\n";
    }
    return OkStatus();
  });
}
}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterVersionCommands);
}  // namespace custody::cli
