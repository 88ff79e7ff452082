// Seed corpora made with the real code: a target that defines
// LLVMFuzzerInitialize calls WriteSeedsIfAsked, and when the environment
// variable CUSTODY_FUZZ_WRITE_SEEDS names a directory, the seeds are written
// there (seed-00, seed-01, ...) and the process exits instead of fuzzing.
//   CUSTODY_FUZZ_WRITE_SEEDS=fuzz/sketch/corpus/fuzz_index build-fuzz/fuzz/sketch/fuzz_index
// Thread-safety: call once, before fuzzing.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace custody::fuzz {

inline void WriteSeedsIfAsked(const std::function<std::vector<std::string>()>& make) {
  const char* dir = std::getenv("CUSTODY_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0') return;
  const std::vector<std::string> seeds = make();
  for (size_t i = 0; i < seeds.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/seed-%02zu", i);
    const std::string path = std::string(dir) + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(seeds[i].data(), 1, seeds[i].size(), f) != seeds[i].size() ||
        std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
  }
  std::fprintf(stderr, "wrote %zu seeds to %s\n", seeds.size(), dir);
  std::exit(0);
}

}  // namespace custody::fuzz
