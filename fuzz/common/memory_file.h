// MemorySequentialFile: a SequentialFile over bytes the caller keeps alive,
// returning short reads of varying size so readers' refill paths run.
// Thread-safety: one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "custody/base/env.h"

namespace custody::fuzz {

class ShortReadFile final : public SequentialFile {
 public:
  // `stride` 0 returns whole reads; otherwise reads return at most
  // stride + (position % 13) bytes.
  ShortReadFile(std::string_view data, size_t stride) : data_(data), stride_(stride) {}
  Result<size_t> Read(size_t n, char* scratch) override {
    size_t k = std::min(n, data_.size() - pos_);
    if (stride_ != 0) k = std::min(k, stride_ + pos_ % 13);
    if (k > 0) std::memcpy(scratch, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t stride_;
  size_t pos_ = 0;
};

}  // namespace custody::fuzz
