// One opened sketch index file: the parsed and validated view of its
// sections over a memory mapping or an in-memory buffer
// (docs/formats/index.md). Private to the sketch module.
// Thread-safety: immutable after ParseIndex; safe for concurrent reads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/sketch/internal/key_table.h"
#include "custody/sketch/sketch_params.h"

namespace custody::sketch::internal {

struct IndexFile {
  std::string name;
  std::unique_ptr<MappedFile> mapping;  // or
  std::string owned;                    // in-memory contents
  SketchParams params;
  uint64_t n = 0;
  uint64_t id_base = 0;
  const uint64_t* ids = nullptr;  // null when contiguous
  const uint16_t* counts = nullptr;
  const uint8_t* sigs = nullptr;
  const uint8_t* filled = nullptr;
  const uint32_t* key_lo = nullptr;  // low halves of record keys (format 3; else null)
  std::string_view label;
  KeyTableView exact;
  KeyTableView anchors;
  KeyBuckets exact_buckets;  // summaries the views point into
  KeyBuckets anchor_buckets;

  uint64_t RecordId(uint32_t ord) const { return ids ? ids[ord] : id_base + ord; }
};

// Validates `data` as an index file built with the key whose check value is
// `key_check` and fills `f`'s views (which point into `data`), using up to
// `threads` threads (2 at most help). kDataLoss naming f->name for any
// corruption; kUnauthenticated for another key.
Status ParseIndex(IndexFile* f, std::span<const std::byte> data, uint64_t key_check,
                  size_t threads = 1);

}  // namespace custody::sketch::internal
