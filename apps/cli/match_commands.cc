// `custody match DUMP...`: which vault records does a leaked dump contain?
// Reads each dump (JSONL, JSON array, CSV or text, gzip/zstd; detected from
// content), matches every record against the sketch indexes of all committed
// dataset versions, and reports per dump record the matched record (exact,
// near or fragment), totals per dataset, unmatched records and unreadable
// input. Output schema: docs/matching.md ("custody match").
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli/cli.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/core/match/dump_scan.h"
#include "custody/sketch/matcher.h"

namespace custody::cli {
namespace {

struct MatchOptions {
  std::vector<std::string> dumps;
  size_t show_unmatched = 20;
};

Status RunMatch(const MatchOptions& opt) {
  CUSTODY_ASSIGN_OR_RETURN(auto custody, OpenVault(true));
  // Candidates the index cannot settle are verified against the decrypted
  // record text (core::VaultRecordTexts, installed by VaultMatcher).
  CUSTODY_ASSIGN_OR_RETURN(auto vm, core::VaultMatcher::Open(*custody));
  const sketch::Matcher& matcher = vm->matcher();

  nlohmann::json results = nlohmann::json::array();
  std::map<std::string, uint64_t> by_dataset;
  std::map<std::string, uint64_t> by_kind;
  std::map<uint64_t, bool> distinct;
  std::vector<std::string> unmatched;
  uint64_t matched = 0;
  const bool json = Globals().json;
  core::DumpScanStats stats;
  std::unique_ptr<Progress> progress;
  std::string progress_dump;

  CUSTODY_RETURN_IF_ERROR(core::ScanDumps(
      custody->env(), opt.dumps,
      [&](const format::Record& rec, std::span<const std::string_view> fields) -> Status {
        std::optional<sketch::MatchResult> m = matcher.Match(fields);
        std::string where = rec.source + ":" + std::to_string(rec.line);
        nlohmann::json r = {{"source", where}, {"match", nullptr}};
        if (m) {
          ++matched;
          const core::IndexedVersion& e = vm->version(m->index);
          ++by_dataset[e.dataset];
          ++by_kind[std::string(sketch::MatchKindName(m->kind))];
          distinct[m->record_id] = true;
          r["match"] = {{"record_id", m->record_id},
                        {"dataset", e.dataset},
                        {"version", e.version},
                        {"kind", sketch::MatchKindName(m->kind)},
                        {"similarity", m->similarity},
                        {"containment", m->containment}};
        } else {
          unmatched.push_back(where);
        }
        if (json) results.push_back(std::move(r));
        return OkStatus();
      },
      &stats,
      [&](const std::string& dump, uint64_t bytes, uint64_t records) {
        if (!progress || progress_dump != dump) {
          if (progress) progress->Done();
          progress = std::make_unique<Progress>("match " + dump);
          progress_dump = dump;
        }
        progress->Update(bytes, records);
      }));
  if (progress) progress->Done();

  const uint64_t dump_records = stats.dump_records;
  const uint64_t skipped = stats.skipped;
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : stats.problems) {
    bad.push_back({{"source", b.source},
                   {"line", b.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(b.line)},
                   {"error", b.error}});
  }
  nlohmann::json empty = stats.empty_dumps;
  if (!vm->texts().first_error().ok()) {
    // Verification fell back to the index estimate for some candidates.
    std::cerr << "warning: exact verification unavailable for some candidates: "
              << vm->texts().first_error().message() << "\n";
  }

  if (json) {
    nlohmann::json out = {{"dump_records", dump_records},
                          {"matched", matched},
                          {"unmatched", dump_records - matched},
                          {"distinct_records", distinct.size()},
                          {"results", std::move(results)},
                          {"by_dataset", by_dataset},
                          {"by_kind", by_kind},
                          {"skipped", skipped},
                          {"bad_records", bad},
                          {"empty_dumps", empty}};
    PrintJson(out);
    return OkStatus();
  }
  std::cout << dump_records << " dump records, " << matched << " matched ("
            << distinct.size() << " distinct vault records), " << dump_records - matched
            << " unmatched\n";
  for (const auto& [name, n] : by_dataset) std::cout << "  " << name << ": " << n << "\n";
  for (const auto& [kind, n] : by_kind) std::cout << "  kind " << kind << ": " << n << "\n";
  for (size_t i = 0; i < unmatched.size() && i < opt.show_unmatched; ++i) {
    std::cout << "  unmatched " << unmatched[i] << "\n";
  }
  if (unmatched.size() > opt.show_unmatched) {
    std::cout << "  ... and " << unmatched.size() - opt.show_unmatched
              << " more unmatched (see --json)\n";
  }
  if (skipped > 0) {
    std::cout << skipped << " unreadable records skipped (invalid UTF-8, binary or malformed):\n";
  }
  for (const auto& b : bad) {
    std::cout << "  " << b["source"].get<std::string>();
    if (!b["line"].is_null() && b["line"].get<uint64_t>() > 0) std::cout << ":" << b["line"].get<uint64_t>();
    std::cout << ": " << b["error"].get<std::string>() << "\n";
  }
  for (const auto& e : empty) std::cout << e.get<std::string>() << ": empty dump (no records)\n";
  return OkStatus();
}

void RegisterMatchCommands(CLI::App& app) {
  auto opt = std::make_shared<MatchOptions>();
  auto* sub = app.add_subcommand("match", "find which vault records a leaked dump contains");
  sub->add_option("dumps", opt->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst)")
      ->required();
  sub->add_option("--show-unmatched", opt->show_unmatched,
                  "unmatched dump records listed in the summary");
  SetAction(sub, [opt] { return RunMatch(*opt); });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterMatchCommands);
}  // namespace custody::cli
