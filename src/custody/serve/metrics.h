// Metrics of `custody serve` in the Prometheus text exposition format
// (version 0.0.4), written by hand: requests by route and status code, a
// request latency histogram, tasks served, commit batches, limit alerts and
// the custody log's size.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace custody::serve {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 11> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5};

  void CountRequest(const std::string& route, int status, double millis);
  void CountTask();
  void CountAlert();
  // The exposition text; `tasks_committed`, `batches` from the batcher.
  std::string Render(uint64_t tasks_committed, uint64_t batches, uint64_t log_size) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::array<uint64_t, kBuckets.size()> buckets_{};  // not cumulative
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  uint64_t tasks_ = 0;
  uint64_t alerts_ = 0;
};

}  // namespace custody::serve
