// Shared plumbing for the custody command line: global options, vault path
// resolution, output helpers and the mapping from Status to exit codes.
// Each command group lives in its own *_commands.cc file and registers itself
// with CUSTODY_REGISTER_COMMANDS, so adding a group never touches main.cc.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "custody/base/ids_format.h"
#include "custody/base/status.h"

namespace custody::cli {

struct GlobalOptions {
  std::string vault;     // --vault, else $CUSTODY_VAULT, else the config file's, else ./vault
  std::string key_file;  // --key-file, else $CUSTODY_KEY_FILE, else the config file's, else the per-user default
  bool passphrase = false;  // --passphrase: the master key is sealed with a passphrase
  int passphrase_fd = -1;   // --passphrase-fd N: read it from file descriptor N (implies --passphrase)
  bool json = false;        // --json: one JSON object on stdout
  bool quiet = false;       // --quiet: no progress output
};

GlobalOptions& Globals();

// The vault directory chosen by --vault, $CUSTODY_VAULT, the config file or ./vault.
std::string VaultPath();

// Exit codes (docs/cli.md): 0 ok, 1 internal, 2 usage, 3 invalid input,
// 4 not found, 5 failed precondition, 6 data loss/tampering, 7 unauthenticated,
// 8 cancelled (a confirmation prompt declined; nothing changed).
int ExitCodeFor(StatusCode code);

// Sets `sub`'s callback to run `fn`; a non-OK Status is printed to stderr as
// "custody: <message>" (or as {"error": ...} with --json) and mapped to an exit code.
// A library error message in command-line terms: a leading option field
// ("expires_at: ...") becomes the flag that sets it ("--expires: ...").
// Library messages speak of library concepts; only the CLI knows flags.
std::string InFlagTerms(std::string_view message);

void SetAction(CLI::App* sub, std::function<Status()> fn);

// Sets the exit code for `code` without printing anything: for a command
// whose report (with --json, its one JSON object) already says what failed.
void SetExitCodeFor(StatusCode code);

// For commands with --force: a refusal to overwrite `--out` (kAlreadyExists
// from an OutputFile) says how to overwrite it.
Status WithForceHint(Status s);

// With --json, fields an action adds to its error object when it fails (e.g.
// `log verify`'s report): the error and its evidence stay one JSON object.
nlohmann::json& JsonErrorFields();

// Prints `j` to stdout (pretty for humans is the caller's business; this is
// the --json path: compact, one line).
void PrintJson(const nlohmann::json& j);

// True if stderr is a terminal and progress is wanted.
bool ShowProgress();

// Gives every subcommand's --help the global options and one example.
void AddHelpFooters(CLI::App& app);

// The example `--help` shows for the command at `path` ("grant add"); "" if none.
std::string_view ExampleFor(std::string_view path);

using RegisterFn = void (*)(CLI::App&);
struct Registrar {
  Registrar(const char* name, RegisterFn fn);
};

}  // namespace custody::cli

#define CUSTODY_REGISTER_COMMANDS(fn) \
  static ::custody::cli::Registrar custody_registrar_##fn(#fn, &fn)

