#include "apps/cli/cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string_view>
#include <utility>

#include "apps/cli/config.h"
#include "apps/cli/exit_codes.h"

namespace custody::cli {

GlobalOptions& Globals() {
  static GlobalOptions g;
  return g;
}

std::string VaultPath() {
  if (!Globals().vault.empty()) return Globals().vault;
  if (const char* v = std::getenv("CUSTODY_VAULT"); v != nullptr && *v != '\0') return v;
  if (Config().vault) return Config().vault->value;
  return "./vault";
}

int ExitCodeFor(StatusCode code) {
  for (const ExitCodeRow& row : kExitCodes) {
    for (size_t i = 0; i < row.mapped; ++i) {
      if (row.statuses[i] == code) return row.code;
    }
  }
  return kInternalExitCode;
}

static int& ExitCode() {
  static int code = 0;
  return code;
}

int LastExitCode() { return ExitCode(); }

std::string InFlagTerms(std::string_view message) {
  // The library's option fields and the flags that set them.
  static constexpr std::pair<std::string_view, std::string_view> kFlags[] = {
      {"canary_rate", "--canary-rate"}, {"dataset", "--dataset"},   {"email", "--email"},
      {"expires_at", "--expires"},      {"fields", "--fields"},     {"ids", "--ids"},
      {"key_out", "--key-out"},         {"member", "--member"},     {"out", "--out"},
      {"out_dir", "--out"},             {"public_key", "--public-key"},
      {"purpose", "--purpose"},         {"sample", "--sample"},     {"shard", "--shard"},
  };
  for (const auto& [field, flag] : kFlags) {
    if (message.size() > field.size() && message.compare(0, field.size(), field) == 0 &&
        message[field.size()] == ':') {
      return std::string(flag) + std::string(message.substr(field.size()));
    }
  }
  return std::string(message);
}

nlohmann::json& JsonErrorFields() {
  static nlohmann::json fields = nlohmann::json::object();
  return fields;
}

void SetAction(CLI::App* sub, std::function<Status()> fn) {
  sub->callback([fn = std::move(fn)]() {
    Status s = fn();
    if (!s.ok()) {
      const std::string message = InFlagTerms(s.message());
      if (Globals().json) {
        nlohmann::json j = JsonErrorFields();
        j["error"] = {{"code", std::string(StatusCodeName(s.code()))}, {"message", message}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
      }
      std::cerr << "custody: " << message << std::endl;
      ExitCode() = ExitCodeFor(s.code());
    }
  });
}

void SetExitCodeFor(StatusCode code) { ExitCode() = ExitCodeFor(code); }

Status WithForceHint(Status s) {
  if (s.code() != StatusCode::kAlreadyExists || s.message().rfind("out: ", 0) != 0) return s;
  return Status(s.code(), s.message() + " (--force replaces it)");
}

void PrintJson(const nlohmann::json& j) {
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

bool ShowProgress() { return !Globals().quiet && !Globals().json && ::isatty(2) == 1; }

static std::map<std::string, RegisterFn>& Registry() {
  static std::map<std::string, RegisterFn> r;
  return r;
}

Registrar::Registrar(const char* name, RegisterFn fn) { Registry()[name] = fn; }

void RegisterAll(CLI::App& app) {
  for (auto& [name, fn] : Registry()) fn(app);
}

}  // namespace custody::cli

namespace custody::cli {
namespace {

// One example per command, by its path ("grant add"); docs/cli.md has more.
constexpr std::pair<std::string_view, std::string_view> kExamples[] = {
    {"demo", "custody demo --out /tmp/custody-demo"},
    {"exposure", "custody exposure --member alice --at 2027-01-01"},
    {"generate", "custody generate --records 1000 --seed 7 --out data.jsonl"},
    {"log", "custody log verify"},
    {"log status", "custody log status"},
    {"log show", "custody log show --from 0"},
    {"log prove", "custody log prove 3"},
    {"log verify", "custody log verify"},
    {"log export", "custody log export --out log.json"},
    {"log key", "custody log key"},
    {"match", "custody match leak.jsonl --top 20"},
    {"scan", "custody scan dump.jsonl.zst --out matches.jsonl --checkpoint scan.ckpt"},
    {"partner", "custody partner add acme"},
    {"partner add", "custody partner add acme --contact legal@acme.example"},
    {"partner list", "custody partner list"},
    {"partner show", "custody partner show acme"},
    {"partner suspend", "custody partner suspend acme"},
    {"partner resume", "custody partner resume acme"},
    {"partner terminate", "custody partner terminate acme"},
    {"member", "custody member list"},
    {"member add",
     "custody member add --partner acme --name alice --email alice@acme.example --generate-key --key-out alice.key"},
    {"member list", "custody member list --partner acme"},
    {"member show", "custody member show alice"},
    {"member revoke", "custody member revoke alice"},
    {"grant", "custody grant list"},
    {"grant add", "custody grant add --partner acme --dataset gsm8k --sample 0.3 --seed 7 --expires 2027-06-30 --purpose eval"},
    {"grant list", "custody grant list --partner acme"},
    {"grant show", "custody grant show 7"},
    {"grant revoke", "custody grant revoke 7"},
    {"release", "custody release --grant 7 --member alice --out alice.jsonl"},
    {"releases", "custody releases"},
    {"open", "custody open alice.jsonl.enc --key alice.key --out alice.jsonl"},
    {"trace", "custody trace leak.jsonl --out trace.json --report trace.html"},
    {"incident", "custody incident list"},
    {"incident open", "custody incident open --from-trace trace.json --title \"gsm8k leak\""},
    {"incident show", "custody incident show 1"},
    {"incident list", "custody incident list"},
    {"incident note", "custody incident note 1 \"asked acme for their access logs\""},
    {"incident close", "custody incident close 1 --resolution \"contract terminated\""},
    {"init", "custody init ./vault"},
    {"ingest", "custody ingest --dataset gsm8k train.jsonl"},
    {"datasets", "custody datasets"},
    {"show", "custody show 42"},
    {"export", "custody export --dataset gsm8k --out gsm8k.jsonl"},
    {"dataset", "custody dataset shred gsm8k"},
    {"dataset shred", "custody dataset shred gsm8k"},
    {"version", "custody version"},
    {"serve", "custody serve --listen 127.0.0.1:8080 --member-per-hour 200"},
    {"token", "custody token list"},
    {"token issue", "custody token issue --member alice --expires 2027-06-30"},
    {"token list", "custody token list"},
    {"token revoke", "custody token revoke 3 --reason \"laptop lost\""},
    {"vault", "custody vault check"},
    {"vault check", "custody vault check"},
    {"log checkpoint", "custody log checkpoint --out checkpoint.txt"},
    {"log repair", "custody log repair"},
    {"partner attest-deletion", "custody partner attest-deletion --partner acme --release 3 --certificate deletion.pdf"},
    {"dataset set-sensitivity", "custody dataset set-sensitivity gsm8k restricted"},
    {"audit", "custody audit template > acme-answers.toml"},
    {"audit template", "custody audit template --format toml > acme-answers.toml"},
    {"audit submit", "custody audit submit --partner acme acme-answers.toml --evidence IAM-01=access-review.pdf"},
    {"audit score", "custody audit score --partner acme --external bitsight:720"},
    {"risk", "custody risk"},
    {"report", "custody report partner acme --format html --out acme.html"},
    {"report partner", "custody report partner acme --format html --out acme.html"},
    {"completion", "custody completion zsh > \"${fpath[1]}/_custody\""},
    {"completion bash", "custody completion bash > ~/.local/share/bash-completion/completions/custody"},
    {"completion zsh", "custody completion zsh > \"${fpath[1]}/_custody\""},
    {"man", "custody man > custody.1 && man -l custody.1"},
    {"config", "custody config show"},
    {"config show", "custody config show"},
    {"report risk", "custody report risk --format html --out risk.html"},
    {"incident update", "custody incident update 1 --aware-at 2026-12-01T09:00:00Z"},
    {"incident contain", "custody incident contain 1 --suspend-partner --yes"},
    {"incident report", "custody incident report 1 --format html --out incident-1.html"},
};

// "--vault DIR, --key-file PATH, ..., -q/--quiet, ...": the root's options,
// wrapped to lines of at most 100 columns.
std::string GlobalOptionsText(const CLI::App& root) {
  std::string text = "\nGlobal options (before or after the command):";
  size_t column = text.size() - 1;
  const auto options = root.get_options();
  for (size_t i = 0; i < options.size(); ++i) {
    const CLI::Option* o = options[i];
    std::string item;
    for (const auto& s : o->get_snames()) item += (item.empty() ? "-" : "/-") + s;
    for (const auto& l : o->get_lnames()) item += (item.empty() ? "--" : "/--") + l;
    if (o->get_items_expected_max() > 0) {
      const std::string l = o->get_lnames().empty() ? "" : o->get_lnames()[0];
      item += l == "vault" ? " DIR" : l.ends_with("-fd") ? " N" : " PATH";
    }
    item += i + 1 < options.size() ? "," : ".";
    if (column + 1 + item.size() > 100) {
      text += "\n ";
      column = 1;
    }
    text += " " + item;
    column += 1 + item.size();
  }
  return text + " Exit codes and more: docs/cli.md.";
}

void AddFooters(CLI::App* app, const std::string& path, const std::string& globals) {
  for (CLI::App* sub : app->get_subcommands({})) {
    const std::string p = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    std::string footer = globals;
    for (const auto& [name, example] : kExamples) {
      if (name == p) footer += "\nExample:\n  " + std::string(example);
    }
    sub->footer(footer);
    AddFooters(sub, p, globals);
  }
}

}  // namespace

void AddHelpFooters(CLI::App& app) { AddFooters(&app, "", GlobalOptionsText(app)); }

std::string_view ExampleFor(std::string_view path) {
  for (const auto& [name, example] : kExamples) {
    if (name == path) return example;
  }
  return {};
}

}  // namespace custody::cli
