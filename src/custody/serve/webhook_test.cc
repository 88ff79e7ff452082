#include "custody/serve/webhook.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/serve/testing/webhook_receiver.h"

namespace custody::serve {
namespace {

const char kSecret[] = "0123456789abcdef0123456789abcdef";

TEST(WebhookTest, SignatureIsStandardWebhooksV1KnownAnswer) {
  // Python: base64(hmac.new(secret, b'custody-v1-42.1800000000.{...}', sha256).digest())
  EXPECT_EQ(WebhookSignature(crypto::SecretBytes::FromBytes(kSecret), "custody-v1-42", 1'800'000'000,
                             R"({"type":"custody.serve.alert"})"),
            "v1,S/ylwOXAPxYKedPrVsnELin8wVsq9hImK7I2ZGdxApo=");
  // Any change of id, time or body changes it.
  const auto key = crypto::SecretBytes::FromBytes(kSecret);
  const std::string base = WebhookSignature(key, "a", 1, "{}");
  EXPECT_NE(base, WebhookSignature(key, "b", 1, "{}"));
  EXPECT_NE(base, WebhookSignature(key, "a", 2, "{}"));
  EXPECT_NE(base, WebhookSignature(key, "a", 1, "{ }"));
}

TEST(WebhookTest, UrlsArePlainHttpOnlyOnLoopback) {
  auto u = ParseWebhookUrl("https://hooks.lab.example:8443/custody/alerts");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "hooks.lab.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/custody/alerts");
  u = ParseWebhookUrl("http://127.0.0.1:9000");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(ParseWebhookUrl("https://hooks.lab.example")->port, 443);
  EXPECT_EQ(ParseWebhookUrl("http://[::1]:7/x")->host, "::1");

  auto plain = ParseWebhookUrl("http://hooks.lab.example/x");
  EXPECT_EQ(plain.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plain.status().message().find("plain http is allowed only to a loopback host"), std::string::npos);
  for (const char* bad : {"ftp://x/", "hooks.lab.example", "https://:80/", "https://h:0/", "https://h:99999/",
                          "https://user:pw@h/"}) {
    EXPECT_EQ(ParseWebhookUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody-webhook-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
};

TEST_F(SecretFileTest, ASecretFileMustBePrivateAndLongEnoughAndIsNeverEchoed) {
  auto ok = ReadWebhookSecret(Write("ok", std::string(kSecret) + "\n", 0600));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->view(), kSecret);  // the newline is not part of it

  auto open = ReadWebhookSecret(Write("open", kSecret, 0644));
  EXPECT_EQ(open.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find("expected mode 0600 or stricter, found 0644"), std::string::npos);
  EXPECT_EQ(open.status().message().find(kSecret), std::string::npos);

  auto short_secret = ReadWebhookSecret(Write("short", "abc\n", 0600));
  EXPECT_EQ(short_secret.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_secret.status().message().find("at least 16 bytes"), std::string::npos);
  EXPECT_EQ(short_secret.status().message().find("abc"), std::string::npos);

  EXPECT_EQ(ReadWebhookSecret(dir_ + "/missing").status().code(), StatusCode::kInvalidArgument);
}

using Receiver = testing::WebhookReceiver;

WebhookOptions OptionsFor(int port, int max_attempts) {
  WebhookOptions o;
  o.url = *ParseWebhookUrl("http://127.0.0.1:" + std::to_string(port) + "/hook");
  o.secret = crypto::SecretBytes::FromBytes(kSecret);
  o.max_attempts = max_attempts;
  o.first_retry = std::chrono::milliseconds(5);
  o.timeout = std::chrono::seconds(2);
  return o;
}

// Waits (bounded) until `done` holds; the assertions after it decide.
template <typename Fn>
void WaitFor(Fn done) {
  for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(WebhookSenderTest, AFailedDeliveryIsRetriedUnderTheSameIdAndEveryAttemptIsSigned) {
  Receiver receiver(2);
  std::mutex mu;
  std::vector<WebhookAttempt> attempts;
  WebhookSender sender(OptionsFor(receiver.port(), 6), [&](const WebhookAttempt& a) {
    std::lock_guard<std::mutex> lock(mu);
    attempts.push_back(a);
  });
  const std::string body = R"({"type":"custody.serve.alert","data":{"member":"w1"}})";
  sender.Send("custody-v1-7", body);
  WaitFor([&] { return sender.stats().delivered == 1; });
  sender.Stop();

  const auto stats = sender.stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.dropped, 0u);
  const auto seen = receiver.deliveries();
  ASSERT_EQ(seen.size(), 3u);
  const auto key = crypto::SecretBytes::FromBytes(kSecret);
  for (const auto& s : seen) {
    EXPECT_EQ(s.id, "custody-v1-7");
    EXPECT_EQ(s.body, body);
    const std::string message = s.id + "." + s.timestamp + "." + s.body;
    EXPECT_EQ(s.signature, "v1," + Base64Encode(crypto::HmacSha256(key, message)));
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].http_status, 500);
  EXPECT_EQ(attempts[0].error, "answered HTTP 500");
  EXPECT_FALSE(attempts[0].final);
  EXPECT_EQ(attempts[2].attempt, 3);
  EXPECT_TRUE(attempts[2].error.empty());
  EXPECT_TRUE(attempts[2].final);
}

TEST(WebhookSenderTest, ADeliveryIsDroppedAfterMaxAttempts) {
  Receiver receiver(1000);
  std::atomic<int> finals{0};
  WebhookSender sender(OptionsFor(receiver.port(), 3), [&](const WebhookAttempt& a) { finals += a.final; });
  sender.Send("custody-v1-8", "{}");
  WaitFor([&] { return sender.stats().dropped == 1; });
  sender.Stop();
  EXPECT_EQ(sender.stats().dropped, 1u);
  EXPECT_EQ(sender.stats().delivered, 0u);
  EXPECT_EQ(receiver.deliveries().size(), 3u);
  EXPECT_EQ(finals.load(), 1);
}

TEST(WebhookSenderTest, AnUnreachableReceiverIsAnErrorNotAHang) {
  int port = 0;
  {
    Receiver gone(0);  // a port that was just free and is closed again
    port = gone.port();
  }
  std::mutex mu;
  std::vector<WebhookAttempt> attempts;
  WebhookSender sender(OptionsFor(port, 1), [&](const WebhookAttempt& a) {
    std::lock_guard<std::mutex> lock(mu);
    attempts.push_back(a);
  });
  sender.Send("custody-v1-9", "{}");
  WaitFor([&] { return sender.stats().dropped == 1; });
  sender.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 0);
  EXPECT_FALSE(attempts[0].error.empty());
}

TEST(WebhookSenderTest, StopDeliversWhatIsQueued) {
  Receiver receiver(0);
  WebhookSender sender(OptionsFor(receiver.port(), 3), nullptr);
  for (int i = 0; i < 5; ++i) sender.Send("custody-v1-" + std::to_string(100 + i), "{}");
  sender.Stop(std::chrono::seconds(10));
  EXPECT_EQ(sender.stats().delivered, 5u);
  EXPECT_EQ(receiver.deliveries().size(), 5u);
}

TEST(WebhookConfigTest, TheWebhookTableOfTheConfigFile) {
  WebhookSettings w;
  ASSERT_TRUE(LoadWebhookToml("serve.toml",
                              "[webhook]\nurl = \"https://h/x\"\nsecret_file = \"/etc/custody/hook\"\n"
                              "max_attempts = 4\n",
                              &w)
                  .ok());
  EXPECT_EQ(w.url, "https://h/x");
  EXPECT_EQ(w.secret_file, "/etc/custody/hook");
  EXPECT_EQ(w.max_attempts, 4);
  WebhookSettings flags;
  flags.url = "https://flag/x";
  ASSERT_TRUE(LoadWebhookToml("serve.toml", "[webhook]\nurl = \"https://file/x\"\n", &flags).ok());
  EXPECT_EQ(flags.url, "https://flag/x");
  EXPECT_EQ(LoadWebhookToml("serve.toml", "[webhook]\nmax_attempts = 0\n", &w).message(),
            "serve.toml:2: webhook.max_attempts: expected an integer from 1 to 20");
  EXPECT_EQ(LoadWebhookToml("serve.toml", "[webhook]\nurl = 3\n", &w).message(),
            "serve.toml:2: webhook.url: expected a non-empty string");
}

}  // namespace
}  // namespace custody::serve
