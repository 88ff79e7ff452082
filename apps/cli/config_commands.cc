// `custody config show`: the effective settings and where each came from
// (flag, environment variable, config file with its line, built-in default).
#include <algorithm>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/config.h"
#include "custody/store/sql.h"

namespace custody::cli {
namespace {

struct Setting {
  std::string name;
  nlohmann::json value;
  std::string source;  // "--flag", "$ENV", "FILE:LINE", "default"
};

template <typename T>
std::string FileSource(const ConfigValue<T>& v) {
  return Config().path + ":" + std::to_string(v.line);
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::vector<Setting> Effective(const CLI::App& root) {
  const UserConfig& c = Config();
  std::vector<Setting> out;
  if (!Globals().vault.empty()) {
    out.push_back({"vault", Globals().vault, "--vault"});
  } else if (std::string e = Env("CUSTODY_VAULT"); !e.empty()) {
    out.push_back({"vault", e, "$CUSTODY_VAULT"});
  } else if (c.vault) {
    out.push_back({"vault", c.vault->value, FileSource(*c.vault)});
  } else {
    out.push_back({"vault", "./vault", "default"});
  }
  if (!Globals().key_file.empty()) {
    out.push_back({"key_file", Globals().key_file, "--key-file"});
  } else if (std::string e = Env("CUSTODY_KEY_FILE"); !e.empty()) {
    out.push_back({"key_file", e, "$CUSTODY_KEY_FILE"});
  } else if (c.key_file) {
    out.push_back({"key_file", c.key_file->value, FileSource(*c.key_file)});
  } else {
    out.push_back({"key_file", "${XDG_CONFIG_HOME:-~/.config}/custody/keys/VAULT-ID.key", "default"});
  }
  if (std::string e = Env("CUSTODY_CATALOG"); !e.empty()) {
    out.push_back({"catalog", store::RedactCatalogLocation(e), "$CUSTODY_CATALOG"});
  } else if (c.catalog) {
    out.push_back({"catalog", c.catalog->value, FileSource(*c.catalog)});
  } else {
    out.push_back({"catalog", "sqlite", "default"});
  }
  auto flag = [&](const char* name, bool value, const std::optional<ConfigValue<bool>>& from_file) {
    const CLI::Option* o = root.get_option_no_throw(std::string("--") + name);
    if (o != nullptr && o->count() > 0) return Setting{name, value, std::string("--") + name};
    if (from_file) return Setting{name, value, FileSource(*from_file)};
    return Setting{name, value, "default"};
  };
  out.push_back(flag("json", Globals().json, c.json));
  out.push_back(flag("quiet", Globals().quiet, c.quiet));
  if (c.threads) {
    out.push_back({"threads", c.threads->value, FileSource(*c.threads)});
  } else {
    out.push_back({"threads", 0, "default"});
  }
  return out;
}

void RegisterConfig(CLI::App& app) {
  const CLI::App* root = &app;
  auto* config = app.add_subcommand("config", "the user config file");
  config->require_subcommand(1);
  auto* show = config->add_subcommand("show", "the effective settings and where each came from");
  SetAction(show, [root]() -> Status {
    const UserConfig& c = Config();
    const std::vector<Setting> settings = Effective(*root);
    if (Globals().json) {
      nlohmann::json s = nlohmann::json::object();
      for (const auto& x : settings) s[x.name] = {{"value", x.value}, {"source", x.source}};
      PrintJson({{"config_file", c.path.empty() ? nlohmann::json() : nlohmann::json(c.path)},
                 {"config_file_found", c.found},
                 {"settings", s}});
      return OkStatus();
    }
    std::cout << "config file: " << (c.path.empty() ? "(none: neither $XDG_CONFIG_HOME nor $HOME is set)" : c.path)
              << (c.path.empty() || c.found ? "" : " (not present)") << "\n";
    std::vector<std::string> values;
    size_t width = 5;  // "VALUE"
    for (const auto& x : settings) {
      values.push_back(x.value.is_string() ? x.value.get<std::string>()
                       : x.name == "threads" && x.value == 0 ? "0 (one per core)"
                                                             : x.value.dump());
      width = std::max(width, values.back().size());
    }
    std::cout << fmt::format("{:<9} {:<{}}  {}\n", "SETTING", "VALUE", width, "SOURCE");
    for (size_t i = 0; i < settings.size(); ++i) {
      std::cout << fmt::format("{:<9} {:<{}}  {}\n", settings[i].name, values[i], width,
                               settings[i].source);
    }
    return OkStatus();
  });
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterConfig);

}  // namespace custody::cli
