// A one-line progress display on stderr for long work (only on a terminal,
// never with --json or --quiet), throttled to a few updates per second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace custody::cli {

class Progress {
 public:
  explicit Progress(std::string what);
  ~Progress();
  // Shows "what: <bytes> MB, <count> records"; with total_bytes > 0, a bar,
  // the percentage done and the estimated time left.
  void Update(uint64_t bytes, uint64_t count, uint64_t total_bytes = 0);
  void Done();

 private:
  std::string what_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace custody::cli
