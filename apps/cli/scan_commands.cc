// `custody scan DUMP... --out FILE`: custody match for dumps too large for
// one sitting: every matched dump record as one JSON line in FILE, a
// progress bar, and a checkpoint (--checkpoint) from which a stopped scan
// resumes. A thin shell over core::ScanDumps (docs/matching.md, "custody scan").
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "apps/cli/cli.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/base/count_format.h"
#include "custody/core/match/scan_dumps.h"

namespace custody::cli {
namespace {

struct ScanFlags {
  std::vector<std::string> dumps;
  std::string out;
  std::string checkpoint;
  uint64_t checkpoint_records = 100000;
  size_t threads = 0;
  size_t max_json_depth = format::kMaxJsonDepth;
};

Status RunScan(const ScanFlags& flags) {
  CUSTODY_ASSIGN_OR_RETURN(auto custody, OpenVault(true));
  core::ScanDumpsOptions options;
  options.match.dumps = flags.dumps;
  options.match.scan.threads = flags.threads;
  options.match.scan.max_json_depth = flags.max_json_depth;
  options.out = flags.out;
  options.checkpoint = flags.checkpoint;
  options.checkpoint_records = flags.checkpoint_records;
  std::unique_ptr<Progress> progress;
  if (ShowProgress()) {
    progress = std::make_unique<Progress>("scan");
    options.match.scan.progress = [&](const core::ScanProgress& p) {
      progress->Update(p.bytes, p.records, p.total_bytes);
    };
  }
  CUSTODY_ASSIGN_OR_RETURN(core::ScanDumpsResult r, core::ScanDumps(*custody, options));
  if (progress) progress->Done();
  const core::MatchSummary& s = r.summary;
  if (!s.verification_error.ok()) {
    std::cerr << "warning: exact verification unavailable for some candidates: "
              << s.verification_error.message() << "\n";
  }
  if (Globals().json) {
    PrintJson({{"dump_records", s.scan.dump_records},
               {"matched", r.matched},
               {"resumed_from", r.resumed_from},
               {"checkpoints", r.checkpoints},
               {"skipped", s.scan.skipped},
               {"empty_dumps", s.scan.empty_dumps},
               {"threads", s.threads},
               {"out", flags.out}});
    return OkStatus();
  }
  std::cout << Counted(s.scan.dump_records, "dump record") << ", " << WithThousands(r.matched)
            << " matched; results in " << flags.out << "\n";
  if (r.resumed_from > 0) {
    std::cout << "  resumed after " << Counted(r.resumed_from, "record") << " (checkpoint)\n";
  }
  if (s.scan.skipped > 0) std::cout << "  " << s.scan.skipped << " unreadable records skipped\n";
  for (const auto& e : s.scan.empty_dumps) std::cout << e << ": empty dump (no records)\n";
  return OkStatus();
}

void RegisterScanCommands(CLI::App& app) {
  auto flags = std::make_shared<ScanFlags>();
  auto* sub = app.add_subcommand(
      "scan", "match dumps larger than memory into a results file, resumable from a checkpoint");
  sub->add_option("dumps", flags->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst)")
      ->required();
  sub->add_option("--out", flags->out, "results file: one JSON line per matched dump record")
      ->required();
  sub->add_option("--checkpoint", flags->checkpoint,
                  "checkpoint file: written as the scan goes, resumed from if present");
  sub->add_option("--checkpoint-records", flags->checkpoint_records,
                  "records read between checkpoints (default 100000)");
  sub->add_option("--threads", flags->threads, "worker threads (default: one per core)")
      ->default_val(0);
  sub->add_option("--max-json-depth", flags->max_json_depth,
                  "a dump record nested deeper is unreadable (default 512, at most 1024)");
  SetAction(sub, [flags] { return RunScan(*flags); });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterScanCommands);
}  // namespace custody::cli
