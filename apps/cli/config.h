// The user's config file: $CUSTODY_CONFIG, else
// ${XDG_CONFIG_HOME:-~/.config}/custody/config.toml (docs/cli.md, "Config
// file"). It sets defaults only: a command-line flag beats an environment
// variable, which beats the config file, which beats the built-in default.
// It holds no secret: keys that would (passphrase, key, ...) are refused.
// Thread-safety: loaded once in main before parsing; read-only afterwards.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "custody/base/status.h"

namespace custody::cli {

template <typename T>
struct ConfigValue {
  T value{};
  int line = 0;  // where the file sets it
};

struct UserConfig {
  std::string path;   // the file read, or the one that would be ("" if no $HOME)
  bool found = false;
  std::optional<ConfigValue<std::string>> vault;
  std::optional<ConfigValue<std::string>> key_file;
  // The catalog `custody init` makes: "sqlite" or a postgresql:// URI
  // (never with a password).
  std::optional<ConfigValue<std::string>> catalog;
  std::optional<ConfigValue<bool>> json;
  std::optional<ConfigValue<bool>> quiet;
  std::optional<ConfigValue<int64_t>> threads;
};

// The loaded config (empty until LoadUserConfig succeeds).
const UserConfig& Config();

// Reads the config file: a missing default file is no error; a missing
// $CUSTODY_CONFIG file is. kInvalidArgument naming FILE:LINE and the key for
// malformed TOML, an unknown key, a wrong type or a value out of range;
// and a key that would hold a secret (passphrase, key, password, ...).
Status LoadUserConfig();

// Applies the config's defaults to the parsed-later flags: --json, --quiet
// and every command's --threads. Call after the commands are registered and
// before parsing.
void ApplyConfigDefaults(CLI::App& app);

// The master key file named by the config ("" if none), for when neither
// --key-file nor $CUSTODY_KEY_FILE is set.
std::string ConfigKeyFile();

// The catalog `custody init` makes: --catalog, else $CUSTODY_CATALOG, else
// the config's catalog, else SQLite. Returns "" for SQLite (the value
// "sqlite") and the URI for PostgreSQL; kInvalidArgument naming the source
// for anything else, or for a URI that holds a password (never shown).
Result<std::string> InitCatalog(const std::string& flag);

// The environment variables and files custody reads, with what each does:
// for the man page and `config show`.
std::vector<std::pair<std::string, std::string>> EnvironmentVariables();
std::vector<std::pair<std::string, std::string>> ConfigFiles();

}  // namespace custody::cli
