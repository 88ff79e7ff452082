#include "custody/ledger/log_format.h"

#include <cstdio>
#include <vector>

namespace custody::ledger {

std::string TileIndexPath(uint64_t n) {
  std::vector<unsigned> groups;
  do {
    groups.push_back(static_cast<unsigned>(n % 1000));
    n /= 1000;
  } while (n > 0);
  std::string out;
  char buf[8];
  for (size_t i = groups.size(); i-- > 0;) {
    std::snprintf(buf, sizeof(buf), i > 0 ? "x%03u/" : "%03u", groups[i]);
    out += buf;
  }
  return out;
}

static std::string PartialSuffix(uint64_t width) {
  return width == kTileWidth ? std::string() : ".p/" + std::to_string(width);
}

std::string HashTilePath(unsigned level, uint64_t index, uint64_t width) {
  return "tile/" + std::to_string(level) + "/" + TileIndexPath(index) + PartialSuffix(width);
}

std::string EntryBundlePath(uint64_t index, uint64_t width) {
  return "tile/entries/" + TileIndexPath(index) + PartialSuffix(width);
}

}  // namespace custody::ledger
