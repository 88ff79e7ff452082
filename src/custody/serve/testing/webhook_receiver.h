// A webhook receiver for tests: an HTTP server on 127.0.0.1 (any free port)
// that keeps every POST to /hook with its Standard Webhooks headers, and
// answers 500 to the first `fail_first` of them, 204 after.
// Thread-safety: deliveries() from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace custody::serve::testing {

class WebhookReceiver {
 public:
  struct Delivery {
    std::string id, timestamp, signature, body;
  };

  explicit WebhookReceiver(int fail_first = 0) : fail_first_(fail_first) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back({req.get_header_value("webhook-id"), req.get_header_value("webhook-timestamp"),
                      req.get_header_value("webhook-signature"), req.body});
      res.status = static_cast<int>(got_.size()) <= fail_first_ ? 500 : 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::vector<Delivery> deliveries() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  int fail_first_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Delivery> got_;
};

}  // namespace custody::serve::testing
