#include "custody/store/testing/pg_test_server.h"

#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "custody/store/sql.h"

namespace custody::store::testing {
namespace {

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

bool HasServer(const std::string& bindir) {
  return Executable(bindir + "/initdb") && Executable(bindir + "/pg_ctl") &&
         Executable(bindir + "/postgres") && Executable(bindir + "/createdb");
}

// The directory of the server binaries, or "" if none is found.
std::string FindBinDir() {
  if (const char* env = std::getenv("CUSTODY_PG_BINDIR"); env != nullptr && *env != '\0') {
    return HasServer(env) ? env : "";
  }
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = e.path().string() + "/bin";
    if (HasServer(bin)) found.emplace_back(std::atoi(e.path().filename().c_str()), bin);
  }
  if (!found.empty()) return std::max_element(found.begin(), found.end())->second;
  // initdb on PATH (it may be a symbolic link into the real directory).
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string p = path;
    size_t pos = 0;
    while (pos <= p.size()) {
      size_t end = p.find(':', pos);
      if (end == std::string::npos) end = p.size();
      const std::string candidate = p.substr(pos, end - pos) + "/initdb";
      if (Executable(candidate)) {
        const std::string bin = std::filesystem::canonical(candidate, ec).parent_path().string();
        if (!ec && HasServer(bin)) return bin;
      }
      pos = end + 1;
    }
  }
  return "";
}

std::unique_ptr<PgTestServer>& Instance() {
  static std::unique_ptr<PgTestServer> server;
  return server;
}

}  // namespace

std::string PgTestServer::UriOf(const std::string& db) const {
  return "postgresql:///" + db + "?host=" + dir_ + "&user=postgres";
}

Status PgTestServer::Run(const std::string& tool, const std::string& args) const {
  // Paths here are our own (mkdtemp under /tmp, the bin directory): no
  // quoting beyond single quotes is needed.
  std::string cmd = as_postgres_ ? "runuser -u postgres -- " : "";
  cmd += "'" + bindir_ + "/" + tool + "' " + args + " >>'" + dir_ + "/cmd.log' 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    return InternalError(tool + " failed (status " + std::to_string(rc) + "); see " + dir_ +
                         "/cmd.log");
  }
  return OkStatus();
}

PgTestServer* PgTestServer::Get(std::string* why_not) {
  auto& server = Instance();
  if (server) return server.get();
  if (!PostgresSupported()) {
    *why_not =
        "custody was built without PostgreSQL support (libpqxx-dev not "
        "installed)";
    return nullptr;
  }
  const std::string bindir = FindBinDir();
  if (bindir.empty()) {
    *why_not =
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found in "
        "$CUSTODY_PG_BINDIR, /usr/lib/postgresql/*/bin or PATH";
    return nullptr;
  }
  const bool root = ::geteuid() == 0;
  struct passwd* pg = ::getpwnam("postgres");
  if (root && pg == nullptr) {
    *why_not = "running as root and there is no postgres user to run initdb as";
    return nullptr;
  }
  char tmpl[] = "/tmp/custody-pg.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *why_not = "cannot make a temporary directory for the PostgreSQL cluster";
    return nullptr;
  }
  const std::string dir = tmpl;
  if (root && ::chown(dir.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
    *why_not = "cannot give " + dir + " to the postgres user";
    return nullptr;
  }
  server.reset(new PgTestServer(bindir, dir, root));
  Status s = server->Run("initdb", "-D '" + dir +
                                       "/data' -A trust -U postgres -E UTF8 "
                                       "--locale=C --no-sync");
  if (s.ok()) {
    s = server->Run("pg_ctl", "-D '" + dir + "/data' -l '" + dir + "/server.log' -o \"-k " + dir +
                                  " -c listen_addresses='' -c fsync=off\" start -w");
  }
  if (!s.ok()) {
    *why_not = "cannot start a PostgreSQL server: " + s.message();
    server.reset();
    std::filesystem::remove_all(dir);
    return nullptr;
  }
  std::atexit([] {
    if (auto& srv = Instance(); srv) srv->Stop();
  });
  return server.get();
}

void PgTestServer::Stop() {
  Run("pg_ctl", "-D '" + dir_ + "/data' stop -m immediate").IgnoreError();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::string> PgTestServer::CreateDatabase() {
  // One database per server, a schema per test: CREATE DATABASE copies a
  // template and takes seconds on a busy machine; CREATE SCHEMA does not.
  if (!created_db_) {
    CUSTODY_RETURN_IF_ERROR(Run("createdb", "-h '" + dir_ + "' -U postgres custody_test"));
    created_db_ = true;
  }
  const std::string schema =
      "test_" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
  CUSTODY_ASSIGN_OR_RETURN(auto db, Db::Open(UriOf("custody_test"), false));
  CUSTODY_RETURN_IF_ERROR(db->Exec("CREATE SCHEMA " + schema));
  return UriOf("custody_test") + "&options=-csearch_path%3D" + schema;
}

void PgTestServer::DropDatabase(const std::string& uri) {
  const size_t at = uri.rfind("%3D");
  if (at == std::string::npos) return;
  auto db = Db::Open(UriOf("custody_test"), false);
  if (db.ok())
    (*db)->Exec("DROP SCHEMA IF EXISTS " + uri.substr(at + 3) + " CASCADE").IgnoreError();
}

}  // namespace custody::store::testing
