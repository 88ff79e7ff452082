// ContentIdSet: a set of record content ids (record_fields.h) for exact
// duplicate checks over a whole dataset, keyed by the ids' first 128 bits (a
// collision needs ~2^64 records). Open addressing with linear probing over
// one flat array: no allocation per record.
// Thread-safety: a value; not for concurrent use.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace custody::core {

class ContentIdSet {
 public:
  // Returns true if `cid` (at least 16 bytes; content ids are 32) was not in
  // the set, and inserts it.
  bool Insert(std::string_view cid) {
    Key k;
    std::memcpy(&k.a, cid.data(), 8);
    std::memcpy(&k.b, cid.data() + 8, 8);
    if (k.a == 0 && k.b == 0) k.b = 1;  // (0, 0) marks an empty slot
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    return Place(k);
  }

  size_t size() const { return size_; }

 private:
  struct Key {
    uint64_t a = 0, b = 0;
  };
  bool Place(const Key& k) {
    size_t mask = slots_.size() - 1;
    for (size_t i = k.a & mask;; i = (i + 1) & mask) {
      Key& s = slots_[i];
      if (s.a == 0 && s.b == 0) {
        s = k;
        ++size_;
        return true;
      }
      if (s.a == k.a && s.b == k.b) return false;
    }
  }
  void Grow() {
    std::vector<Key> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Key{});
    size_ = 0;
    for (const Key& k : old) {
      if (k.a != 0 || k.b != 0) Place(k);
    }
  }
  std::vector<Key> slots_;
  size_t size_ = 0;
};

}  // namespace custody::core
