// custody serve's operations: limits (429 with Retry-After, one logged alert
// per breach, suspension), metrics, the log's files, TLS, and the refusal of
// plain HTTP off loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "tests/integration/serve/serve_fixture.h"

namespace custody::testing {
namespace {

using nlohmann::json;
using ServeOpsTest = ServeTest;

// The backlog of the TCP socket listening on 127.0.0.1:`port`, as the
// kernel reports it (sock_diag; `ss -ltn` shows it as Send-Q): -1 if no
// such socket was found, -2 if the kernel could not be asked.
int ListenBacklog(int port) {
  const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -2;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.req.sdiag_family = AF_INET;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = 1u << TCP_LISTEN;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    ::close(fd);
    return -2;
  }
  int found = -1;
  alignas(nlmsghdr) char buf[16384];
  for (bool done = false; !done;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      const auto* d = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      if (ntohs(d->id.idiag_sport) == port && d->id.idiag_src[0] == htonl(INADDR_LOOPBACK)) {
        found = static_cast<int>(d->idiag_wqueue);  // a listening socket's backlog
      }
    }
  }
  ::close(fd);
  return found;
}

int Alerts(const std::vector<json>& entries) {
  int n = 0;
  for (const auto& e : entries) n += e["type"] == "serve.alert";
  return n;
}

TEST_F(ServeOpsTest, AMemberOverItsLimitGets429RetryAfterAndOneAlert) {
  MakeVault(50);
  const std::string alice = Token("--member alice");
  const std::string admin = Token("--role admin");
  StartServer("--member-per-hour 3");
  auto cli = Client();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json")->status, 200);
  }
  for (int i = 0; i < 2; ++i) {
    auto r = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
    ASSERT_EQ(r->status, 429) << r->body;
    const int retry = std::atoi(r->get_header_value("Retry-After").c_str());
    EXPECT_GE(retry, 1);
    EXPECT_LE(retry, 3600);
    EXPECT_EQ(json::parse(r->body)["detail"], "member limit of 3 tasks per hour reached");
  }
  auto metrics = cli->Get("/metrics", Bearer(admin));
  ASSERT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("custody_tasks_served_total 3\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("custody_alerts_total 2\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("custody_http_requests_total{route=\"POST /v1/tasks/next\",code=\"429\"} 2\n"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("custody_http_request_duration_seconds_count "), std::string::npos);
  EXPECT_EQ(Kill(SIGTERM), 0);
  const auto entries = LogEntries();
  EXPECT_EQ(Alerts(entries), 1);  // the first refusal of the breach is logged, not every one
  // The limit holds across a restart (tasks of the last day count).
  StartServer("--member-per-hour 3");
  cli = Client();
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json")->status, 429);
  EXPECT_EQ(Kill(SIGTERM), 0);
  // The alert exports as an OCSF Detection Finding.
  ASSERT_EQ(Exec("log export --format ocsf --out " + root_ + "/ocsf.jsonl").code, 0) << Stderr();
  auto ocsf = Env::Default()->ReadFileToString(root_ + "/ocsf.jsonl");
  ASSERT_TRUE(ocsf.ok());
  EXPECT_NE(ocsf->find("task limit reached: member limit of 3 per hour"), std::string::npos);
}

TEST_F(ServeOpsTest, ABreachCanSuspendTheMemberAndLimitsComeFromToml) {
  MakeVault(50);
  const std::string bob = Token("--member bob");
  const std::string alice = Token("--member alice");
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/serve.toml",
                                                "[limits]\ngrant_per_day = 4\nsuspend_member = true\n").ok());
  StartServer("--config " + root_ + "/serve.toml");
  auto cli = Client();
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json")->status, 200);
    ASSERT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 200);
  }
  auto over = cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json");
  ASSERT_EQ(over->status, 429) << over->body;
  EXPECT_EQ(json::parse(over->body)["detail"], "grant limit of 4 tasks per day reached");
  // bob was suspended (revoked): his token is dead.
  EXPECT_EQ(cli->Post("/v1/tasks/next", Bearer(bob), "", "application/json")->status, 403);
  EXPECT_EQ(Kill(SIGTERM), 0);
  EXPECT_EQ(Json("member show bob")["member"]["status"], "revoked");
  EXPECT_EQ(Alerts(LogEntries()), 1);
  // A bad config file is refused before anything starts, naming file:line.
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(root_ + "/bad.toml", "[limits]\nmember_per_hour = \"lots\"\n").ok());
  auto bad = Exec("serve --listen 127.0.0.1:0 --config " + root_ + "/bad.toml");
  EXPECT_EQ(bad.code, 3);
  EXPECT_NE(Stderr().find("bad.toml:2: limits.member_per_hour: expected a non-negative integer"), std::string::npos)
      << Stderr();
}

// A POST without Content-Length (curl -X POST with no -d) is refused by the
// HTTP library; the problem says what is missing, not "no route".
TEST_F(ServeOpsTest, APostWithoutContentLengthIsToldWhatIsMissing) {
  MakeVault(20);
  const std::string member = Token("--member alice");
  StartServer();
  const std::string raw = "POST /v1/tasks/next HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          member + "\r\nConnection: close\r\n\r\n";
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::write(fd, raw.data(), raw.size()), static_cast<ssize_t>(raw.size()));
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_NE(reply.find(" 400 "), std::string::npos) << reply;
  EXPECT_NE(reply.find("expected a Content-Length header"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("no route"), std::string::npos) << reply;
  // With an empty body stated, the same request gets its task.
  auto r = Client()->Post("/v1/tasks/next", Bearer(member), "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeOpsTest, LogFilesAreServedReadOnlyAndNothingElseOfTheLogDirectory) {
  MakeVault(20);
  const std::string auditor = Token("--role auditor");
  StartServer();
  auto cli = Client();
  auto a = cli->Get("/log/checkpoint", Bearer(auditor));
  auto b = cli->Get("/v1/log/checkpoint", Bearer(auditor));
  ASSERT_EQ(a->status, 200);
  EXPECT_EQ(a->body, b->body);
  auto status = json::parse(cli->Get("/v1/log/status", Bearer(auditor))->body);
  const uint64_t size = status["size"];
  ASSERT_GT(size, 0u);
  // A partial level-0 tile holds every entry's hash (C2SP tlog-tiles).
  auto tile = cli->Get(("/log/tile/0/000.p/" + std::to_string(size)).c_str(), Bearer(auditor));
  ASSERT_EQ(tile->status, 200) << tile->body;
  EXPECT_EQ(tile->body.size(), 32 * size);
  for (const char* path : {"/log/wal", "/log/../catalog.db", "/log/tile/../../catalog.db", "/log/signer-state"}) {
    auto r = cli->Get(path, Bearer(auditor));
    EXPECT_EQ(r->status, 404) << path;
  }
  auto proof = json::parse(cli->Get(("/v1/log/proof/consistency?from=1&to=" + std::to_string(size)).c_str(),
                                    Bearer(auditor))->body);
  EXPECT_TRUE(proof["proof"].is_array());
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeOpsTest, TheDashboardIsTheEmbeddedFilesWithAStrictPolicyAndNothingElse) {
  MakeVault(20);
  StartServer();
  auto cli = Client();
  auto root = cli->Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/dashboard/");
  const std::pair<const char*, const char*> files[] = {{"", "index.html"},
                                                       {"index.html", "index.html"},
                                                       {"dashboard.css", "dashboard.css"},
                                                       {"dashboard.js", "dashboard.js"}};
  for (const auto& [name, file] : files) {
    SCOPED_TRACE(name);
    auto r = cli->Get((std::string("/dashboard/") + name).c_str());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    // The bytes of the source file, built into the binary.
    auto want = Env::Default()->ReadFileToString(std::string(CUSTODY_SOURCE_DIR) + "/src/custody/serve/dashboard/" + file);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(r->body, *want);
    const std::string ext = std::string(file).substr(std::string(file).rfind('.') + 1);
    const std::string type = ext == "html" ? "text/html; charset=utf-8"
                             : ext == "css" ? "text/css; charset=utf-8"
                                            : "text/javascript; charset=utf-8";
    EXPECT_EQ(r->get_header_value("Content-Type"), type);
    EXPECT_EQ(r->get_header_value("Content-Security-Policy").rfind("default-src 'self';", 0), 0u);
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  for (const char* path : {"/dashboard/nope.js", "/dashboard/../openapi.json", "/dashboard/%2e%2e/healthz",
                           "/dashboard/index.html/x", "/dashboard"}) {
    auto r = cli->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
  }
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeOpsTest, CanaryTasksLookLikeRecordsAndAreCheckedByVaultCheck) {
  MakeVault(200);
  const std::string alice = Token("--member alice");
  StartServer("--canary-rate 0.5");
  auto cli = Client();
  std::vector<json> tasks;
  for (int i = 0; i < 40; ++i) {
    auto r = cli->Post("/v1/tasks/next", Bearer(alice), "", "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = json::parse(r->body);
    // The same fields for every task: nothing says canary.
    EXPECT_EQ(j.size(), 7u) << r->body;
    EXPECT_TRUE(json::parse(j["record"].get<std::string>()).is_object());
    tasks.push_back(j);
  }
  // Every task takes an answer, canary or not.
  for (const auto& t : tasks) {
    auto a = cli->Post(("/v1/tasks/" + std::to_string(t["task_id"].get<int64_t>()) + "/result").c_str(),
                       Bearer(alice), "ok", "text/plain");
    EXPECT_EQ(a->status, 201) << a->body;
  }
  EXPECT_EQ(Kill(SIGTERM), 0);
  auto releases = Json("releases --member alice");
  size_t canaries = 0, records = 0;
  for (const auto& r : releases["releases"]) {
    canaries += r["canaries"].get<size_t>();
    records += r["records"].get<size_t>();
  }
  EXPECT_EQ(canaries + records, tasks.size());
  EXPECT_GT(canaries, 0u);  // P(no canary in 40 tasks at rate 0.5) = 2^-40
  EXPECT_GT(records, 0u);
  auto check = Json("vault check");
  EXPECT_EQ(check["checked"]["canaries"].get<size_t>(), canaries);
}

// The HTTP library listens with a backlog of 5: a burst of workers
// connecting at once would have most handshakes dropped and wait a second
// or more for their first task. The server raises it.
TEST_F(ServeOpsTest, TheListeningSocketQueuesABurstOfConnections) {
  MakeVault(10);
  StartServer();
  const int backlog = ListenBacklog(port_);
  if (backlog == -2) {
    EXPECT_EQ(Kill(SIGTERM), 0);
    GTEST_SKIP() << "the kernel's sock_diag interface is not available here: the backlog cannot be read";
  }
  EXPECT_GE(backlog, 128) << "the listening socket's backlog (-1: the socket was not found)";
  EXPECT_EQ(Kill(SIGTERM), 0);
}

TEST_F(ServeOpsTest, PlainHttpIsRefusedOffLoopback) {
  MakeVault(10);
  auto r = Exec("serve --listen 0.0.0.0:0");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(Stderr().find("plain HTTP is served on a loopback address only"), std::string::npos) << Stderr();
  r = Exec("serve --listen 127.0.0.1:0 --cert only-a-cert.pem");
  EXPECT_EQ(r.code, 3);
}

TEST_F(ServeOpsTest, HttpsWithACertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl (the command) is missing: no certificate to test HTTPS with";
  }
  const std::string cert = root_ + "/cert.pem", key = root_ + "/key.pem";
  const std::string gen = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                          "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " +
                          cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  MakeVault(10);
  const std::string alice = Token("--member alice");
  StartServer("--cert " + cert + " --key " + key);
  httplib::SSLClient cli("127.0.0.1", port_);
  cli.set_ca_cert_path(cert.c_str());
  cli.enable_server_certificate_verification(true);
  auto r = cli.Post("/v1/tasks/next", Bearer(alice), "", "application/json");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  // Plain HTTP to the TLS port gets no answer.
  auto plain = Client()->Get("/healthz");
  EXPECT_TRUE(!plain || plain->status != 200);
  EXPECT_EQ(Kill(SIGTERM), 0);
}

}  // namespace
}  // namespace custody::testing
