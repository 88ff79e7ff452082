// custody-mpi: custody's leak scan split over the ranks of an MPI job
// (`mpirun -np N custody-mpi scan DUMP... --out FILE`). Rank 0 alone opens
// the vault (catalog and keys); every other rank makes a one-time X25519 key
// pair, sends rank 0 its public key, and receives the match plan sealed to
// it (core::SealMatchPlan): the index files, the versions' segments and the
// keys that verification needs. No key and no record text crosses MPI in
// the clear. Every rank reads every dump (a file system all ranks see) and
// matches it against its share of the index files (file p goes to rank
// p % N); per batch, each rank sends rank 0 its candidates (record ids,
// kinds, scores: no text), and rank 0 keeps the best per dump record, which
// is what one process over every file finds, and writes the results file of
// `custody scan` (docs/scale.md, "custody-mpi").
//
// Exit codes: 0 done, 1 an error (printed by the rank that met it; the job
// is aborted so no rank waits forever), 2 bad usage.
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
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
constexpr int kTagResults = 3;
constexpr int kTagError = 4;
constexpr int kTagHeader = 5;
constexpr int kTagShards = 6;

struct ScanFlags {
  std::vector<std::string> dumps;
  std::string out;
  std::string vault;
  std::string key_file;
  size_t threads = 0;
  size_t max_json_depth = format::kMaxJsonDepth;
  bool json = false;
};

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

// A batch's scored candidates as one rank sends them to rank 0: the
// batch's end ordinal, then per candidate its record's place in the batch
// and the candidate's fields, fixed-width little-endian (ids, keys,
// estimates: no text, no key).
void PutDouble(std::string* out, double d) { PutFixed64(out, std::bit_cast<uint64_t>(d)); }

std::string EncodeBatch(const core::DumpBatch& batch,
                        const std::vector<std::vector<sketch::ScoredCandidate>>& scored) {
  std::string out;
  PutFixed64(&out, batch.end_ordinal());
  for (size_t i = 0; i < scored.size(); ++i) {
    for (const auto& c : scored[i]) {
      PutFixed32(&out, static_cast<uint32_t>(i));
      PutFixed64(&out, c.c.key);
      PutFixed32(&out, c.c.info);
      for (double d : {c.j, c.kept, c.cont, c.na, c.rank, c.r.similarity, c.r.containment}) PutDouble(&out, d);
      PutFixed64(&out, c.r.record_id);
      PutFixed32(&out, c.r.index);
      out.push_back(static_cast<char>(c.decision));
      out.push_back(static_cast<char>(c.r.kind));
      out.push_back(c.text_verified ? 1 : 0);
    }
  }
  return out;
}
constexpr size_t kWireCandidate = 4 + 8 + 4 + 7 * 8 + 8 + 4 + 3;

// Adds a rank's batch message to `scored`. kInternal if the ranks did not
// cut the dumps into the same batches, or the message is malformed.
Status MergeBatch(int from, std::string_view msg, const core::DumpBatch& batch, size_t files,
                  std::vector<std::vector<sketch::ScoredCandidate>>* scored) {
  const std::string who = "rank " + std::to_string(from);
  if (msg.size() < 8 || (msg.size() - 8) % kWireCandidate != 0) {
    return InternalError(who + ": malformed batch message of " + std::to_string(msg.size()) + " bytes");
  }
  const uint64_t end = DecodeFixed64(msg.data());
  if (end != batch.end_ordinal()) {
    return InternalError(who + " read the dumps differently: expected a batch ending at record " +
                         std::to_string(batch.end_ordinal()) + ", found " + std::to_string(end));
  }
  std::vector<sketch::ScoredCandidate> theirs;
  size_t current = 0;
  auto flush = [&] {
    if (!theirs.empty()) sketch::Matcher::MergeScored(theirs, 1, &(*scored)[current]);
    theirs.clear();
  };
  for (const char* p = msg.data() + 8; p < msg.data() + msg.size(); p += kWireCandidate) {
    const char* q = p;
    const uint32_t i = DecodeFixed32(q);
    sketch::ScoredCandidate c;
    c.c.key = DecodeFixed64(q + 4);
    c.c.info = DecodeFixed32(q + 12);
    double* ds[] = {&c.j, &c.kept, &c.cont, &c.na, &c.rank, &c.r.similarity, &c.r.containment};
    for (size_t k = 0; k < 7; ++k) *ds[k] = std::bit_cast<double>(DecodeFixed64(q + 16 + 8 * k));
    c.r.record_id = DecodeFixed64(q + 72);
    c.r.index = DecodeFixed32(q + 80);
    const uint8_t decision = static_cast<uint8_t>(q[84]), kind = static_cast<uint8_t>(q[85]);
    if (i >= scored->size() || c.r.index >= files || (c.c.key >> 32) != c.r.index || decision > 3 ||
        kind > 2) {
      return InternalError(who + ": a candidate out of range");
    }
    c.decision = static_cast<sketch::CandidateDecision>(decision);
    c.r.kind = static_cast<sketch::MatchKind>(kind);
    c.text_verified = q[86] != 0;
    if (i != current) flush();
    current = i;
    theirs.push_back(c);
  }
  flush();
  return OkStatus();
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
// share and merges the others'.
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
    // The other ranks only score: they get no data key.
    auto sealed = core::SealMatchPlan(core::ScoringPlan(*plan), pk);
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
  options.match.part = 0;
  options.match.parts = static_cast<size_t>(n);
  options.match.exchange = [n, files](const core::DumpBatch& batch,
                                      std::vector<std::vector<sketch::ScoredCandidate>>* scored) -> Status {
    for (int r = 1; r < n; ++r) {
      int tag = 0;
      const std::string msg = Receive(r, MPI_ANY_TAG, &tag);
      if (tag == kTagError) return AbortedError("rank " + std::to_string(r) + " failed: " + msg);
      CUSTODY_RETURN_IF_ERROR(MergeBatch(r, msg, batch, files, scored));
    }
    return OkStatus();
  };
  options.out = flags.out;
  CUSTODY_ASSIGN_OR_RETURN(core::ScanDumpsResult result, core::ScanDumps(custody, options));
  const core::MatchSummary& s = result.summary;
  if (flags.json) {
    std::cout << nlohmann::json({{"dump_records", s.scan.dump_records},
                                 {"matched", result.matched},
                                 {"skipped", s.scan.skipped},
                                 {"empty_dumps", s.scan.empty_dumps},
                                 {"ranks", n},
                                 {"index_files", files},
                                 {"threads", s.threads},
                                 {"out", flags.out}})
                     .dump(2)
              << "\n";
  } else {
    std::cout << s.scan.dump_records << " dump records, " << result.matched << " matched over "
              << n << " ranks (" << files << " index files); results in " << flags.out << "\n";
  }
  return OkStatus();
}

// Rank r > 0: receives its plan, scans its share, sends its candidates.
Status ScanWorker(const ScanFlags& flags) {
  const int rank = Rank();
  const crypto::X25519KeyPair keys = crypto::X25519Generate();
  Send(0, kTagPublicKey, keys.public_key);
  int tag = 0;
  const std::string sealed = Receive(0, MPI_ANY_TAG, &tag);
  if (tag == kTagError) QuietExit();  // rank 0 says why
  CUSTODY_ASSIGN_OR_RETURN(core::MatchPlan plan, core::OpenMatchPlan(keys, sealed));
  core::MatchOptions options;
  options.dumps = flags.dumps;
  options.scan.threads = flags.threads;
  options.scan.max_json_depth = flags.max_json_depth;
  options.top = 0;
  options.unmatched_sample = 0;
  options.part = static_cast<size_t>(rank);
  options.parts = static_cast<size_t>(Size());
  options.exchange = [](const core::DumpBatch& batch,
                        std::vector<std::vector<sketch::ScoredCandidate>>* scored) -> Status {
    Send(0, kTagResults, EncodeBatch(batch, *scored));
    scored->assign(scored->size(), {});  // verified and reported by rank 0, not here
    return OkStatus();
  };
  auto s = core::MatchDumps(Env::Default(), plan, options);
  if (!s.ok()) {
    // Rank 0 is waiting for this rank's next batch: tell it why none comes.
    Send(0, kTagError, s.status().ToString());
    return s.status();
  }
  return OkStatus();
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
  CLI::App app{"custody-mpi: custody's leak scan over the ranks of an MPI job"};
  app.require_subcommand(1);
  auto flags = std::make_shared<ScanFlags>();
  auto* scan = app.add_subcommand("scan", "match dumps against the vault over every rank; rank 0 writes the results file");
  scan->add_option("dumps", flags->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst), readable by every rank")->required();
  scan->add_option("--out", flags->out, "results file: one JSON line per matched dump record (as custody scan)")->required();
  scan->add_option("--vault", flags->vault, "vault directory (default: $CUSTODY_VAULT); rank 0 opens it");
  scan->add_option("--key-file", flags->key_file, "master key file (default: $CUSTODY_KEY_FILE); read by rank 0 only");
  scan->add_option("--threads", flags->threads, "matching threads per rank (0: the cores the rank may use)");
  scan->add_option("--max-json-depth", flags->max_json_depth, "deepest nesting a dump record may have");
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
