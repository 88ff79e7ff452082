// The custody binary: parses flags with CLI11 and dispatches to the command
// groups registered by apps/cli/*_commands.cc.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "apps/cli/cli.h"
#include "apps/cli/config.h"
#include "apps/cli/exit_codes.h"

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

// Edit distance (insertions, deletions, substitutions) between two words.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// The command word of the command line: the first argument that is neither
// an option nor the value of a global option that takes one; "" if none.
std::string CommandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--vault" || a == "--key-file" || a == "--passphrase-fd") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return std::string(a);
  }
  return "";
}

bool WantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

// True when the command line asks only for help or the version (before a
// "--"): they must work even when the config file is broken, since they are
// how a user finds out how to fix it.
bool AsksForHelpOrVersion(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--") return false;
    if (a == "--help" || a == "-h" || a == "--version") return true;
  }
  return false;
}

// A usage error: the message on stderr and, with --json, as the one JSON
// object on stdout. Exit code 2.
int UsageError(bool json, const std::string& message, const char* code = "usage") {
  if (json) {
    nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
    std::cout << j.dump() << std::endl;
  }
  std::cerr << "custody: " << message << std::endl;
  return kUsageExitCode;
}

// "unknown command 'grnt' (did you mean 'grant'?)", or "" if `word` names a
// command.
std::string UnknownCommand(const CLI::App& app, const std::string& word) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->check_name(word)) return "";
    const size_t d = EditDistance(word, sub->get_name());
    if (d < best_distance) {
      best_distance = d;
      best = sub->get_name();
    }
  }
  std::string message = "unknown command '" + word + "'";
  if (best_distance <= std::max<size_t>(2, word.size() / 3)) {
    message += " (did you mean '" + best + "'?)";
  }
  return message + "; `custody --help` lists the commands";
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
  app.add_option("--vault", g.vault, "vault directory (default $CUSTODY_VAULT, else the config file's vault, else ./vault)")
      ->take_last();
  app.add_option("--key-file", g.key_file,
                 "master key file (default $CUSTODY_KEY_FILE, else the config file's key_file, else ~/.config/custody/keys/...)")
      ->take_last();
  app.add_flag("--passphrase", g.passphrase,
               "the master key is sealed with a passphrase ($CUSTODY_PASSPHRASE or a prompt)");
  app.add_option("--passphrase-fd", g.passphrase_fd,
                 "read the passphrase's first line from file descriptor N (implies --passphrase)")
      ->take_last();
  app.add_flag("--json", g.json, "machine-readable output: one JSON object on stdout");
  app.add_flag("-q,--quiet", g.quiet, "no progress output");
  app.set_version_flag("--version", std::string("custody ") + CUSTODY_VERSION);
  RegisterAll(app);
  AddHelpFooters(app);
  // The config file sets defaults for the flags (docs/cli.md, "Config file");
  // a bad one is an error of its own, exit code 2 like a usage error, except
  // for --help and --version, which then warn and go on without it.
  if (custody::Status s = LoadUserConfig(); !s.ok()) {
    if (!AsksForHelpOrVersion(argc, argv)) return UsageError(WantsJson(argc, argv), s.message(), "config");
    std::cerr << "custody: warning: config file ignored: " << s.message() << std::endl;
  }
  ApplyConfigDefaults(app);
  const bool json = WantsJson(argc, argv) || Globals().json;
  if (const std::string word = CommandWord(argc, argv); !word.empty()) {
    if (std::string unknown = UnknownCommand(app, word); !unknown.empty()) {
      return UsageError(json, unknown);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    if (json) return UsageError(json, e.what());
    app.exit(e);
    return kUsageExitCode;
  } catch (const std::exception& e) {
    // The library reports errors as Status; an exception reaching here is a
    // bug, reported as one rather than as an abort.
    std::cerr << "custody: internal error (please report): " << e.what() << std::endl;
    return 1;
  }
  return LastExitCode();
}
