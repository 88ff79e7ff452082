// Fault-injection matrix: every state-changing command is killed (SIGKILL) at
// each of its fsync, fdatasync and rename calls in turn -- custody's own and
// SQLite's -- on a copy of one vault. fault_shim.c, preloaded into the
// custody binary, counts the calls and kills the process before call N.
//
// After each kill, on the vault as the crash left it:
//   - `log verify` passes (read-only, before any keyed command repairs);
//   - `vault check` passes: every catalog row answers to a logged event and
//     nothing is half-visible (it runs crash recovery first, as every keyed
//     command does);
//   - the command, run again, succeeds, and the vault still checks;
//   - no id is named by two creation events (partner, member, grant,
//     release, incident, dataset version), and record id ranges never overlap;
//   - a release or export file that reached its final name is on the log.
// A kill lands after every write the process made before it, so what is
// tested is a process crash; a power loss (unsynced writes lost too) is not
// simulated here.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"

namespace custody::testing {
namespace {

namespace fs = std::filesystem;

struct CmdRun {
  int code = -1;  // the exit code; 137 when killed by SIGKILL
  std::string out;
};

// Runs `args` with the custody binary in `dir`; `env` is prefixed verbatim.
CmdRun Custody(const fs::path& dir, const std::string& args, const std::string& env = "") {
  const std::string cmd = "cd '" + dir.string() + "' && " + env + " '" CUSTODY_BIN
                          "' --vault vault --key-file master.key " + args + " 2>stderr.txt";
  CmdRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Stderr(const fs::path& dir) {
  auto s = Env::Default()->ReadFileToString((dir / "stderr.txt").string());
  return s.ok() ? *s : std::string();
}

std::vector<nlohmann::json> LogEntries(const fs::path& dir) {
  const CmdRun r = Custody(dir, "--json log show");
  EXPECT_EQ(r.code, 0) << Stderr(dir);
  std::vector<nlohmann::json> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line)["entry"]);
  }
  return out;
}

// Every id a creation event names, as "kind:id", must be unique; ingests'
// record id ranges must not overlap. Returns the first violation, or "".
std::string IdReuse(const std::vector<nlohmann::json>& entries) {
  std::set<std::string> seen;
  std::map<uint64_t, uint64_t> ranges;  // first record id -> end
  for (const auto& e : entries) {
    const std::string type = e.value("type", "");
    const auto& d = e["details"];
    std::string key;
    if (type == "partner" && d.value("action", "") == "add") {
      key = "partner:" + std::to_string(d.value("partner_id", 0));
    } else if (type == "member" && d.value("action", "") == "add") {
      key = "member:" + std::to_string(d.value("member_id", 0));
    } else if (type == "grant" && d.value("action", "") == "add") {
      key = "grant:" + std::to_string(d.value("grant_id", 0));
    } else if (type == "release") {
      key = "release:" + std::to_string(d.value("release_id", 0));
    } else if (type == "incident" && d.contains("title")) {
      key = e.value("subject", "");
    } else if (type == "ingest") {
      key = e.value("subject", "");  // dataset:NAME@vN
      const uint64_t first = d.value("first_record_id", uint64_t{0});
      const uint64_t end = first + d.value("records", uint64_t{0});
      if (first != 0 && end > first) {
        auto it = ranges.upper_bound(first);
        if (it != ranges.begin() && std::prev(it)->second > first) {
          return "record ids from " + std::to_string(first) + " were given twice";
        }
        if (it != ranges.end() && it->first < end) {
          return "record ids from " + std::to_string(it->first) + " were given twice";
        }
        ranges[first] = end;
      }
    }
    if (!key.empty() && !seen.insert(key).second) return key + " was created twice";
  }
  return "";
}

size_t CountType(const std::vector<nlohmann::json>& entries, const std::string& type) {
  size_t n = 0;
  for (const auto& e : entries) n += e.value("type", "") == type;
  return n;
}

struct Operation {
  const char* name;
  std::string command;     // run with the fault injected
  std::string rerun;       // run after recovery when `command` is on the log: must succeed
  std::string event_type;  // the log event it appends
  std::string out_file;    // a file it writes outside the vault, or ""
  // Whether `command` itself must succeed again when the crash came before
  // it was logged. `member add --key-out` writes the private key first (a
  // crash after logging must not lose it) and never overwrites a key file, so
  // it reruns under another name.
  bool repeatable = true;
};

std::vector<Operation> Operations() {
  return {
      {"ingest_new_dataset", "ingest --dataset code data2.jsonl",
       "ingest --dataset code2 data2.jsonl", "ingest", ""},
      {"ingest_new_version", "ingest --dataset math data2.jsonl",
       "ingest --dataset math data3.jsonl", "ingest", ""},
      {"partner_add", "partner add globex", "partner add initech", "partner", ""},
      {"member_add",
       "member add --partner acme --name carol --email carol@acme.example --generate-key "
       "--key-out carol.key",
       "member add --partner acme --name dave --email dave@acme.example --generate-key "
       "--key-out dave.key",
       "member", "", false},
      {"grant_add", "grant add --partner acme --dataset math --expires 2099-01-01 --purpose eval",
       "grant add --partner acme --dataset math --expires 2099-01-01 --purpose eval", "grant", ""},
      {"grant_revoke", "grant revoke 2", "grant list", "revoke", ""},
      {"release", "release --grant 1 --member bob --out bob.jsonl --canary-rate 0.05",
       "release --grant 1 --member bob --out bob-again.jsonl --canary-rate 0.05", "release",
       "bob.jsonl"},
      {"release_encrypted", "release --grant 1 --member bob --out bob.enc --encrypt",
       "release --grant 1 --member bob --out bob-again.enc --encrypt", "release", "bob.enc"},
      {"export", "export --dataset math --out export.jsonl",
       "export --dataset math --out export-again.jsonl", "export", "export.jsonl"},
      {"incident_open", "incident open --from-trace trace.json --title leak", "incident list",
       "incident", ""},
      {"dataset_shred", "dataset shred math --yes", "dataset shred code-base --yes",
       "dataset.shred", ""},
  };
}

class FaultMatrixTest : public ::testing::TestWithParam<Operation> {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/custody_fault_matrix.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    base_ = root_ / "base";
    fs::create_directories(base_);
    for (const char* c : {
             "init",
             "generate --records 200 --seed 7 --out data.jsonl",
             "generate --records 100 --seed 8 --out data2.jsonl",
             "generate --records 100 --seed 9 --out data3.jsonl",
             "generate --records 50 --seed 10 --out base2.jsonl",
             "ingest --dataset math data.jsonl",
             "ingest --dataset code-base base2.jsonl",
             "partner add acme",
             "member add --partner acme --name alice --email alice@acme.example "
             "--generate-key --key-out alice.key",
             "member add --partner acme --name bob --email bob@acme.example "
             "--generate-key --key-out bob.key",
             "grant add --partner acme --dataset math --expires 2099-01-01 --purpose eval",
             "grant add --partner acme --dataset code-base --expires 2099-01-01 --purpose eval",
             "release --grant 1 --member alice --out alice.jsonl --canary-rate 0.05",
         }) {
      const CmdRun r = Custody(base_, c);
      ASSERT_EQ(r.code, 0) << c << ": " << Stderr(base_);
    }
    // A leak of alice's copy, traced: what `incident open` starts from.
    ASSERT_EQ(std::system(("cd '" + base_.string() + "' && head -n 40 alice.jsonl > leak.jsonl")
                              .c_str()),
              0);
    const CmdRun t = Custody(base_, "trace leak.jsonl --out trace.json");
    ASSERT_EQ(t.code, 0) << Stderr(base_);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  // A fresh copy of the base vault and its files.
  static fs::path Copy(const std::string& name) {
    const fs::path dir = root_ / name;
    fs::remove_all(dir);
    fs::copy(base_, dir, fs::copy_options::recursive);
    ::chmod((dir / "master.key").c_str(), 0600);
    return dir;
  }

  static fs::path root_, base_;
};

fs::path FaultMatrixTest::root_;
fs::path FaultMatrixTest::base_;

std::string Preload(long crash_at, const fs::path& trace) {
  return "LD_PRELOAD='" FAULT_SHIM "' CUSTODY_FAULT_CRASH_AT=" + std::to_string(crash_at) +
         " CUSTODY_FAULT_TRACE='" + trace.string() + "'";
}

std::string ReadLines(const fs::path& file, long n) {
  auto s = Env::Default()->ReadFileToString(file.string());
  if (!s.ok()) return "";
  std::istringstream in(*s);
  std::string line, last;
  for (long i = 0; i < n && std::getline(in, line); ++i) last = line;
  return last;
}

TEST_P(FaultMatrixTest, EveryCrashPointRecoversToAVaultThatVerifies) {
  const Operation& op = GetParam();
  const size_t base_events = CountType(LogEntries(base_), op.event_type);

  // The points: one uninterrupted run, traced.
  const fs::path count_dir = Copy(std::string(op.name) + "-count");
  const fs::path count_trace = root_ / (std::string(op.name) + ".points");
  const CmdRun whole = Custody(count_dir, op.command, Preload(0, count_trace));
  ASSERT_EQ(whole.code, 0) << op.command << ": " << Stderr(count_dir);
  long points = 0;
  {
    std::istringstream in(*Env::Default()->ReadFileToString(count_trace.string()));
    for (std::string line; std::getline(in, line);) ++points;
  }
  ASSERT_GT(points, 2) << "the shim saw no fsync or rename: is it preloaded?";
  fs::remove_all(count_dir);

  int logged = 0;
  for (long n = 1; n <= points; ++n) {
    const fs::path dir = Copy(std::string(op.name) + "-" + std::to_string(n));
    const fs::path trace = root_ / (std::string(op.name) + "-" + std::to_string(n) + ".trace");
    const CmdRun crashed = Custody(dir, op.command, Preload(n, trace));
    std::string at = ReadLines(trace, n);
    const std::string prefix = dir.string() + "/";
    for (size_t p; (p = at.find(prefix)) != std::string::npos;) at.erase(p, prefix.size());
    SCOPED_TRACE(std::string(op.name) + ": killed before point " + at);
    ASSERT_EQ(crashed.code, 137) << "not killed (the points differ between runs?)";

    // Read-only verification first, on the files exactly as the crash left them.
    CmdRun r = Custody(dir, "log verify");
    EXPECT_EQ(r.code, 0) << Stderr(dir);
    r = Custody(dir, "--json vault check");
    EXPECT_EQ(r.code, 0) << r.out << Stderr(dir);

    const auto entries = LogEntries(dir);
    const bool on_log = CountType(entries, op.event_type) > base_events;
    logged += on_log;
    if (!op.out_file.empty() && fs::exists(dir / op.out_file)) {
      EXPECT_TRUE(on_log) << op.out_file << " reached its name but is not on the log";
    }

    // Not on the log: the command left nothing that stops it running again.
    const std::string& again = on_log || !op.repeatable ? op.rerun : op.command;
    r = Custody(dir, again);
    EXPECT_EQ(r.code, 0) << again << ": " << Stderr(dir);
    r = Custody(dir, "--json vault check");
    EXPECT_EQ(r.code, 0) << r.out << Stderr(dir);
    r = Custody(dir, "log verify");
    EXPECT_EQ(r.code, 0) << Stderr(dir);
    EXPECT_EQ(IdReuse(LogEntries(dir)), "");
    if (!HasFailure()) fs::remove_all(dir);
    fs::remove(trace);
  }
  // The matrix covers both sides of the commit point.
  EXPECT_GT(logged, 0);
  EXPECT_LT(logged, points);
  std::printf("%s: %ld crash points, %d after the log entry was durable\n", op.name, points,
              logged);
}

INSTANTIATE_TEST_SUITE_P(Commands, FaultMatrixTest, ::testing::ValuesIn(Operations()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace custody::testing
