// The baseline of bench/serve/run: cpp-httplib with the thread count of
// `custody serve`, answering POST /v1/tasks/next with one static record of
// the size a served task has, without authentication, vault or log. Prints
// the port it listens on (127.0.0.1, any free port) and serves until killed.
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include <httplib.h>

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : 8;
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // The same connection settings as custody serve (src/custody/serve/server.cc).
  server.set_keep_alive_max_count(100000);
  server.set_tcp_nodelay(true);
  int listen_socket = -1;
  server.set_socket_options([&](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket = sock;
  });
  const std::string body =
      R"({"dataset":"prompts","grant_id":1,"log_index":1,"record":"{\"answer\":\"Natalia sold 48/2 = <<48/2=24>>24 clips in May. Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May. #### 72\",\"question\":\"Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?\"}","request_id":"0000000000000000","task_id":1,"version":1})";
  server.Post("/v1/tasks/next", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  // As custody serve does: the library's backlog of 5 drops the handshakes
  // of a burst of connections.
  if (port <= 0 || ::listen(listen_socket, SOMAXCONN) != 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1\n");
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
