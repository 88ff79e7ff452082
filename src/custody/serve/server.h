// Server: `custody serve`, brokered access to the vault over HTTP(S) with
// cpp-httplib. Members pull one fingerprinted record at a time
// (POST /v1/tasks/next, group-committed by TaskBatcher), send answers back,
// and the lab's admins and auditors read lists, exposure, the custody log,
// its proofs and tiles; admins also write (partners, members, grants,
// tokens, incidents) and trace dumps. Routes, roles and the error format:
// docs/api.md; the route table with its access rules: routes.h; the admin
// writes and analysis handlers: admin_routes.cc, analysis_routes.cc.
//
// The server owns the open vault. Over a SQLite catalog its writer lock is
// held while it runs (one process over a vault); over a PostgreSQL catalog
// several servers may share the vault (store::Vault::shared): each write
// transaction serializes with theirs and first reads what they logged, and
// a change they logged (a revocation, a suspension) empties the principal
// cache before the next request is authorized (docs/api.md, "Several
// servers"). Every request that touches the vault holds
// one mutex (the catalog and Custody are one-thread-at-a-time), except that
// task requests wait in the batcher's queue and are committed together.
// Thread-safety: Stop() may be called from any thread; everything else from
// the thread that created the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/serve/limits.h"
#include "custody/serve/webhook.h"

namespace custody::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 0;            // 0: any free port (see Server::port())
  std::string cert_file;   // both set: HTTPS; both empty: HTTP (loopback only)
  std::string key_file;
  std::string access_log;  // JSON lines; empty: stderr
  size_t max_batch = 256;  // tasks committed together at most
  int threads = 64;        // HTTP worker threads (each serves one connection at a time)
  Limits limits;
  double canary_rate = 0.01;  // share of tasks that are canaries (core::TaskOptions)
  WebhookSettings webhook;  // alerts POSTed to a URL (webhook.h); empty url: none
  std::string openapi_json;  // served at /openapi.json
  // The largest dump POST /v1/match and /v1/trace take (413 above); every
  // other POST takes at most core::TaskServer::kMaxAnswerBytes.
  size_t max_dump_bytes = 16 << 20;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(const std::string& host);

class Server {
 public:
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Checks the options (kInvalidArgument: plain HTTP on a non-loopback
  // address, only one of cert and key, an unreadable certificate, a bad
  // webhook URL or secret file), binds
  // the port (kUnavailable if it is taken) and prepares the routes.
  static Result<std::unique_ptr<Server>> Create(std::unique_ptr<core::Custody> custody,
                                                ServeOptions options);

  // The bound port.
  int port() const;
  // "http" or "https".
  const char* scheme() const;

  // Serves until Stop(); then finishes the requests in flight, commits the
  // queued tasks, publishes the log and returns.
  Status Run();
  // Asks Run to return. Safe from any thread (not from a signal handler).
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::serve
