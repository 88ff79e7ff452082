// Webhook: alert deliveries to an HTTP(S) endpoint the lab runs
// (`custody serve --webhook-url URL --webhook-secret-file FILE`, docs/api.md
// "Webhooks"). Each delivery is a JSON POST signed as the Standard Webhooks
// specification prescribes, so receivers can use its libraries:
//   webhook-id:        the delivery's dedup id (the same on every retry)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1," + base64(HMAC-SHA256(secret, id "." timestamp "." body))
// Deliveries run on a background thread: Send() never waits for the
// network. A delivery that fails (no connection, timeout, a non-2xx answer)
// is retried with exponential backoff up to max_attempts; the queue is
// bounded (the oldest pending delivery is dropped, and counted, beyond it).
// Every alert is on the custody log whether or not its webhook arrives.
// Thread-safety: Send and stats from any thread; Stop once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::serve {

struct WebhookUrl {
  bool https = false;
  std::string host;
  int port = 0;
  std::string path;  // starts with '/'
};

// Parses "http(s)://HOST[:PORT][/PATH]". Plain http only to a loopback host
// (the alert names members). kInvalidArgument saying what was expected.
Result<WebhookUrl> ParseWebhookUrl(const std::string& url);

// The webhook-signature header value for a delivery.
std::string WebhookSignature(const crypto::SecretBytes& secret, std::string_view id, int64_t timestamp,
                             std::string_view body);

// Reads a webhook secret file: at least 16 bytes after trimming a trailing
// newline, mode 0600 or stricter. Errors name the file, never its content.
Result<crypto::SecretBytes> ReadWebhookSecret(const std::string& path);

// What `custody serve` is told (flags --webhook-url, --webhook-secret-file,
// --webhook-ca-file, or the [webhook] table of its TOML file).
struct WebhookSettings {
  std::string url;          // empty: no webhook
  std::string secret_file;  // the HMAC secret, mode 0600
  std::string ca_file;      // https: an extra CA bundle (PEM)
  int max_attempts = 6;
  int first_retry_ms = 1000;
};

// Reads the [webhook] table of a TOML file (url, secret_file, ca_file:
// strings; max_attempts: 1..20). Values already set in `*settings` (flags)
// are kept. kInvalidArgument naming file:line and key.
Status LoadWebhookToml(const std::string& path, const std::string& text, WebhookSettings* settings);

struct WebhookOptions {
  WebhookUrl url;
  crypto::SecretBytes secret;
  int max_attempts = 6;
  std::chrono::milliseconds first_retry{1000};  // doubles per attempt, at most max_retry
  std::chrono::milliseconds max_retry{std::chrono::minutes(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  size_t max_queue = 1000;
  std::string ca_file;  // https: extra CA bundle (PEM); empty: the system's
};

// What happened to one attempt, for the access log.
struct WebhookAttempt {
  std::string id;
  int attempt = 0;
  int http_status = 0;     // 0: no answer
  std::string error;       // empty on success
  bool final = false;      // delivered, or given up
};

class WebhookSender {
 public:
  using OnAttempt = std::function<void(const WebhookAttempt&)>;
  WebhookSender(WebhookOptions options, OnAttempt on_attempt);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues a delivery of `body` (JSON) with dedup id `id`. Returns at once.
  void Send(std::string id, std::string body);
  // Tries what is due within `grace`, then stops the thread; what is still
  // pending is counted as dropped.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

  struct Stats {
    uint64_t delivered = 0, retries = 0, dropped = 0, pending = 0;
  };
  Stats stats() const;

 private:
  struct Delivery {
    std::string id, body;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
  };
  void Loop();
  WebhookAttempt Attempt(Delivery* d);

  WebhookOptions options_;
  OnAttempt on_attempt_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Delivery> queue_;  // sorted by due
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_by_;
  Stats stats_;
  std::thread thread_;
};

}  // namespace custody::serve
