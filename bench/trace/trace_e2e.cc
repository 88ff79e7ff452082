// End-to-end robustness of trace: members' copies written by the real mark
// module, leaks made by the real leak simulator under each attack and
// combined, coalitions merging copies, dumps matched by the real sketch index
// and scored by core::ScoreMembers, as `custody trace` does. For each attack
// and coalition, with and without canaries, sweeps the number of leaked
// records and reports the smallest at which a colluder is accused in at least
// 99% of seeded trials, and how many innocent members were ever accused.
// Prints Markdown tables. Usage: trace_e2e [SIMULATION_TABLE.md] — the
// simulation's table of the same run, for a side-by-side column.
// Environment: TRACE_E2E_TRIALS (default 20), TRACE_E2E_SEED (default 1),
// TRACE_E2E_SIZES (default 25,50,100,200,400,700,1000), TRACE_E2E_RECORDS
// (default 7473), TRACE_E2E_GRANTS (partner: members of a partner share its
// grant, the default; member: independent grants), TRACE_E2E_CANARIES (both,
// off, on; default both), TRACE_E2E_ROWS (all, or a comma-separated list of
// attack names; default all), TRACE_E2E_DEBUG (1: describe every missed
// trial on stderr).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "custody/base/env.h"
#include "e2e_world.h"

namespace {

using custody::bench_trace::Corpus;
using custody::bench_trace::LeakPlan;
using custody::bench_trace::Merge;
using custody::bench_trace::World;
using custody::bench_trace::WorldOptions;

constexpr double kAlpha = 1e-6;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string EnvStr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(sep, pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  const size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct Attack {
  std::string name;
  std::string sim;  // the simulation row that models it
  custody::sketch::LeakOptions leak;
};

std::vector<Attack> Attacks() {
  std::vector<Attack> a;
  auto add = [&](const char* name, const char* sim) -> custody::sketch::LeakOptions& {
    a.push_back({name, sim, {}});
    return a.back().leak;
  };
  add("none", "none");
  add("csv", "none").format = custody::sketch::DumpFormat::kCsv;
  add("nfkc", "normalize").nfkc = true;
  add("lowercase", "normalize").lowercase = true;
  add("whitespace", "normalize").collapse_whitespace = true;
  add("uncurl-quotes", "normalize").uncurl_quotes = true;
  add("shuffle", "shuffle+subset").shuffle = true;
  add("subset-30%", "shuffle+subset").subset = 0.3;
  add("word-edits-3", "paraphrase-light").word_edits = 3;
  add("unrelated-1:1", "none").unrelated_ratio = 1.0;
  auto& c = add("combined", "combined");
  c.format = custody::sketch::DumpFormat::kCsv;
  c.nfkc = c.lowercase = c.collapse_whitespace = c.uncurl_quotes = c.shuffle = true;
  c.subset = 0.3;
  c.word_edits = 3;
  c.unrelated_ratio = 1.0;
  return a;
}

struct Coalition {
  const char* name;
  uint32_t size;
  Merge merge;
};

// "attack|coalition" -> smallest leak, from the simulation's Markdown table.
std::map<std::string, std::string> LoadSimulation(const char* path) {
  std::map<std::string, std::string> out;
  if (path == nullptr) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = Split(line, '|');
    if (cells.size() < 5 || Trim(cells[1]) == "attack" || Trim(cells[1]).rfind("---", 0) == 0) continue;
    out[Trim(cells[1]) + "|" + Trim(cells[2])] = Trim(cells[3]);
  }
  return out;
}

std::string Ratio(uint64_t found, uint64_t baseline) {
  if (!found || !baseline) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fx", static_cast<double>(found) / static_cast<double>(baseline));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t trials = EnvOr("TRACE_E2E_TRIALS", 20);
  const uint64_t seed0 = EnvOr("TRACE_E2E_SEED", 1);
  const uint64_t records = EnvOr("TRACE_E2E_RECORDS", 7473);
  std::vector<uint64_t> sizes;
  for (const auto& s : Split(EnvStr("TRACE_E2E_SIZES", "25,50,100,200,400,700,1000"), ',')) {
    if (!s.empty()) sizes.push_back(std::strtoull(s.c_str(), nullptr, 10));
  }
  const std::string grants = EnvStr("TRACE_E2E_GRANTS", "partner");
  const std::string canary_mode = EnvStr("TRACE_E2E_CANARIES", "both");
  const std::string rows = EnvStr("TRACE_E2E_ROWS", "all");
  const bool debug = EnvOr("TRACE_E2E_DEBUG", 0) != 0;
  const std::map<std::string, std::string> sim = LoadSimulation(argc > 1 ? argv[1] : nullptr);

  const auto start = std::chrono::steady_clock::now();
  auto corpus = Corpus::Create(records, 2000, seed0);
  if (!corpus.ok()) {
    std::fprintf(stderr, "corpus: %s\n", corpus.status().ToString().c_str());
    return 1;
  }
  const Corpus& c = **corpus;
  char tmpl[] = "/tmp/custody_trace_e2e.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  const std::string dump_path = dir + "/dump";

  const std::vector<Coalition> coalitions = {
      {"single", 1, Merge::kInterleave},   {"2 interleave", 2, Merge::kInterleave},
      {"2 majority", 2, Merge::kMajority}, {"2 random", 2, Merge::kRandom},
      {"3 interleave", 3, Merge::kInterleave}, {"3 majority", 3, Merge::kMajority},
      {"3 random", 3, Merge::kRandom},
  };
  std::vector<double> canary_rates;
  if (canary_mode != "on") canary_rates.push_back(0);
  if (canary_mode != "off") canary_rates.push_back(0.01);

  std::printf("Corpus: %llu generated records (prompt, response), %.2f robust slots per record; "
              "%s grants of %.0f%%; %llu trials per point; alpha %g.\n\n",
              static_cast<unsigned long long>(records), c.mean_slots(),
              grants == "member" ? "per-member" : "per-partner (shared by its 2 members)",
              100 * WorldOptions{}.grant_fraction,
              static_cast<unsigned long long>(trials), kAlpha);
  std::printf("| attack | coalition | canaries | smallest leak with >= 99%% detection | vs baseline | "
              "simulation | detection there | readable slots per leaked record | canaries found per trial | "
              "innocents accused (all trials) | trials |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);

  uint64_t total_innocents = 0, total_trials = 0, total_in_dump = 0, total_compromised = 0;
  uint64_t total_merged = 0;
  int status = 0;
  for (double rate : canary_rates) {
    WorldOptions wo;
    wo.per_member_grants = grants == "member";
    wo.canary_rate = rate;
    const uint32_t members = wo.partners * wo.members_per_partner;
    std::map<uint64_t, World> worlds;  // by trial: the same holdings for every attack and size
    uint64_t baseline = 0;
    for (const Attack& attack : Attacks()) {
      if (rows != "all") {
        auto wanted = Split(rows, ',');
        if (std::find(wanted.begin(), wanted.end(), attack.name) == wanted.end()) continue;
      }
      for (const Coalition& co : coalitions) {
        if (co.size > 1 && attack.name != "none" && attack.name != "combined") continue;
        uint64_t found = 0, found_rate = 0, innocents = 0, run = 0;
        double slots_per_record = 0, canaries_per_trial = 0;
        for (uint64_t n : sizes) {
          uint64_t detected = 0, slots = 0, in_dump = 0, canaries = 0, ran = 0;
          // Once more trials missed than 99% allows, this size cannot pass:
          // go on to the next (the smallest passing size is unchanged).
          const uint64_t allowed_misses = trials - (99 * trials + 99) / 100;
          for (uint64_t t = 0; t < trials && ran - detected <= allowed_misses; ++t) {
            auto w = worlds.find(t);
            if (w == worlds.end()) {
              auto made = MakeWorld(c, wo, seed0 * 1000003 + t * 7919);
              if (!made.ok()) {
                std::fprintf(stderr, "world: %s\n", made.status().ToString().c_str());
                return 1;
              }
              w = worlds.emplace(t, std::move(*made)).first;
            }
            std::mt19937_64 rng(seed0 + t * 7919 + n * 104729 + co.size * 31 + static_cast<uint64_t>(co.merge));
            LeakPlan plan;
            std::vector<uint64_t> ids(members);
            for (uint32_t m = 0; m < members; ++m) ids[m] = m + 1;
            for (uint32_t i = 0; i < co.size; ++i) {
              std::swap(ids[i], ids[i + rng() % (members - i)]);
              plan.colluders.push_back(ids[i]);
            }
            plan.merge = co.merge;
            plan.leak = attack.leak;
            plan.records = static_cast<uint64_t>(std::ceil(static_cast<double>(n) / attack.leak.subset));
            auto dump = MakeDump(c, w->second, plan, rng());
            custody::Status s = dump.ok() ? custody::Env::Default()->WriteFileAtomically(dump_path, dump->contents)
                                          : dump.status();
            if (!s.ok()) {
              std::fprintf(stderr, "dump: %s\n", s.ToString().c_str());
              return 1;
            }
            auto r = TraceDump(c, w->second, dump_path, kAlpha);
            if (!r.ok()) {
              std::fprintf(stderr, "trace: %s\n", r.status().ToString().c_str());
              return 1;
            }
            bool hit = false;
            for (uint64_t a : r->accused) {
              if (std::find(plan.colluders.begin(), plan.colluders.end(), a) != plan.colluders.end()) {
                hit = true;
              } else {
                ++innocents;
              }
            }
            detected += hit;
            ++ran;
            if (!hit && debug) {
              std::fprintf(stderr, "missed: %s %s canaries %g n=%llu trial %llu: dump %llu records, %llu compromised, "
                           "%llu canaries found, %llu readable slots; colluders",
                           attack.name.c_str(), co.name, rate, static_cast<unsigned long long>(n),
                           static_cast<unsigned long long>(t), static_cast<unsigned long long>(r->dump_records),
                           static_cast<unsigned long long>(r->compromised),
                           static_cast<unsigned long long>(r->canaries_found),
                           static_cast<unsigned long long>(r->readable_slots));
              for (uint64_t m : plan.colluders) std::fprintf(stderr, " m%llu (log10 p %.2f)",
                                                             static_cast<unsigned long long>(m), r->log10_p[m]);
              std::fprintf(stderr, "\n");
            }
            slots += r->readable_slots;
            in_dump += dump->leaked_in_dump;
            canaries += r->canaries_found;
            total_in_dump += dump->leaked_in_dump;
            total_compromised += r->compromised + r->canaries_found;
            total_merged += dump->merged_records;
            ++run;
          }
          slots_per_record = in_dump ? static_cast<double>(slots) / static_cast<double>(in_dump) : 0;
          canaries_per_trial = static_cast<double>(canaries) / static_cast<double>(ran);
          if (100 * detected >= 99 * trials) {
            found = n;
            found_rate = detected;
            break;
          }
        }
        total_innocents += innocents;
        total_trials += run;
        if (baseline == 0 && attack.name == "none" && co.size == 1) baseline = found;
        auto sv = sim.find(attack.sim + "|" + co.name);
        const std::string sim_cell = sv == sim.end() ? "-" : sv->second + " (" + attack.sim + ")";
        std::printf("| %s | %s | %s | %s | %s | %s | %llu/%llu | %.2f | %.2f | %llu | %llu |\n",
                    attack.name.c_str(), co.name, rate > 0 ? "1%" : "none",
                    found ? std::to_string(found).c_str() : "not reached", Ratio(found, baseline).c_str(),
                    sim_cell.c_str(), static_cast<unsigned long long>(found_rate),
                    static_cast<unsigned long long>(trials), slots_per_record, canaries_per_trial,
                    static_cast<unsigned long long>(innocents), static_cast<unsigned long long>(run));
        std::fflush(stdout);
      }
    }
  }
  custody::Env::Default()->RemoveTree(dir).IgnoreError();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nTotal: %llu trials, %llu innocent members accused, %.1f s (%.1f ms per trial). "
              "Leaked records recognized as compromised (or as canaries): %.1f%%; records written by a "
              "per-slot merge: %llu.\n",
              static_cast<unsigned long long>(total_trials), static_cast<unsigned long long>(total_innocents),
              secs, 1000 * secs / static_cast<double>(total_trials ? total_trials : 1),
              total_in_dump ? 100.0 * static_cast<double>(total_compromised) / static_cast<double>(total_in_dump) : 0.0,
              static_cast<unsigned long long>(total_merged));
  if (total_innocents > 0) status = 2;
  return status;
}
