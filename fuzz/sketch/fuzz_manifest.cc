// Fuzzes the sketch index manifest parser (sketch/shard_manifest.h,
// ParseManifest). Never crashes; whatever it accepts serializes back to the
// same bytes (the format has one spelling of each manifest).
//
// Input: the manifest file. Seeds (CUSTODY_FUZZ_WRITE_SEEDS,
// common/seeds.h) are manifests of one, two and five shards.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/sketch/shard_manifest.h"
#include "seeds.h"

namespace {

namespace sketch = custody::sketch;

std::vector<std::string> MakeSeeds() {
  std::vector<std::string> seeds;
  for (uint64_t records : {uint64_t{100}, uint64_t{300}, uint64_t{1200}}) {
    sketch::ShardManifest m;
    m.label = "fuzz@v1";
    m.shard_bits = 8;
    m.first_id = 1;
    m.records = records;
    for (const auto& r : sketch::ShardRanges(m.first_id, m.records, m.shard_bits)) {
      m.shards.push_back({r.shard, r.first_id, r.records, 1000 + r.records,
                          std::string(64, 'a'), sketch::ShardFileName("1-v1", r.shard)});
    }
    seeds.push_back(sketch::SerializeManifest(m));
  }
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto m = sketch::ParseManifest(bytes, "fuzz.manifest");
  if (m.ok() && sketch::SerializeManifest(*m) != bytes) std::abort();
  return 0;
}
