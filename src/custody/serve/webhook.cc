#include "custody/serve/webhook.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <httplib.h>
#include <toml++/toml.h>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/serve/internal/toml_text.h"
#include "custody/serve/server.h"

namespace custody::serve {

Result<WebhookUrl> ParseWebhookUrl(const std::string& url) {
  WebhookUrl u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return InvalidArgumentError("webhook url: expected http://HOST[:PORT]/PATH or https://..., found '" +
                                url + "'");
  }
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  u.port = u.https ? 443 : 80;
  // HOST, HOST:PORT, [V6] or [V6]:PORT.
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos || (close + 1 < authority.size() && authority[close + 1] != ':')) {
      return InvalidArgumentError("webhook url: expected [IPV6] or [IPV6]:PORT, found '" + authority + "'");
    }
    if (close + 1 < authority.size()) port = authority.substr(close + 2);
    const bool has_port = close + 1 < authority.size();
    authority = authority.substr(1, close - 1);
    if (has_port && port.empty()) port = "-";
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    port = authority.substr(colon + 1);
    if (port.empty()) port = "-";
    authority.resize(colon);
  }
  if (!port.empty()) {
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) {
      return InvalidArgumentError("webhook url: expected a port 1..65535, found '" + port + "'");
    }
    u.port = static_cast<int>(p);
  }
  if (authority.empty() || authority.find('@') != std::string::npos) {
    return InvalidArgumentError("webhook url: expected a host (and no user info), found '" + url + "'");
  }
  u.host = authority;
  if (!u.https && !IsLoopback(u.host)) {
    return InvalidArgumentError("webhook url: plain http is allowed only to a loopback host (alerts name "
                                "members); use https:// for " + u.host);
  }
  return u;
}

Status LoadWebhookToml(const std::string& path, const std::string& text, WebhookSettings* settings) {
  toml::table root;
  CUSTODY_RETURN_IF_ERROR(internal::ParseTomlText(path, text, &root));
  const toml::table* t = root["webhook"].as_table();
  if (t == nullptr) return OkStatus();
  for (const auto& [key, node] : *t) {
    const std::string where = internal::WhereInToml(path, node, "webhook", key);
    std::string* field = key == "url"           ? &settings->url
                         : key == "secret_file" ? &settings->secret_file
                         : key == "ca_file"     ? &settings->ca_file
                                                : nullptr;
    if (field != nullptr) {
      auto v = node.value<std::string>();
      if (!node.is_string() || !v || v->empty()) return InvalidArgumentError(where + ": expected a non-empty string");
      if (field->empty()) *field = *v;
    } else if (key == "max_attempts") {
      auto v = node.value<int64_t>();
      if (!node.is_integer() || !v || *v < 1 || *v > 20) {
        return InvalidArgumentError(where + ": expected an integer from 1 to 20");
      }
      settings->max_attempts = static_cast<int>(*v);
    } else {
      return InvalidArgumentError(where + ": unknown key; expected url, secret_file, ca_file or max_attempts");
    }
  }
  return OkStatus();
}

std::string WebhookSignature(const crypto::SecretBytes& secret, std::string_view id, int64_t timestamp,
                             std::string_view body) {
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + Base64Encode(crypto::HmacSha256(secret, message));
}

Result<crypto::SecretBytes> ReadWebhookSecret(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return InvalidArgumentError("webhook secret file " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError("webhook secret file " + path + ": expected a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return PermissionDeniedError("webhook secret file " + path + ": expected mode 0600 or stricter, found " +
                                 mode + " (chmod 600 " + path + ")");
  }
  if (st.st_size > 4096) {
    ::close(fd);
    return InvalidArgumentError("webhook secret file " + path + ": expected at most 4096 bytes");
  }
  crypto::SecretBytes buf(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  size_t len = got;
  while (len > 0 && (buf.data()[len - 1] == '\n' || buf.data()[len - 1] == '\r')) --len;
  if (len < 16) {
    return InvalidArgumentError("webhook secret file " + path + ": expected at least 16 bytes of secret");
  }
  return crypto::SecretBytes::FromBytes(buf.view().substr(0, len));
}

WebhookSender::WebhookSender(WebhookOptions options, OnAttempt on_attempt)
    : options_(std::move(options)), on_attempt_(std::move(on_attempt)), thread_([this] { Loop(); }) {}

WebhookSender::~WebhookSender() { Stop(std::chrono::milliseconds(0)); }

void WebhookSender::Send(std::string id, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    ++stats_.dropped;
    return;
  }
  if (queue_.size() >= options_.max_queue) {
    queue_.pop_front();
    ++stats_.dropped;
  }
  Delivery d;
  d.id = std::move(id);
  d.body = std::move(body);
  d.due = std::chrono::steady_clock::now();
  auto at = std::upper_bound(queue_.begin(), queue_.end(), d.due,
                             [](auto due, const Delivery& x) { return due < x.due; });
  queue_.insert(at, std::move(d));
  wake_.notify_one();
}

void WebhookSender::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_by_ = std::chrono::steady_clock::now() + grace;
    }
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

WebhookSender::Stats WebhookSender::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.pending = queue_.size();
  return s;
}

WebhookAttempt WebhookSender::Attempt(Delivery* d) {
  WebhookAttempt a;
  a.id = d->id;
  a.attempt = ++d->attempts;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  httplib::Headers headers = {
      {"webhook-id", d->id},
      {"webhook-timestamp", std::to_string(now)},
      {"webhook-signature", WebhookSignature(options_.secret, d->id, now, d->body)},
      {"User-Agent", "custody-webhook/1"},
  };
  auto configure = [&](auto& client) {
    const auto t = options_.timeout;
    client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(t).count(),
                                  static_cast<time_t>((t % std::chrono::seconds(1)).count() * 1000));
    client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(t).count(),
                            static_cast<time_t>((t % std::chrono::seconds(1)).count() * 1000));
    client.set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(t).count(),
                             static_cast<time_t>((t % std::chrono::seconds(1)).count() * 1000));
    client.set_follow_location(false);
    auto res = client.Post(options_.url.path, headers, d->body, "application/json");
    if (!res) {
      a.error = httplib::to_string(res.error());
      return;
    }
    a.http_status = res->status;
    if (res->status < 200 || res->status > 299) a.error = "answered HTTP " + std::to_string(res->status);
  };
  if (options_.url.https) {
    httplib::SSLClient client(options_.url.host, options_.url.port);
    client.enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file.c_str());
    configure(client);
  } else {
    httplib::Client client(options_.url.host, options_.url.port);
    configure(client);
  }
  return a;
}

void WebhookSender::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (stopping_ && (queue_.empty() || now >= stop_by_)) break;
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    if (queue_.front().due > now) {
      auto until = queue_.front().due;
      if (stopping_) until = std::min(until, stop_by_);
      wake_.wait_until(lock, until);
      continue;
    }
    Delivery d = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    WebhookAttempt a = Attempt(&d);
    lock.lock();
    if (a.error.empty()) {
      ++stats_.delivered;
      a.final = true;
    } else if (d.attempts >= options_.max_attempts) {
      ++stats_.dropped;
      a.final = true;
    } else {
      ++stats_.retries;
      auto backoff = options_.first_retry;
      for (int i = 1; i < d.attempts && backoff < options_.max_retry; ++i) backoff *= 2;
      d.due = std::chrono::steady_clock::now() + std::min(backoff, options_.max_retry);
      auto at = std::upper_bound(queue_.begin(), queue_.end(), d.due,
                                 [](auto due, const Delivery& x) { return due < x.due; });
      queue_.insert(at, std::move(d));
    }
    if (on_attempt_) {
      lock.unlock();
      on_attempt_(a);
      lock.lock();
    }
  }
  stats_.dropped += queue_.size();
  queue_.clear();
}

}  // namespace custody::serve
