// `custody serve` (the HTTP API, src/custody/serve) and `custody token`
// (issue, list, revoke the API's bearer tokens).
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/base/env.h"
#include "custody/serve/server.h"
#include "custody/serve/routes.h"
#include "custody/serve/token.h"

namespace custody::cli {
namespace {

nlohmann::json TokenJson(const serve::TokenInfo& t) { return serve::TokenInfoToJson(t); }

// "HOST:PORT" or "[V6]:PORT" into host and port.
Status ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgumentError("--listen: expected ADDRESS:PORT, found '" + text + "'");
  }
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  const std::string p = text.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 65535) {
    return InvalidArgumentError("--listen: expected a port 0..65535, found '" + p + "'");
  }
  *port = std::stoi(p);
  return OkStatus();
}

void RegisterServe(CLI::App& app) {
  auto* sub = app.add_subcommand("serve", "serve tasks, keys and the read API over HTTP(S) (docs/api.md)");
  auto listen = std::make_shared<std::string>("127.0.0.1:8443");
  auto o = std::make_shared<serve::ServeOptions>();
  auto config = std::make_shared<std::string>();
  sub->add_option("--listen", *listen, "ADDRESS:PORT (port 0: any free port); plain HTTP only on loopback")
      ->capture_default_str();
  sub->add_option("--cert", o->cert_file, "TLS certificate chain (PEM)");
  sub->add_option("--key", o->key_file, "TLS private key (PEM)");
  sub->add_option("--access-log", o->access_log, "append the JSON-lines access log here (default: stderr)");
  sub->add_option("--threads", o->threads, "HTTP worker threads")->capture_default_str();
  sub->add_option("--max-batch", o->max_batch, "tasks committed together at most")->capture_default_str();
  sub->add_option("--max-dump-bytes", o->max_dump_bytes,
                  "largest dump POST /v1/match and /v1/trace take (413 above)")->capture_default_str();
  sub->add_option("--canary-rate", o->canary_rate, "share of tasks that are canaries, in [0, 0.5]")
      ->capture_default_str();
  sub->add_option("--member-per-hour", o->limits.member_per_hour, "tasks per member per hour (0: no limit)");
  sub->add_option("--member-per-day", o->limits.member_per_day, "tasks per member per day (0: no limit)");
  sub->add_option("--grant-per-hour", o->limits.grant_per_hour, "tasks per grant per hour (0: no limit)");
  sub->add_option("--grant-per-day", o->limits.grant_per_day, "tasks per grant per day (0: no limit)");
  sub->add_flag("--suspend-on-breach", o->limits.suspend_member,
                "revoke a member that exceeds a limit or trips the anomaly rule");
  sub->add_option("--anomaly-factor", o->limits.anomaly.factor,
                  "refuse and alert when a member's hourly tasks exceed this many times their own "
                  "history or their peers' median (0: off)");
  auto hours = std::make_shared<std::string>();
  sub->add_option("--working-hours", *hours, "START-END in UTC hours (e.g. 8-20): tasks outside are refused "
                                             "and alerted");
  sub->add_option("--webhook-url", o->webhook.url, "POST alerts here, signed (https, or http on loopback)");
  sub->add_option("--webhook-secret-file", o->webhook.secret_file, "the webhook's HMAC secret (mode 0600)");
  sub->add_option("--webhook-ca-file", o->webhook.ca_file, "extra CA bundle (PEM) for an https webhook");
  sub->add_option("--config", *config, "TOML file with [limits], [anomaly] and [webhook] tables (flags win)");
  SetAction(sub, [listen, o, config, hours]() -> Status {
    serve::ServeOptions options = *o;
    CUSTODY_RETURN_IF_ERROR(ParseListen(*listen, &options.host, &options.port));
    if (!hours->empty()) {
      CUSTODY_RETURN_IF_ERROR(serve::ParseWorkingHours(*hours, &options.limits.anomaly).WithPrefix("--working-hours"));
    }
    if (options.limits.anomaly.factor != 0 && options.limits.anomaly.factor <= 1) {
      return InvalidArgumentError("--anomaly-factor: expected 0 (off) or a number greater than 1, found " +
                                  fmt::format("{}", options.limits.anomaly.factor));
    }
    Env* env = Env::Default();
    if (!config->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(*config));
      CUSTODY_RETURN_IF_ERROR(serve::LoadLimitsToml(*config, text, &options.limits));
      CUSTODY_RETURN_IF_ERROR(serve::LoadWebhookToml(*config, text, &options.webhook));
    }
    options.openapi_json = std::string(serve::OpenApiJson());
    // Signals go to one thread, which stops the server: the HTTP threads
    // started below inherit the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto server, serve::Server::Create(std::move(c), options));
    const std::string url = fmt::format("{}://{}:{}", server->scheme(),
                                        options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host,
                                        server->port());
    if (Globals().json) {
      PrintJson({{"listening", url}, {"port", server->port()}});
    } else {
      std::cout << "custody serve: listening on " << url << std::endl;
    }
    std::atomic<bool> done{false};
    std::thread waiter([&] {
      const timespec tick{0, 100 * 1000 * 1000};
      bool asked = false;
      while (!done.load()) {
        if (asked || sigtimedwait(&signals, nullptr, &tick) > 0) {
          asked = true;
          server->Stop();  // repeated until Run returns: a stop before listen starts is lost
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
    Status ran = server->Run();
    done.store(true);
    waiter.join();
    server.reset();  // finishes the log and releases the vault
    if (!Globals().json && ran.ok()) std::cout << "custody serve: stopped" << std::endl;
    return ran;
  });
}

void RegisterToken(CLI::App& app) {
  auto* g = app.add_subcommand("token", "API tokens for custody serve (docs/api.md)");
  g->require_subcommand(1);

  auto* issue = g->add_subcommand("issue", "issue a token (printed once; only its hash is kept)");
  auto member = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  auto expires = std::make_shared<std::string>();
  auto* m_opt = issue->add_option("--member", *member, "a member token: tasks and the member's own releases");
  auto* r_opt = issue->add_option("--role", *role, "a lab token: admin or auditor");
  m_opt->excludes(r_opt);
  issue->add_option("--expires", *expires, "expiry: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  SetAction(issue, [member, role, expires]() -> Status {
    serve::TokenSpec spec;
    if (member->empty() == role->empty()) {
      return InvalidArgumentError("token issue: expected --member NAME or --role admin|auditor");
    }
    if (!role->empty()) {
      if (*role != "admin" && *role != "auditor") {
        return InvalidArgumentError("--role: expected admin or auditor, found '" + *role + "'");
      }
      CUSTODY_ASSIGN_OR_RETURN(spec.role, store::ParseTokenRole(*role));
    }
    spec.member = *member;
    if (!expires->empty()) {
      auto t = ParseTime(*expires);
      if (!t.ok()) return t.status().WithPrefix("--expires");
      spec.expires_at = *t;
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto t, serve::IssueToken(*c, spec));
    if (Globals().json) {
      PrintJson(serve::IssuedTokenToJson(t));
    } else {
      std::cout << "Issued token " << t.id << " ("
                << (t.member.empty() ? std::string(store::TokenRoleName(t.role)) : "member " + t.member)
                << (t.expires_at ? ", expires " + FormatRfc3339(*t.expires_at) : std::string()) << "):\n"
                << t.token << "\n"
                << "It is shown only now; custody keeps its hash.\n";
    }
    return OkStatus();
  });

  auto* list = g->add_subcommand("list", "list tokens (never their text)");
  SetAction(list, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto tokens, serve::ListTokens(*c));
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) std::cout << fmt::format("{:<5} {:<8} {:<20} {:<8} {}\n", "ID", "ROLE", "MEMBER", "STATE", "EXPIRES");
    for (const auto& t : tokens) {
      out.push_back(TokenJson(t));
      if (!Globals().json) {
        std::cout << fmt::format("{:<5} {:<8} {:<20} {:<8} {}\n", t.id.value(), store::TokenRoleName(t.role),
                                 t.member_id ? t.member : "-", t.state,
                                 t.expires_at ? FormatRfc3339(*t.expires_at) : "never");
      }
    }
    if (Globals().json) PrintJson({{"tokens", out}});
    return OkStatus();
  });

  auto* revoke = g->add_subcommand("revoke", "revoke a token (logged)");
  auto id = std::make_shared<int64_t>(0);
  auto reason = std::make_shared<std::string>();
  revoke->add_option("ID", *id, "token id (token list)")->required();
  revoke->add_option("--reason", *reason, "why (logged)");
  SetAction(revoke, [id, reason]() -> Status {
    if (*id <= 0) return InvalidArgumentError("ID: expected a token id (a positive integer), found " + std::to_string(*id));
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto t, serve::RevokeToken(*c, TokenId(*id), *reason));
    if (Globals().json) {
      PrintJson({{"token", TokenJson(t)}});
    } else {
      std::cout << "Revoked token " << t.id << "\n";
    }
    return OkStatus();
  });
}

void RegisterServeCommands(CLI::App& app) {
  RegisterServe(app);
  RegisterToken(app);
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterServeCommands);

}  // namespace custody::cli
