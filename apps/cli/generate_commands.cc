// `custody generate`: writes a deterministic synthetic instruction-style
// corpus (JSONL; gzip/zstd by extension) for demos, benchmarks and tests.
#include <iostream>

#include "apps/cli/cli.h"
#include "custody/base/env.h"
#include "custody/format/corpus_generator.h"

namespace custody::cli {
namespace {

void RegisterGenerateCommands(CLI::App& app) {
  struct Options {
    uint64_t records = 1000;
    uint64_t seed = 1;
    std::string out;
  };
  auto opts = std::make_shared<Options>();  // shared with the callback, which outlives this scope
  auto* sub = app.add_subcommand("generate", "write a synthetic instruction-style JSONL corpus");
  sub->add_option("--records", opts->records, "number of records")->default_val(1000);
  sub->add_option("--seed", opts->seed, "seed; the same seed always gives the same records")
      ->default_val(1);
  sub->add_option("--out", opts->out, "output file (.gz or .zst to compress)")->required();
  SetAction(sub, [opts] {
    auto bytes = format::GenerateCorpusFile(Env::Default(), opts->out, opts->records, opts->seed);
    if (!bytes.ok()) return bytes.status();
    if (Globals().json) {
      PrintJson({{"records", opts->records}, {"bytes", *bytes}, {"out", opts->out}});
    } else if (!Globals().quiet) {
      std::cout << "wrote " << opts->records << " records (" << *bytes << " bytes) to " << opts->out
                << "\n";
    }
    return OkStatus();
  });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterGenerateCommands);
}  // namespace custody::cli
