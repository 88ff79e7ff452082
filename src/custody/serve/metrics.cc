#include "custody/serve/metrics.h"

#include <cstdio>

namespace custody::serve {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// A label value with \, " and newline escaped.
std::string Label(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

void Metrics::CountRequest(const std::string& route, int status, double millis) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  const double s = millis / 1000.0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (s <= kBuckets[i]) {
      ++buckets_[i];
      break;
    }
  }
  ++latency_count_;
  latency_sum_ += s;
}

void Metrics::CountTask() {
  std::lock_guard<std::mutex> lock(mu_);
  ++tasks_;
}

void Metrics::CountAlert() {
  std::lock_guard<std::mutex> lock(mu_);
  ++alerts_;
}

std::string Metrics::Render(uint64_t tasks_committed, uint64_t batches, uint64_t log_size) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string o;
  o += "# HELP custody_http_requests_total HTTP requests by route and status code.\n";
  o += "# TYPE custody_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    o += "custody_http_requests_total{route=\"" + Label(key.first) + "\",code=\"" +
         std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  o += "# HELP custody_http_request_duration_seconds Time from request to response.\n";
  o += "# TYPE custody_http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i];
    o += "custody_http_request_duration_seconds_bucket{le=\"" + Number(kBuckets[i]) + "\"} " +
         std::to_string(cumulative) + "\n";
  }
  o += "custody_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) + "\n";
  o += "custody_http_request_duration_seconds_sum " + Number(latency_sum_) + "\n";
  o += "custody_http_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  o += "# HELP custody_tasks_served_total Tasks served (durable before the response).\n";
  o += "# TYPE custody_tasks_served_total counter\n";
  o += "custody_tasks_served_total " + std::to_string(tasks_committed) + "\n";
  o += "# HELP custody_task_batches_total Group commits of tasks.\n";
  o += "# TYPE custody_task_batches_total counter\n";
  o += "custody_task_batches_total " + std::to_string(batches) + "\n";
  o += "# HELP custody_alerts_total Requests refused by a limit.\n";
  o += "# TYPE custody_alerts_total counter\n";
  o += "custody_alerts_total " + std::to_string(alerts_) + "\n";
  o += "# HELP custody_log_entries Entries in the custody log.\n";
  o += "# TYPE custody_log_entries gauge\n";
  o += "custody_log_entries " + std::to_string(log_size) + "\n";
  return o;
}

}  // namespace custody::serve
