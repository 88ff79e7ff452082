// custody-mpi: custody's leak scan split over the ranks of an MPI job
// (`mpirun -np N custody-mpi scan DUMP... --out FILE`). Rank 0 alone opens
// the vault (catalog and keys); every other rank makes a one-time X25519 key
// pair, sends rank 0 its public key, and receives the match plan sealed to
// it (core::SealMatchPlan): the index files, the versions' segments and the
// keys that verification needs. No key and no record text crosses MPI in
// the clear. Every rank reads every dump (a file system all ranks see) and
// holds its share of the index files (file p on rank p % N). The dump's
// batches go in rounds of N: rank j parses and sketches batch j of each
// round, the sketches (keyed hashes and signatures: no text) are
// allgathered, every rank scores them against its files, the candidates
// (ids and estimates) go back to the batch's rank (alltoall), which
// verifies them with the records' words, and rank 0 gathers the outcomes
// and writes the results file of `custody scan`, the same as one process
// over every file writes (docs/scale.md, "custody-mpi").
//
// Exit codes: 0 done, 1 an error (printed by the rank that met it; the job
// is aborted so no rank waits forever), 2 bad usage.
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <span>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/base/env.h"
#include "custody/core/custody_core.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/match/index_rebuild.h"
#include "custody/core/match/match_plan.h"
#include "custody/core/match/scan_dumps.h"
#include "custody/crypto/crypto.h"
#include "custody/sketch/shard_manifest.h"
#include "custody/sketch/sharded_index.h"

namespace custody::mpi {
namespace {

// Message tags.
constexpr int kTagPublicKey = 1;
constexpr int kTagPlan = 2;
constexpr int kTagError = 4;
constexpr int kTagHeader = 5;
constexpr int kTagShards = 6;
constexpr int kTagResume = 7;  // the records a scan resumes past (8 bytes)

struct ScanFlags {
  std::vector<std::string> dumps;
  std::string out;
  std::string vault;
  std::string key_file;
  std::string checkpoint;  // read and written by rank 0
  uint64_t checkpoint_records = 100000;
  size_t threads = 0;
  size_t max_json_depth = format::kMaxJsonDepth;
  bool json = false;
};

// When MPI_Init returned on this rank.
std::chrono::steady_clock::time_point job_start;

// Seconds since MPI_Init returned: the job's own time, without mpirun's
// start and end (reported by --json).
double JobSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - job_start).count();
}

int Rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int Size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

// Receives the next message from `source` with `tag` (any tag if
// MPI_ANY_TAG) into a string; `*got` is the tag received.
std::string Receive(int source, int tag, int* got) {
  MPI_Status st;
  MPI_Probe(source, tag, MPI_COMM_WORLD, &st);
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  std::string buf(static_cast<size_t>(n), '\0');
  MPI_Recv(buf.data(), n, MPI_BYTE, source, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (got != nullptr) *got = st.MPI_TAG;
  return buf;
}

void Send(int dest, int tag, std::string_view bytes) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

// The collectives of a split scan (core::MatchOptions::Exchange) over
// MPI_COMM_WORLD: sizes first, then the bytes. A message is at most 2 GiB
// (MPI counts are int); a round of 512-record batches is a few MiB.
Result<std::vector<int>> Counts(const std::string& what, std::span<const size_t> sizes) {
  std::vector<int> out;
  for (size_t n : sizes) {
    if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
      return ResourceExhaustedError(what + ": a message of " + std::to_string(n) +
                                    " bytes is over MPI's 2 GiB");
    }
    out.push_back(static_cast<int>(n));
  }
  return out;
}

std::vector<int> Displacements(const std::vector<int>& counts, size_t* total) {
  std::vector<int> displs(counts.size(), 0);
  size_t at = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    displs[i] = static_cast<int>(at);
    at += static_cast<size_t>(counts[i]);
  }
  *total = at;
  return displs;
}

std::vector<std::string> Split(const std::string& all, const std::vector<int>& counts,
                               const std::vector<int>& displs) {
  std::vector<std::string> out(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) out[i] = all.substr(displs[i], counts[i]);
  return out;
}

Result<std::vector<std::string>> AllGather(std::string mine) {
  const size_t n = static_cast<size_t>(Size());
  const size_t one = mine.size();
  CUSTODY_ASSIGN_OR_RETURN(std::vector<int> c, Counts("allgather", std::span<const size_t>(&one, 1)));
  std::vector<int> counts(n);
  MPI_Allgather(c.data(), 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  size_t total = 0;
  const std::vector<int> displs = Displacements(counts, &total);
  std::string all(total, '\0');
  MPI_Allgatherv(mine.data(), c[0], MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                 MPI_COMM_WORLD);
  return Split(all, counts, displs);
}

Result<std::vector<std::string>> AllToAll(std::vector<std::string> out) {
  const size_t n = static_cast<size_t>(Size());
  std::vector<size_t> sizes;
  std::string send;
  for (const auto& o : out) {
    sizes.push_back(o.size());
    send += o;
  }
  CUSTODY_ASSIGN_OR_RETURN(std::vector<int> scounts, Counts("alltoall", sizes));
  std::vector<int> rcounts(n);
  MPI_Alltoall(scounts.data(), 1, MPI_INT, rcounts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  size_t stotal = 0, rtotal = 0;
  const std::vector<int> sdispls = Displacements(scounts, &stotal);
  const std::vector<int> rdispls = Displacements(rcounts, &rtotal);
  std::string recv(rtotal, '\0');
  MPI_Alltoallv(send.data(), scounts.data(), sdispls.data(), MPI_BYTE, recv.data(), rcounts.data(),
                rdispls.data(), MPI_BYTE, MPI_COMM_WORLD);
  return Split(recv, rcounts, rdispls);
}

Result<std::vector<std::string>> Gather(std::string mine) {
  const size_t n = static_cast<size_t>(Size());
  const bool root = Rank() == 0;
  const size_t one = mine.size();
  CUSTODY_ASSIGN_OR_RETURN(std::vector<int> c, Counts("gather", std::span<const size_t>(&one, 1)));
  std::vector<int> counts(root ? n : 0);
  MPI_Gather(c.data(), 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  size_t total = 0;
  const std::vector<int> displs = Displacements(counts, &total);
  std::string all(total, '\0');
  MPI_Gatherv(mine.data(), c[0], MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  if (!root) return std::vector<std::string>();
  return Split(all, counts, displs);
}

// This rank's part of a split scan.
void SetSplit(core::MatchOptions* o) {
  o->part = static_cast<size_t>(Rank());
  o->parts = static_cast<size_t>(Size());
  o->exchange.allgather = AllGather;
  o->exchange.alltoall = AllToAll;
  o->exchange.gather = Gather;
}

// A rank that rank 0 told of its own failure: rank 0 prints the reason and
// ends the job; this one leaves without a second message.
[[noreturn]] void QuietExit() {
  MPI_Finalize();
  std::exit(1);
}

[[noreturn]] void Fail(const Status& s) {
  std::cerr << "custody-mpi: rank " << Rank() << ": " << s.message() << "\n";
  std::cerr.flush();
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

// Rank 0 opens the vault: --vault or $CUSTODY_VAULT; the key from --key-file,
// $CUSTODY_KEY_FILE or $CUSTODY_PASSPHRASE (never a prompt: ranks have no terminal).
Result<std::unique_ptr<core::Custody>> OpenRoot(const std::string& vault, const std::string& key_file) {
  core::OpenOptions o;
  o.keys.key_file = key_file;
  if (const char* p = std::getenv("CUSTODY_PASSPHRASE"); p != nullptr && *p != '\0') {
    o.keys.passphrase = crypto::SecretBytes::FromBytes(p);
  }
  std::string dir = vault;
  if (dir.empty()) {
    const char* e = std::getenv("CUSTODY_VAULT");
    if (e == nullptr || *e == '\0') {
      return InvalidArgumentError("--vault: give the vault directory (or set CUSTODY_VAULT)");
    }
    dir = e;
  }
  return core::OpenVault(dir, std::move(o));
}

// Rank 0: opens the vault, seals the plan to every other rank, scans its
// share and writes the results.
Status ScanRoot(const ScanFlags& flags) {
  const int n = Size();
  // Every rank waits for its plan; on an error here each is told so.
  auto opened = OpenRoot(flags.vault, flags.key_file);
  Result<core::MatchPlan> plan = opened.ok() ? core::PlanMatch(**opened) : Result<core::MatchPlan>(opened.status());
  for (int r = 1; r < n; ++r) {
    const std::string pk = Receive(r, kTagPublicKey, nullptr);
    if (!plan.ok()) {
      Send(r, kTagError, "");
      continue;
    }
    // Each rank verifies its own batches: it gets the data keys, sealed to
    // its one-time key.
    auto sealed = core::SealMatchPlan(*plan, pk);
    if (!sealed.ok()) Fail(sealed.status().WithPrefix("rank " + std::to_string(r) + "'s public key"));
    Send(r, kTagPlan, *sealed);
  }
  if (!plan.ok()) return plan.status();
  core::Custody& custody = **opened;
  const size_t files = plan->files.size();

  core::ScanDumpsOptions options;
  options.match.dumps = flags.dumps;
  options.match.scan.threads = flags.threads;
  options.match.scan.max_json_depth = flags.max_json_depth;
  SetSplit(&options.match);
  options.out = flags.out;
  options.checkpoint = flags.checkpoint;
  options.checkpoint_records = flags.checkpoint_records;
  // The other ranks wait for the point this scan resumes past (0: a fresh
  // scan); an error before it aborts the job.
  options.on_start = [n](uint64_t resume_after) -> Status {
    std::string bytes;
    PutFixed64(&bytes, resume_after);
    for (int r = 1; r < n; ++r) Send(r, kTagResume, bytes);
    return OkStatus();
  };
  CUSTODY_ASSIGN_OR_RETURN(core::ScanDumpsResult result, core::ScanDumps(custody, options));
  const core::MatchSummary& s = result.summary;
  if (flags.json) {
    std::cout << nlohmann::json({{"dump_records", s.scan.dump_records},
                                 {"matched", result.matched},
                                 {"skipped", s.scan.skipped},
                                 {"empty_dumps", s.scan.empty_dumps},
                                 {"ranks", n},
                                 {"index_files", files},
                                 {"resumed_from", result.resumed_from},
                                 {"checkpoints", result.checkpoints},
                                 {"seconds", JobSeconds()},
                                 {"out", flags.out}})
                     .dump(2)
              << "\n";
  } else {
    std::cout << s.scan.dump_records << " dump records, " << result.matched << " matched over "
              << n << " ranks (" << files << " index files); results in " << flags.out << "\n";
    if (s.scan.skipped > 0) std::cout << "  " << s.scan.skipped << " unreadable records skipped\n";
    if (result.resumed_from > 0) {
      std::cout << "  resumed after " << result.resumed_from << " records (checkpoint)\n";
    }
  }
  return OkStatus();
}

// Rank r > 0: receives its plan and takes its part of the scan.
Status ScanWorker(const ScanFlags& flags) {
  const crypto::X25519KeyPair keys = crypto::X25519Generate();
  Send(0, kTagPublicKey, keys.public_key);
  int tag = 0;
  const std::string sealed = Receive(0, MPI_ANY_TAG, &tag);
  if (tag == kTagError) QuietExit();  // rank 0 says why
  CUSTODY_ASSIGN_OR_RETURN(core::MatchPlan plan, core::OpenMatchPlan(keys, sealed));
  const std::string resume = Receive(0, kTagResume, nullptr);
  if (resume.size() != 8) return DataLossError("rank 0's resume point: expected 8 bytes");
  core::MatchOptions options;
  options.resume_after = DecodeFixed64(resume.data());
  options.dumps = flags.dumps;
  options.scan.max_json_depth = flags.max_json_depth;
  options.top = 0;
  options.unmatched_sample = 0;
  SetSplit(&options);
  return core::MatchDumps(Env::Default(), plan, options).status();
}

struct BuildFlags {
  std::string dataset;
  int version = 0;
  std::string vault;
  std::string key_file;
  bool json = false;
};

// The shards of `manifest` this rank builds: shard i of the list on rank i % N.
Result<std::vector<sketch::ShardEntry>> BuildMyShards(const core::RebuildPlan& plan, uint64_t* reused) {
  CUSTODY_ASSIGN_OR_RETURN(sketch::ShardManifest manifest,
                           sketch::ParseManifest(plan.manifest_bytes, plan.prefix + ".manifest"));
  std::vector<sketch::ShardEntry> out;
  const size_t rank = static_cast<size_t>(Rank()), n = static_cast<size_t>(Size());
  for (size_t i = rank; i < manifest.shards.size(); i += n) {
    bool was_reused = false;
    CUSTODY_ASSIGN_OR_RETURN(sketch::ShardEntry e,
                             core::RebuildShard(Env::Default(), plan, manifest.shards[i], &was_reused));
    *reused += was_reused;
    out.push_back(std::move(e));
  }
  return out;
}

// Rank 0: plans the rebuild, hands every rank its sealed plan, builds its
// own shards, gathers the others' and commits.
Status BuildRoot(const BuildFlags& flags) {
  const int n = Size();
  auto opened = OpenRoot(flags.vault, flags.key_file);
  Result<core::RebuildPlan> plan =
      opened.ok() ? core::PlanRebuild(**opened, flags.dataset, flags.version)
                  : Result<core::RebuildPlan>(opened.status());
  for (int r = 1; r < n; ++r) {
    const std::string pk = Receive(r, kTagPublicKey, nullptr);
    if (!plan.ok()) {
      Send(r, kTagError, "");
      continue;
    }
    auto sealed = core::SealMatchPlan(plan->records, pk);
    if (!sealed.ok()) Fail(sealed.status().WithPrefix("rank " + std::to_string(r) + "'s public key"));
    Send(r, kTagHeader, core::SerializeRebuildHeader(*plan));
    Send(r, kTagPlan, *sealed);
  }
  if (!plan.ok()) return plan.status();
  uint64_t reused = 0;
  CUSTODY_ASSIGN_OR_RETURN(std::vector<sketch::ShardEntry> built, BuildMyShards(*plan, &reused));
  for (int r = 1; r < n; ++r) {
    int tag = 0;
    const std::string msg = Receive(r, MPI_ANY_TAG, &tag);
    if (tag == kTagError) return AbortedError("rank " + std::to_string(r) + " failed: " + msg);
    auto j = nlohmann::json::parse(msg, nullptr, false);
    if (!j.is_object() || !j.contains("shards") || !j["shards"].is_array()) {
      return InternalError("rank " + std::to_string(r) + ": malformed shard list");
    }
    reused += j.value("reused", uint64_t{0});
    for (const auto& s : j["shards"]) {
      sketch::ShardEntry e;
      e.shard = s.value("shard", uint64_t{0});
      e.first_id = s.value("first_id", uint64_t{0});
      e.records = s.value("records", uint64_t{0});
      e.bytes = s.value("bytes", uint64_t{0});
      e.sha256 = s.value("sha256", std::string());
      e.file = s.value("file", std::string());
      built.push_back(std::move(e));
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(uint64_t log_index, core::CommitRebuild(**opened, *plan, built, n, reused));
  const std::string manifest_sha = sketch::Sha256Hex(plan->manifest_bytes);
  if (flags.json) {
    std::cout << nlohmann::json({{"dataset", plan->dataset},
                                 {"version", plan->version},
                                 {"shards", built.size()},
                                 {"reused", reused},
                                 {"ranks", n},
                                 {"seconds", JobSeconds()},
                                 {"index_manifest", manifest_sha},
                                 {"log_index", log_index}})
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Rebuilt " << plan->dataset << " v" << plan->version << ": " << built.size()
              << " shards over " << n << " ranks (" << reused << " reused), identical to the committed index; log entry "
              << log_index << "\n";
  }
  return OkStatus();
}

// Rank r > 0: receives its plan, builds its shards, sends their entries.
Status BuildWorker() {
  const crypto::X25519KeyPair keys = crypto::X25519Generate();
  Send(0, kTagPublicKey, keys.public_key);
  int tag = 0;
  const std::string header = Receive(0, MPI_ANY_TAG, &tag);
  if (tag == kTagError) QuietExit();  // rank 0 says why
  const std::string sealed = Receive(0, kTagPlan, nullptr);
  core::RebuildPlan plan;
  Status s = core::ParseRebuildHeader(header, &plan);
  if (s.ok()) {
    auto records = core::OpenMatchPlan(keys, sealed);
    if (records.ok()) plan.records = std::move(*records);
    else s = records.status();
  }
  uint64_t reused = 0;
  Result<std::vector<sketch::ShardEntry>> built = s.ok() ? BuildMyShards(plan, &reused)
                                                         : Result<std::vector<sketch::ShardEntry>>(s);
  if (!built.ok()) {
    Send(0, kTagError, built.status().ToString());
    return built.status();
  }
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& e : *built) {
    shards.push_back({{"shard", e.shard}, {"first_id", e.first_id}, {"records", e.records},
                      {"bytes", e.bytes}, {"sha256", e.sha256}, {"file", e.file}});
  }
  Send(0, kTagShards, nlohmann::json({{"shards", shards}, {"reused", reused}}).dump());
  return OkStatus();
}

int RunBuild(const BuildFlags& flags) {
  const Status s = Rank() == 0 ? BuildRoot(flags) : BuildWorker();
  if (!s.ok()) Fail(s);
  return 0;
}

int RunScan(const ScanFlags& flags) {
  const Status s = Rank() == 0 ? ScanRoot(flags) : ScanWorker(flags);
  if (!s.ok()) Fail(s);
  return 0;
}

}  // namespace
}  // namespace custody::mpi

int main(int argc, char** argv) {
  using namespace custody::mpi;
  int provided = 0;
  // MPI is called from the main thread only (the scanning thread folds
  // batches there); the matcher's worker threads never touch it.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  job_start = std::chrono::steady_clock::now();
  CLI::App app{"custody-mpi: custody's leak scan over the ranks of an MPI job"};
  app.require_subcommand(1);
  auto flags = std::make_shared<ScanFlags>();
  auto* scan = app.add_subcommand("scan", "match dumps against the vault over every rank; rank 0 writes the results file");
  scan->add_option("dumps", flags->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst), readable by every rank")->required();
  scan->add_option("--out", flags->out, "results file: one JSON line per matched dump record (as custody scan)")->required();
  scan->add_option("--vault", flags->vault, "vault directory (default: $CUSTODY_VAULT); rank 0 opens it");
  scan->add_option("--key-file", flags->key_file, "master key file (default: $CUSTODY_KEY_FILE); read by rank 0 only");
  scan->add_option("--threads", flags->threads, "threads that check the index files as a rank opens them (0: the cores it may use); matching runs on one thread per rank: start a rank per core");
  scan->add_option("--max-json-depth", flags->max_json_depth, "deepest nesting a dump record may have");
  scan->add_option("--checkpoint", flags->checkpoint,
                   "checkpoint file, written by rank 0 as the scan goes and resumed from if present "
                   "(the same file as custody scan's: either resumes the other's)");
  scan->add_option("--checkpoint-records", flags->checkpoint_records,
                   "records read between checkpoints (default 100000)");
  scan->add_flag("--json", flags->json, "print the summary as one JSON object");
  auto bflags = std::make_shared<BuildFlags>();
  auto* build = app.add_subcommand(
      "build", "rebuild a committed dataset version's sketch index over every rank, checked against the committed manifest");
  build->add_option("dataset", bflags->dataset, "dataset name")->required();
  build->add_option("--version", bflags->version, "dataset version (default: the latest)");
  build->add_option("--vault", bflags->vault, "vault directory (default: $CUSTODY_VAULT); rank 0 opens it");
  build->add_option("--key-file", bflags->key_file, "master key file (default: $CUSTODY_KEY_FILE); read by rank 0 only");
  build->add_flag("--json", bflags->json, "print the summary as one JSON object");
  int rc = 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments; rank 0 alone says what is wrong.
    if (Rank() == 0) rc = app.exit(e);
    else rc = e.get_exit_code() == 0 ? 0 : 2;
    if (rc != 0) rc = 2;
    MPI_Finalize();
    return rc;
  }
  if (scan->parsed()) rc = RunScan(*flags);
  if (build->parsed()) rc = RunBuild(*bflags);
  MPI_Finalize();
  return rc;
}
