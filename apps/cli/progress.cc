#include "apps/cli/progress.h"

#include <cstdio>

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
    std::fprintf(stderr, "\r%s: %.1f%% (%.1f MB, %llu records, %.1f MB/s)   ", what_.c_str(),
                 100.0 * static_cast<double>(bytes) / static_cast<double>(total), mb,
                 static_cast<unsigned long long>(count), secs > 0 ? mb / secs : 0.0);
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
