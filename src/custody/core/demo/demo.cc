#include "custody/base/ids_format.h"
#include "custody/core/demo/demo.h"
#include "custody/core/demo/demo_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "custody/base/clock.h"
#include "custody/base/count_format.h"
#include "custody/base/env.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release.h"
#include "custody/core/demo/demo_incident.h"
#include "custody/core/trace/incident.h"
#include "custody/core/trace/report_html.h"
#include "custody/core/trace/trace.h"
#include "custody/format/corpus_generator.h"
#include "custody/ledger/custody_log.h"
#include "custody/sketch/leak_simulator.h"

namespace custody::core {
namespace {

constexpr const char* kDemoMarker = ".custody-demo";

std::string PText(double log10_p) {
  if (log10_p > -4) return fmt::format("{:.3g}", std::pow(10.0, log10_p));
  double e = std::floor(log10_p);
  return fmt::format("{:.2g}e{}", std::pow(10.0, log10_p - e), static_cast<int>(e));
}

// Prepares `dir`: it must be missing, empty, or an earlier demo's output
// (which is then removed).
Status PrepareOutDir(Env* env, const std::string& dir) {
  if (env->IsDirectory(dir)) {
    CUSTODY_ASSIGN_OR_RETURN(auto kids, env->GetChildren(dir));
    if (!kids.empty()) {
      if (!env->FileExists(JoinPath(dir, kDemoMarker))) {
        return FailedPreconditionError(dir + " is not empty and was not made by `custody demo`; "
                                       "choose another --out");
      }
      CUSTODY_RETURN_IF_ERROR(env->RemoveTree(dir));
    }
  } else if (env->FileExists(dir)) {
    return FailedPreconditionError(dir + " exists and is not a directory");
  }
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(dir, 0700));
  return env->WriteFileAtomically(JoinPath(dir, kDemoMarker), "made by custody demo\n");
}

struct Scenario {
  const char* partner;
  const char* member;
  const char* selection;  // "all" or a sample fraction
  uint64_t seed;
};

// Prints the outcome of one trace.
void Narrate(const TraceReport& r, std::ostream& out) {
  out << fmt::format("  dump records: {} ({} matched our vault, {} unrelated)\n",
                     WithThousands(r.dump_records), WithThousands(r.matched),
                     WithThousands(r.unmatched));
  out << fmt::format("  compromised: {}", Counted(r.compromised.size(), "record"));
  for (const auto& [k, v] : r.by_dataset) out << fmt::format(" (dataset {}: {})", k, WithThousands(v));
  out << "\n";
  for (const auto& rel : r.releases) {
    out << fmt::format("    release {} to {} ({}) carried {} of them\n", rel.release_id, rel.member,
                       rel.partner, WithThousands(rel.records));
  }
  std::map<std::string, int> canaries;
  for (const auto& c : r.canaries_found) ++canaries[c.member + " (" + c.partner + ")"];
  for (const auto& [owner, n] : canaries) {
    out << fmt::format("  {} canary record{} found; owner: {}\n", n, n == 1 ? "" : "s", owner);
  }
  for (const auto& m : r.members) {
    out << fmt::format("  {:<11} {:<7} of {:<18} p = {}\n", m.accused ? "ACCUSED" : "not accused",
                       m.member, m.partner, PText(m.log10_p_value));
  }
  out << "  " << r.statement << "\n";
}

Result<TraceReport> TraceAndReport(Custody& c, const std::string& dump, const std::string& base,
                                   std::ostream& out) {
  TraceOptions to;
  to.dumps = {dump};
  CUSTODY_ASSIGN_OR_RETURN(TraceReport r, Trace(c, to));
  // Indented for the reader: the demo's reports are small.
  const std::string pretty = nlohmann::json::parse(ToJson(r)).dump(2);
  CUSTODY_RETURN_IF_ERROR(c.env()->WriteFileAtomically(base + ".json", pretty + "\n"));
  CUSTODY_RETURN_IF_ERROR(c.env()->WriteFileAtomically(base + ".html", RenderTraceHtml(r)));
  Narrate(r, out);
  out << "  reports: " << base << ".json, " << base << ".html\n";
  return r;
}

// What the demo's steps share.
struct DemoRun {
  const DemoOptions& o;
  std::ostream& out;
  Env* env = nullptr;
  std::string dir, keys, releases;
  std::unique_ptr<Custody> c;
  std::string dataset;
  IncidentId incident;  // leak #1's
};

// 1. A fresh embedded vault and a corpus, ingested.
Status CreateVaultAndIngest(DemoRun& d) {
  const DemoOptions& o = d.o;
  std::ostream& out = d.out;
  Env* env = d.env;
  store::InitOptions init;
  init.keys.key_file = JoinPath(d.keys, "master.key");
  init.log_origin = "demo.custody.local/vault";
  CUSTODY_ASSIGN_OR_RETURN(d.c, Custody::Init(JoinPath(d.dir, "vault"), init, "demo"));
  out << "1. Created an encrypted vault in " << JoinPath(d.dir, "vault") << " (master key "
      << init.keys.key_file << ", outside the vault)\n";
  std::string corpus = o.data;
  if (corpus.empty()) {
    corpus = JoinPath(d.dir, "corpus.jsonl");
    CUSTODY_ASSIGN_OR_RETURN(uint64_t bytes, format::GenerateCorpusFile(env, corpus, o.records, o.seed));
    out << fmt::format("   Generated {} ({:.1f} MB): {}\n", Counted(o.records, "instruction-style record"),
                       bytes / 1e6, corpus);
  }
  IngestOptions io;
  io.dataset = "instructions";
  io.files = {corpus};
  CUSTODY_ASSIGN_OR_RETURN(auto ing, Ingest(*d.c, io));
  d.dataset = io.dataset;
  out << fmt::format("   Ingested dataset '{}': {} (ids {}..{}), {}; logged as entry {}\n\n",
                     ing.dataset, Counted(ing.records, "record"), ing.first_record_id,
                     ing.first_record_id + ing.records - 1, Counted(ing.duplicates, "duplicate"), ing.log_index);
  return OkStatus();
}

// 2. Partners, members, grants and one release per member.
Status AddPeopleAndRelease(DemoRun& d) {
  std::ostream& out = d.out;
  Env* env = d.env;
  Custody* c = d.c.get();
  const std::string& keys = d.keys;
  const std::string& releases = d.releases;
  const Scenario people[] = {
      {"acme-labeling", "alice", "0.35", 11},   {"acme-labeling", "bob", "0.35", 12},
      {"northwind-data", "carol", "0.35", 13},  {"northwind-data", "dave", "0.35", 14},
      {"globex-annotation", "erin", "all", 0},  {"globex-annotation", "frank", "0.2", 16},
  };
  out << "2. Three partners, two members each; every member gets a fingerprinted copy:\n";
  const Time expires = c->clock()->Now() + std::chrono::days(90);
  std::string last_partner;
  for (const auto& p : people) {
    if (last_partner != p.partner) {
      PartnerSpec ps;
      ps.name = p.partner;
      ps.contact = std::string("security@") + p.partner + ".example";
      ps.contract = std::string("MSA-2026-") + p.partner;
      CUSTODY_RETURN_IF_ERROR(AddPartner(*c, ps).status());
      last_partner = p.partner;
    }
    MemberSpec ms;
    ms.partner = p.partner;
    ms.name = p.member;
    ms.email = std::string(p.member) + "@" + p.partner + ".example";
    CUSTODY_ASSIGN_OR_RETURN(ms.public_key,
                             GenerateMemberKeyFile(env, JoinPath(keys, std::string(p.member) + ".key"),
                                                   c->vault().dir()));
    CUSTODY_RETURN_IF_ERROR(AddMember(*c, ms).status());
    GrantSpec gs;
    gs.partner = p.partner;
    gs.member = p.member;
    gs.dataset = d.dataset;
    if (std::string(p.selection) != "all") {
      CUSTODY_ASSIGN_OR_RETURN(gs.selection, SampleSelection(p.selection, p.seed));
    }
    gs.expires_at = expires;
    gs.purpose = "labeling task for the demo";
    CUSTODY_ASSIGN_OR_RETURN(auto g, AddGrant(*c, gs));
    ReleaseOptions ro;
    ro.grant_id = g.id;
    ro.member = p.member;
    ro.out = JoinPath(releases, std::string(p.member) + ".jsonl");
    CUSTODY_ASSIGN_OR_RETURN(auto rel, Release(*c, ro));
    out << fmt::format("   {:<18} {:<6} grant {} {:<14} release {} = {:>5} records + {:>2} {}, {:>6} mark slots -> {}\n",
                       p.partner, p.member, g.id,
                       "(" + (std::string(p.selection) == "all" ? std::string("full copy")
                                                                : std::string(p.selection) + " sample") + "):",
                       rel.release_id, WithThousands(rel.records), WithThousands(rel.canaries),
                       rel.canaries == 1 ? "canary" : "canaries", WithThousands(rel.slots), ro.out);
  }
  out << "\n";
  return OkStatus();
}

// 3 and 4. A single leaker's dump and two colluders' merged dump, each
// traced; the first opens an incident.
Status LeakAndTrace(DemoRun& d) {
  const DemoOptions& o = d.o;
  std::ostream& out = d.out;
  Env* env = d.env;
  Custody* c = d.c.get();
  const std::string& dir = d.dir;
  const std::string& releases = d.releases;
  // Unrelated text the leakers mix in (never in the vault).
  const std::string unrelated_path = JoinPath(dir, "unrelated.jsonl");
  CUSTODY_RETURN_IF_ERROR(format::GenerateCorpusFile(env, unrelated_path, 800, o.seed + 7777).status());
  CUSTODY_ASSIGN_OR_RETURN(auto unrelated, sketch::LoadJsonlRecords(env, unrelated_path));

  sketch::LeakOptions attack;
  attack.format = sketch::DumpFormat::kCsv;
  attack.nfkc = true;
  attack.lowercase = true;
  attack.collapse_whitespace = true;
  attack.uncurl_quotes = true;
  attack.shuffle = true;
  attack.subset = 0.3;
  attack.word_edits = 1;
  attack.unrelated_ratio = 0.5;

  // 3. A single leaker.
  out << "3. Leak #1: carol converts her copy to CSV, NFKC-normalizes, lower-cases, collapses\n"
         "   whitespace, uncurls quotes, shuffles, keeps 30%, edits a word per record and mixes\n"
         "   in unrelated text. custody traces the dump:\n";
  CUSTODY_ASSIGN_OR_RETURN(auto carol, sketch::LoadJsonlRecords(env, JoinPath(releases, "carol.jsonl")));
  attack.seed = o.seed + 1;
  auto leak1 = sketch::SimulateLeak(carol, unrelated, attack);
  const std::string dump1 = JoinPath(dir, "leak1.csv");
  CUSTODY_RETURN_IF_ERROR(sketch::WriteLeak(env, dump1, leak1));
  CUSTODY_ASSIGN_OR_RETURN(auto r1, TraceAndReport(*c, dump1, JoinPath(dir, "trace1"), out));
  CUSTODY_ASSIGN_OR_RETURN(auto inc, OpenIncident(*c, r1, "Demo leak #1"));
  d.incident = inc.id;
  out << fmt::format("  incident {} opened: the verdict and the {} compromised record ids are frozen in log entry {}\n\n",
                     inc.id, inc.verdict.compromised, *inc.log_index);

  // 4. Two colluders merge their copies.
  out << "4. Leak #2: alice (acme-labeling) and dave (northwind-data) merge their copies\n"
         "   (interleaved records), then apply the same pipeline. custody traces the dump:\n";
  CUSTODY_ASSIGN_OR_RETURN(auto alice, sketch::LoadJsonlRecords(env, JoinPath(releases, "alice.jsonl")));
  CUSTODY_ASSIGN_OR_RETURN(auto dave, sketch::LoadJsonlRecords(env, JoinPath(releases, "dave.jsonl")));
  std::vector<sketch::SimRecord> merged;
  for (size_t i = 0; i < std::max(alice.size(), dave.size()); ++i) {
    if (i < alice.size()) merged.push_back(alice[i]);
    if (i < dave.size()) merged.push_back(dave[i]);
  }
  attack.seed = o.seed + 2;
  auto leak2 = sketch::SimulateLeak(merged, unrelated, attack);
  const std::string dump2 = JoinPath(dir, "leak2.csv");
  CUSTODY_RETURN_IF_ERROR(sketch::WriteLeak(env, dump2, leak2));
  CUSTODY_RETURN_IF_ERROR(TraceAndReport(*c, dump2, JoinPath(dir, "trace2"), out).status());
  out << "\n";
  return OkStatus();
}

}  // namespace

Status RunDemo(const DemoOptions& o, std::ostream& out) {
  const auto t0 = std::chrono::steady_clock::now();
  DemoRun d{o, out};
  d.env = Env::Default();
  if (o.out_dir.empty()) return InvalidArgumentError("out_dir: expected a directory");
  CUSTODY_RETURN_IF_ERROR(PrepareOutDir(d.env, o.out_dir));
  d.dir = o.out_dir;
  d.keys = JoinPath(d.dir, "keys");
  d.releases = JoinPath(d.dir, "releases");
  CUSTODY_RETURN_IF_ERROR(d.env->CreateDirs(d.keys, 0700));
  CUSTODY_RETURN_IF_ERROR(d.env->CreateDirs(d.releases, 0700));

  out << "custody demo: chain of custody for training data shared with partners\n\n";
  CUSTODY_RETURN_IF_ERROR(CreateVaultAndIngest(d));
  CUSTODY_RETURN_IF_ERROR(AddPeopleAndRelease(d));
  CUSTODY_RETURN_IF_ERROR(LeakAndTrace(d));
  Custody* c = d.c.get();
  const std::string& dir = d.dir;
  CUSTODY_RETURN_IF_ERROR(DemoAudits(*c, dir, out));
  CUSTODY_RETURN_IF_ERROR(DemoIncidentResponse(*c, d.incident, dir, out));
  // 7. The custody log.
  auto st = c->log().status();
  out << fmt::format("7. The custody log holds {} signed, tamper-evident entries (ingest, partners,\n"
                     "   members, grants, releases, traces, the incident, audits). Verify it with:\n"
                     "   custody --vault {} log verify\n",
                     st.size, c->vault().dir());
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out << fmt::format("\nDone in {:.1f} s. Everything is in {}: vault/, keys/, releases/, leak1.csv, leak2.csv,\n"
                     "trace1.json, trace1.html, trace2.json, trace2.html, audits/, partner-globex-annotation.html, risk.html,\n"
                     "incident-1.html, incident-1.json.\n",
                     secs, dir);
  return OkStatus();
}

}  // namespace custody::core
