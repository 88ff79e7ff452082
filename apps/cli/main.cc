// The custody binary: parses flags with CLI11 and dispatches to the command
// groups registered by apps/cli/*_commands.cc.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <exception>
#include <iostream>

#include "apps/cli/cli.h"

namespace custody::cli {
void RegisterAll(CLI::App& app);
int LastExitCode();

namespace {

// The process holds the master key, data keys and decrypted records: a crash
// must not write them to a core file, and other processes of the same user
// must not read them (ptrace, /proc/PID/mem). Failing to set this is
// reported, not fatal.
void DisableCoreDumps() {
  const struct rlimit no_core = {0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0 || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    std::cerr << "custody: warning: could not disable core dumps" << std::endl;
  }
}

}  // namespace
}  // namespace custody::cli

int main(int argc, char** argv) {
  using namespace custody::cli;
  DisableCoreDumps();
  CLI::App app{"custody: chain of custody for training data shared with partners"};
  app.name("custody");
  app.require_subcommand(1);
  app.fallthrough();
  auto& g = Globals();
  app.add_option("--vault", g.vault, "vault directory (default $CUSTODY_VAULT, else ./vault)")
      ->take_last();
  app.add_option("--key-file", g.key_file,
                 "master key file (default $CUSTODY_KEY_FILE, else ~/.config/custody/keys/...)")
      ->take_last();
  app.add_flag("--passphrase", g.passphrase,
               "the master key is sealed with a passphrase ($CUSTODY_PASSPHRASE or a prompt)");
  app.add_flag("--json", g.json, "machine-readable output: one JSON object on stdout");
  app.add_flag("-q,--quiet", g.quiet, "no progress output");
  RegisterAll(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // The library reports errors as Status; an exception reaching here is a
    // bug, reported as one rather than as an abort.
    std::cerr << "custody: internal error (please report): " << e.what() << std::endl;
    return 1;
  }
  return LastExitCode();
}
