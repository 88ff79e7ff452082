// The end-to-end demonstration behind `make demo` and `custody demo`: a fresh
// embedded vault, a generated corpus (or a given JSONL file), three partners
// with two members each, fingerprinted releases, a simulated leak by one
// member and one by two colluding members, each traced to its source, with
// JSON and HTML reports written to the output directory.
#pragma once

#include <ostream>
#include <string>

#include "custody/base/status.h"

namespace custody::core {

struct DemoOptions {
  std::string out_dir;      // everything is written here (vault, keys, releases, dumps, reports)
  std::string data;         // a JSONL file to use instead of a generated corpus
  uint64_t records = 6000;  // generated corpus size
  uint64_t seed = 2026;
};

// Runs the demonstration, narrating to `out`. Refuses an `out_dir` that holds
// anything but an earlier demo's output.
Status RunDemo(const DemoOptions& options, std::ostream& out);

}  // namespace custody::core
