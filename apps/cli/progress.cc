#include "apps/cli/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "apps/cli/cli.h"

namespace custody::cli {

Progress::Progress(std::string what)
    : what_(std::move(what)), enabled_(ShowProgress()),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() { Done(); }

void Progress::Update(uint64_t bytes, uint64_t count, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double mb = static_cast<double>(bytes) / 1e6;
  if (total > 0) {
    const double share = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total));
    // Time left at the average rate so far (unknown until something is done).
    char eta[32] = "--:--";
    if (share > 0 && secs >= 1) {
      const long left = std::lround(secs * (1 - share) / share);
      std::snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
    }
    const int width = 24;
    const int filled = static_cast<int>(share * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %.1f%%  %llu records  %.1f MB/s  ETA %s   ", what_.c_str(),
                 bar.c_str(), 100.0 * share, static_cast<unsigned long long>(count),
                 secs > 0 ? mb / secs : 0.0, eta);
  } else {
    std::fprintf(stderr, "\r%s: %.1f MB, %llu records   ", what_.c_str(), mb,
                 static_cast<unsigned long long>(count));
  }
  shown_ = true;
}

void Progress::Done() {
  if (shown_) std::fprintf(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace custody::cli
