// `custody version`.
#include "apps/cli/cli.h"

namespace custody::cli {
namespace {
void RegisterVersionCommands(CLI::App& app) {
  auto* sub = app.add_subcommand("version", "print the custody version");
  SetAction(sub, [] {
    if (Globals().json) {
      PrintJson({{"version", "0.1.0"}});
    } else {
      std::cout << "custody 0.1.0\n";
    }
    return OkStatus();
  });
}
}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterVersionCommands);
}  // namespace custody::cli
