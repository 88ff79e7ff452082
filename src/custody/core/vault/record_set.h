// RecordSet: a set of record ids as a compressed bitmap (CRoaring, 32-bit),
// with the portable serialization used in the catalog (releases.record_bitmap)
// and its SHA-256 committed in release log entries. Record ids are dense
// integers from 1; an id above 2^32-1 is refused (kOutOfRange).
// Thread-safety: a value; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

struct roaring_bitmap_s;

namespace custody::core {

class RecordSet {
 public:
  RecordSet();
  ~RecordSet();
  RecordSet(const RecordSet& other);
  RecordSet& operator=(const RecordSet& other);
  RecordSet(RecordSet&& other) noexcept;
  RecordSet& operator=(RecordSet&& other) noexcept;

  // Adds `record_id`; kOutOfRange if it does not fit in 32 bits.
  Status Add(uint64_t record_id);
  bool Contains(uint64_t record_id) const;
  uint64_t Cardinality() const;
  bool Empty() const { return Cardinality() == 0; }
  // Adds every id of `other`.
  void UnionWith(const RecordSet& other);
  // Ids in increasing order.
  std::vector<uint64_t> ToVector() const;

  // Roaring's portable format (interoperable with other CRoaring
  // implementations), after run-length optimization.
  std::string Serialize() const;
  // kDataLoss if `bytes` is not exactly one valid portable bitmap.
  static Result<RecordSet> Deserialize(std::string_view bytes);
  // Lowercase hex SHA-256 of Serialize(): the commitment logged for a release.
  std::string HashHex() const;

  bool operator==(const RecordSet& other) const;

 private:
  roaring_bitmap_s* bitmap_;
};

}  // namespace custody::core
