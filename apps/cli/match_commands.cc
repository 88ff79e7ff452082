// `custody match DUMP...`: which vault records does a leaked dump contain?
// Reads each dump (JSONL, JSON array, CSV or text, gzip/zstd; detected from
// content), matches every record against the sketch indexes of all committed
// dataset versions, and reports per dump record the matched record (exact,
// near or fragment), totals per dataset, unmatched records and unreadable
// input. Output schema: docs/matching.md ("custody match").
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli/cli.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/format/reader.h"
#include "custody/sketch/matcher.h"

namespace custody::cli {
namespace {

struct MatchOptions {
  std::vector<std::string> dumps;
  size_t show_unmatched = 20;
};

// One searchable index: the file and the dataset version it covers.
struct IndexEntry {
  std::string path;
  std::string dataset;
  int version = 0;
};

// Lists the sketch index of every committed, not shredded dataset version.
// (Kept apart so that it can move to the catalog API as one call.)
Result<std::vector<IndexEntry>> ListIndexes(core::Custody& custody) {
  std::vector<IndexEntry> out;
  CUSTODY_ASSIGN_OR_RETURN(auto datasets, custody.catalog().ListDatasets());
  for (const auto& ds : datasets) {
    if (ds.shredded_at) continue;
    CUSTODY_ASSIGN_OR_RETURN(auto versions, custody.catalog().ListVersions(ds.id, false));
    for (const auto& v : versions) {
      if (v.index_file.empty() || v.shredded_at) continue;
      out.push_back({custody.VaultPath(v.index_file), ds.name, v.version});
    }
  }
  return out;
}

Status RunMatch(const MatchOptions& opt) {
  CUSTODY_ASSIGN_OR_RETURN(auto custody, OpenVault(true));
  CUSTODY_ASSIGN_OR_RETURN(auto indexes, ListIndexes(*custody));
  if (indexes.empty()) {
    return FailedPreconditionError("the vault has no indexed dataset; run `custody ingest` first");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto index_key, custody->vault().GetWrappedKey("index"));
  std::vector<std::string> paths;
  for (const auto& e : indexes) paths.push_back(e.path);
  Env* env = custody->vault().env();
  CUSTODY_ASSIGN_OR_RETURN(auto matcher, sketch::Matcher::Open(env, paths, index_key));

  nlohmann::json results = nlohmann::json::array();
  std::map<std::string, uint64_t> by_dataset;
  std::map<std::string, uint64_t> by_kind;
  std::map<uint64_t, bool> distinct;
  std::vector<std::string> unmatched;
  nlohmann::json bad = nlohmann::json::array();
  nlohmann::json empty = nlohmann::json::array();
  uint64_t dump_records = 0, matched = 0, skipped = 0;
  const bool json = Globals().json;

  for (const std::string& dump : opt.dumps) {
    format::ReadOptions ro;
    ro.skip_bad = true;
    ro.max_reported_bad = 20;
    CUSTODY_ASSIGN_OR_RETURN(auto reader, format::RecordReader::Open(env, dump, ro));
    Progress progress("match " + dump);
    format::Record rec;
    std::vector<std::string_view> fields;
    uint64_t in_file = 0;
    while (true) {
      Result<bool> more = reader->Next(&rec);
      if (!more.ok()) {
        // A corrupt stream or an input without records ends this dump.
        bad.push_back({{"source", dump}, {"line", nullptr}, {"error", more.status().message()}});
        break;
      }
      if (!*more) break;
      ++dump_records, ++in_file;
      fields.clear();
      for (const auto& f : rec.text_fields) fields.push_back(f.value);
      std::optional<sketch::MatchResult> m = matcher->Match(fields);
      std::string where = rec.source + ":" + std::to_string(rec.line);
      nlohmann::json r = {{"source", where}, {"match", nullptr}};
      if (m) {
        ++matched;
        const IndexEntry& e = indexes[m->index];
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
      if ((in_file & 1023) == 0) progress.Update(reader->bytes_read(), in_file);
    }
    progress.Done();
    skipped += reader->skipped();
    for (const auto& b : reader->bad_records()) {
      bad.push_back({{"source", b.source}, {"line", b.line}, {"error", b.what}});
    }
    if (in_file == 0) empty.push_back(dump);
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
