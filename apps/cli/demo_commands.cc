// `custody demo --out DIR [--data FILE.jsonl]`: the end-to-end demonstration.
#include <iostream>

#include "apps/cli/cli.h"
#include "custody/core/demo/demo.h"

namespace custody::cli {
namespace {

void RegisterDemoCommands(CLI::App& app) {
  auto* sub = app.add_subcommand("demo", "run the end-to-end demonstration on a fresh vault");
  auto o = std::make_shared<core::DemoOptions>();
  o->out_dir = "demo-out";
  sub->add_option("--out", o->out_dir, "output directory (default demo-out)");
  sub->add_option("--data", o->data, "a JSONL file to use instead of a generated corpus");
  sub->add_option("--records", o->records, "records in the generated corpus (default 6000)");
  sub->add_option("--seed", o->seed, "seed of the generated corpus");
  SetAction(sub, [o]() -> Status { return core::RunDemo(*o, std::cout); });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterDemoCommands);
}  // namespace custody::cli
