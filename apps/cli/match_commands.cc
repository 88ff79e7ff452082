// `custody match DUMP...`: which vault records does a leaked dump contain?
// A thin shell over core::MatchDumps (the scan, matching, verification and
// totals live in the library): flags in, the summary out, per record results
// streamed (--json, --list). Output schema: docs/matching.md ("custody match").
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "apps/cli/cli.h"
#include "custody/base/count_format.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/match/result_json.h"
#include "custody/format/canonical_json.h"
#include "custody/sketch/matcher.h"

namespace custody::cli {
namespace {

struct MatchFlags {
  std::vector<std::string> dumps;
  size_t show_unmatched = 20;
  size_t top = 20;
  bool list = false;
  size_t threads = 0;
  size_t max_json_depth = format::kMaxJsonDepth;
};

std::string Similarity(double s) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.3f", s);
  return buf;
}

// The match kind for people: a "near" match whose similarity prints as
// 1.000 is the same text after normalization, never called "near".
std::string KindLabel(sketch::MatchKind kind, double similarity) {
  if (kind == sketch::MatchKind::kNear && Similarity(similarity) == "1.000") {
    return "identical after normalization";
  }
  return std::string(sketch::MatchKindName(kind));
}

Status RunMatch(const MatchFlags& flags) {
  CUSTODY_ASSIGN_OR_RETURN(auto custody, OpenVault(true));
  const bool json = Globals().json;
  core::MatchOptions options;
  options.dumps = flags.dumps;
  options.scan.threads = flags.threads;
  options.scan.max_json_depth = flags.max_json_depth;
  options.top = flags.top;
  options.unmatched_sample = flags.show_unmatched;
  // --json: the per-record results go to an unlinked temporary file while the
  // scan runs (bounded memory), and into the one JSON object at the end; on
  // an error, only the error is printed.
  // The stdio buffer outlives the FILE (declared first, destroyed last).
  std::vector<char> results_buffer(json ? 1 << 20 : 0);
  std::unique_ptr<FILE, int (*)(FILE*)> results(json ? std::tmpfile() : nullptr, &std::fclose);
  if (json && !results) return InternalError("match: cannot create a temporary file for results");
  if (json) std::setvbuf(results.get(), results_buffer.data(), _IOFBF, results_buffer.size());
  uint64_t results_bytes = 0;
  if (json) {
    // Each result is written on the worker that matched it, followed by a
    // comma (the last one is left out when the array is copied below).
    options.render = [](const core::DumpRecordMatch& r, std::string* out) {
      thread_local core::ResultJsonWriter writer;
      writer.Append(r, out);
      out->push_back(',');
    };
    options.on_rendered = [&](std::string_view text) -> Status {
      if (std::fwrite(text.data(), 1, text.size(), results.get()) != text.size()) {
        return InternalError("match: writing the temporary results file failed");
      }
      results_bytes += text.size();
      return OkStatus();
    };
  } else if (flags.list) {
    options.on_record = [](const core::DumpRecordMatch& r) -> Status {
      if (!r.match) return OkStatus();
      std::cout << "  " << r.source << ":" << r.line << "  record " << r.match->record_id << "  "
                << r.version->dataset << "@v" << r.version->version << "  "
                << KindLabel(r.match->kind, r.match->similarity) << "  " << Similarity(r.match->similarity)
                << (r.unverified ? "  unverified (dataset shredded)" : "") << "\n";
      return OkStatus();
    };
  }
  std::unique_ptr<Progress> progress;
  if (ShowProgress()) {
    progress = std::make_unique<Progress>("match");
    options.scan.progress = [&](const core::ScanProgress& p) {
      progress->Update(p.bytes, p.records, p.total_bytes);
    };
  }
  CUSTODY_ASSIGN_OR_RETURN(core::MatchSummary s, core::MatchDumps(*custody, options));
  if (progress) progress->Done();

  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : s.scan.problems) {
    bad.push_back({{"source", b.source},
                   {"line", b.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(b.line)},
                   {"error", b.error}});
  }
  if (!s.verification_error.ok()) {
    // Some candidates were decided on their sketch alone.
    std::cerr << "warning: exact verification unavailable for some candidates: "
              << s.verification_error.message() << "\n";
  }
  if (json) {
    nlohmann::json best = nlohmann::json::array();
    for (const auto& b : s.best) {
      best.push_back({{"source", b.where}, {"record_id", b.record_id}, {"dataset", b.dataset},
                      {"version", b.version}, {"kind", sketch::MatchKindName(b.kind)},
                      {"similarity", b.similarity}, {"verified", !b.unverified}});
    }
    nlohmann::json out = {{"dump_records", s.scan.dump_records},
                          {"matched", s.matched},
                          {"unmatched", s.unmatched()},
                          {"unverified", s.unverified},
                          {"distinct_records", s.distinct_records},
                          {"by_dataset", s.by_dataset},
                          {"by_kind", s.by_kind},
                          {"top", best},
                          {"skipped", s.scan.skipped},
                          {"bad_records", bad},
                          {"empty_dumps", s.scan.empty_dumps},
                          {"threads", s.threads}};
    // The object without its closing brace, then the streamed results.
    std::string head = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    head.pop_back();
    std::cout << head << ",\"results\":[";
    std::rewind(results.get());
    char buf[1 << 16];
    uint64_t left = results_bytes > 0 ? results_bytes - 1 : 0;  // without the last comma
    while (left > 0) {
      const size_t n = std::fread(buf, 1, std::min<uint64_t>(sizeof(buf), left), results.get());
      if (n == 0) return InternalError("match: reading the temporary results file failed");
      std::cout.write(buf, static_cast<std::streamsize>(n));
      left -= n;
    }
    std::cout << "]}" << std::endl;
    return OkStatus();
  }
  std::cout << Counted(s.scan.dump_records, "dump record") << ", " << WithThousands(s.matched)
            << " matched (" << Counted(s.distinct_records, "distinct vault record") << "), "
            << WithThousands(s.unmatched()) << " unmatched\n";
  for (const auto& [name, n] : s.by_dataset) std::cout << "  " << name << ": " << WithThousands(n) << "\n";
  for (const auto& [kind, n] : s.by_kind) std::cout << "  kind " << kind << ": " << WithThousands(n) << "\n";
  if (s.unverified > 0) {
    std::cout << "  " << s.unverified
              << " unverified sketch matches (their dataset was shredded: similarity estimated)\n";
  }
  if (!flags.list && !s.best.empty()) {
    std::cout << "best matches (" << s.best.size() << " of " << s.matched
              << (s.best.size() < s.matched ? "; --list shows all, --top N more" : "") << "):\n";
    for (const auto& b : s.best) {
      std::cout << "  " << b.where << "  record " << b.record_id << "  " << b.dataset << "@v"
                << b.version << "  " << KindLabel(b.kind, b.similarity) << "  "
                << Similarity(b.similarity) << (b.unverified ? "  unverified (dataset shredded)" : "")
                << "\n";
    }
  }
  for (const auto& u : s.unmatched_sample) std::cout << "  unmatched " << u << "\n";
  if (s.unmatched() > s.unmatched_sample.size()) {
    std::cout << "  ... and " << s.unmatched() - s.unmatched_sample.size()
              << " more unmatched (see --json)\n";
  }
  if (s.scan.skipped > 0) {
    std::cout << s.scan.skipped << " unreadable records skipped (invalid UTF-8, binary or malformed):\n";
  }
  for (const auto& b : s.scan.problems) {
    std::cout << "  " << b.source;
    if (b.line > 0) std::cout << ":" << b.line;
    std::cout << ": " << b.error << "\n";
  }
  for (const auto& e : s.scan.empty_dumps) std::cout << e << ": empty dump (no records)\n";
  return OkStatus();
}

void RegisterMatchCommands(CLI::App& app) {
  auto flags = std::make_shared<MatchFlags>();
  auto* sub = app.add_subcommand("match", "find which vault records a leaked dump contains");
  sub->add_option("dumps", flags->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst)")
      ->required();
  sub->add_option("--show-unmatched", flags->show_unmatched,
                  "unmatched dump records listed in the summary");
  sub->add_option("--top", flags->top, "best matches listed in the summary")->default_val(20);
  sub->add_flag("--list", flags->list, "list every matched dump record, in dump order");
  sub->add_option("--threads", flags->threads, "worker threads (default: one per core)")
      ->default_val(0);
  sub->add_option("--max-json-depth", flags->max_json_depth,
                  "a dump record nested deeper is unreadable (default 512, at most 1024)");
  SetAction(sub, [flags] { return RunMatch(*flags); });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterMatchCommands);
}  // namespace custody::cli
