#include "apps/cli/cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

namespace custody::cli {

GlobalOptions& Globals() {
  static GlobalOptions g;
  return g;
}

std::string VaultPath() {
  if (!Globals().vault.empty()) return Globals().vault;
  if (const char* v = std::getenv("CUSTODY_VAULT"); v != nullptr && *v != '\0') return v;
  return "./vault";
}

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 3;
    case StatusCode::kNotFound: return 4;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
    case StatusCode::kUnavailable: return 5;
    case StatusCode::kDataLoss: return 6;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied: return 7;
    case StatusCode::kCancelled: return 8;
    default: return 1;
  }
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

void SetAction(CLI::App* sub, std::function<Status()> fn) {
  sub->callback([fn = std::move(fn)]() {
    Status s = fn();
    if (!s.ok()) {
      const std::string message = InFlagTerms(s.message());
      if (Globals().json) {
        nlohmann::json j = {{"error", {{"code", std::string(StatusCodeName(s.code()))},
                                       {"message", message}}}};
        std::cout << j.dump() << std::endl;
      }
      std::cerr << "custody: " << message << std::endl;
      ExitCode() = ExitCodeFor(s.code());
    }
  });
}

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
