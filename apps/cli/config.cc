// The user's config file; see config.h.
#include "apps/cli/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "apps/cli/cli.h"
#include "custody/store/sql.h"

namespace custody::cli {
namespace {

UserConfig& MutableConfig() {
  static UserConfig c;
  return c;
}

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string DefaultConfigPath() {
  if (std::string x = Getenv("XDG_CONFIG_HOME"); !x.empty()) return x + "/custody/config.toml";
  if (std::string h = Getenv("HOME"); !h.empty()) return h + "/.config/custody/config.toml";
  return "";
}

// Key names that would put a secret in a plain file; refused whatever their value.
bool NamesASecret(std::string_view key) {
  static constexpr std::string_view kSecretWords[] = {"passphrase", "password", "secret", "token",
                                                      "master_key", "private_key"};
  for (std::string_view w : kSecretWords) {
    if (key.find(w) != std::string_view::npos) return true;
  }
  return key == "key" || key == "passphrase_fd";
}

constexpr std::string_view kKnownKeys = "vault, key_file, catalog, json, quiet, threads";

// "" for "sqlite", the URI for a postgresql:// URI without a password;
// kInvalidArgument naming `where` otherwise.
Result<std::string> CheckCatalog(const std::string& value, const std::string& where) {
  if (value == "sqlite") return std::string();
  if (!store::IsPostgresLocation(value)) {
    return InvalidArgumentError(where +
                                ": expected sqlite or a postgresql:// connection URI, found '" +
                                store::RedactCatalogLocation(value) + "'");
  }
  if (store::CatalogLocationHasPassword(value)) {
    return InvalidArgumentError(
        where + ": the URI " + store::RedactCatalogLocation(value) +
        " holds a password, which custody would write into the vault's custody.toml; give it "
        "through ~/.pgpass (PGPASSFILE) or PGPASSWORD, or connect by Unix socket");
  }
  return value;
}

}  // namespace

const UserConfig& Config() { return MutableConfig(); }

Status LoadUserConfig() {
  UserConfig c;
  const std::string from_env = Getenv("CUSTODY_CONFIG");
  c.path = from_env.empty() ? DefaultConfigPath() : from_env;
  if (c.path.empty()) return OkStatus();
  std::ifstream in(c.path, std::ios::binary);
  if (!in) {
    if (from_env.empty()) {
      MutableConfig() = std::move(c);
      return OkStatus();
    }
    return InvalidArgumentError("$CUSTODY_CONFIG: cannot read the config file " + c.path);
  }
  std::stringstream text;
  text << in.rdbuf();
  c.found = true;
  toml::table t;
  try {
    t = toml::parse(text.str(), c.path);
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(c.path + ":" + std::to_string(e.source().begin.line) +
                                ": expected TOML: " + std::string(e.description()));
  }
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    const std::string where = c.path + ":" + std::to_string(node.source().begin.line) + ": " + key;
    if (NamesASecret(key)) {
      return InvalidArgumentError(where +
                                   ": a config file must not hold a passphrase or key; use --passphrase-fd, "
                                   "$CUSTODY_PASSPHRASE or the prompt, and name the master key file with key_file");
    }
    const int line = static_cast<int>(node.source().begin.line);
    auto want = [&](std::string_view type) {
      return InvalidArgumentError(where + ": expected " + std::string(type) + ", found a TOML " +
                                  std::string(toml::impl::node_type_friendly_names[static_cast<size_t>(node.type())]));
    };
    if (key == "catalog") {
      auto s = node.value<std::string>();
      if (!node.is_string() || !s) return want("a string (sqlite or a postgresql:// URI)");
      CUSTODY_RETURN_IF_ERROR(CheckCatalog(*s, where).status());
      c.catalog = ConfigValue<std::string>{*s, line};
    } else if (key == "vault" || key == "key_file") {
      auto s = node.value<std::string>();
      if (!node.is_string() || !s) return want("a string (a path)");
      if (s->empty()) return InvalidArgumentError(where + ": expected a path, found an empty string");
      (key == "vault" ? c.vault : c.key_file) = ConfigValue<std::string>{*s, line};
    } else if (key == "json" || key == "quiet") {
      if (!node.is_boolean()) return want("true or false");
      (key == "json" ? c.json : c.quiet) = ConfigValue<bool>{*node.value<bool>(), line};
    } else if (key == "threads") {
      if (!node.is_integer()) return want("an integer");
      const int64_t n = *node.value<int64_t>();
      if (n < 0 || n > 1024) {
        return InvalidArgumentError(where + ": expected 0 (one per core) to 1024, found " + std::to_string(n));
      }
      c.threads = ConfigValue<int64_t>{n, line};
    } else {
      return InvalidArgumentError(where + ": unknown key; expected one of " + std::string(kKnownKeys));
    }
  }
  MutableConfig() = std::move(c);
  return OkStatus();
}

void ApplyConfigDefaults(CLI::App& app) {
  const UserConfig& c = Config();
  if (c.json) Globals().json = c.json->value;
  if (c.quiet) Globals().quiet = c.quiet->value;
  if (!c.threads) return;
  std::vector<CLI::App*> todo = {&app};
  while (!todo.empty()) {
    CLI::App* a = todo.back();
    todo.pop_back();
    for (CLI::Option* o : a->get_options([](CLI::Option* o) { return o->check_lname("threads"); })) {
      o->run_callback_for_default()->default_val(c.threads->value);
    }
    for (CLI::App* s : a->get_subcommands([](CLI::App*) { return true; })) todo.push_back(s);
  }
}

std::string ConfigKeyFile() { return Config().key_file ? Config().key_file->value : std::string(); }

Result<std::string> InitCatalog(const std::string& flag) {
  if (!flag.empty()) return CheckCatalog(flag, "--catalog");
  if (const std::string e = Getenv("CUSTODY_CATALOG"); !e.empty()) {
    return CheckCatalog(e, "$CUSTODY_CATALOG");
  }
  if (const auto& c = Config().catalog; c) {
    return CheckCatalog(c->value, Config().path + ":" + std::to_string(c->line) + ": catalog");
  }
  return std::string();
}

std::vector<std::pair<std::string, std::string>> EnvironmentVariables() {
  return {
      {"CUSTODY_VAULT", "the vault directory when --vault is not given (beats the config file's vault)"},
      {"CUSTODY_KEY_FILE", "the master key file when --key-file is not given (beats the config file's key_file)"},
      {"CUSTODY_CATALOG",
       "the catalog `custody init` makes when --catalog is not given: sqlite or a postgresql:// URI without a "
       "password (beats the config file's catalog)"},
      {"PGPASSFILE, PGPASSWORD",
       "the password of a PostgreSQL catalog (libpq reads them; custody never stores or shows a password)"},
      {"CUSTODY_PASSPHRASE",
       "the passphrase of a sealed master key file, with --passphrase (--passphrase-fd is safer: the environment "
       "of a process can be read by others of the same user)"},
      {"CUSTODY_CONFIG", "the config file to read instead of ${XDG_CONFIG_HOME:-~/.config}/custody/config.toml; "
                         "it must exist"},
      {"CUSTODY_ACTOR", "the actor recorded in custody log events (default: the OS user name)"},
      {"XDG_CONFIG_HOME", "where the config file and the per-user master key files are (default ~/.config)"},
  };
}

std::vector<std::pair<std::string, std::string>> ConfigFiles() {
  return {
      {"~/.config/custody/config.toml",
       "the config file (keys vault, key_file, catalog, json, quiet, threads; never a passphrase or key): "
       "defaults that environment variables and flags override. `custody config show` prints the effective "
       "settings."},
      {"~/.config/custody/keys/VAULT-ID.key", "the vault's master key file (mode 0600) unless named otherwise"},
      {"./vault", "the vault directory unless named otherwise"},
  };
}

}  // namespace custody::cli
