#include "custody/core/vault/record_set.h"

#include <roaring/roaring.h>

#include <utility>

#include "custody/crypto/crypto.h"

namespace custody::core {

RecordSet::RecordSet() : bitmap_(roaring_bitmap_create()) {}
RecordSet::~RecordSet() {
  if (bitmap_) roaring_bitmap_free(bitmap_);
}
RecordSet::RecordSet(const RecordSet& other) : bitmap_(roaring_bitmap_copy(other.bitmap_)) {}
RecordSet& RecordSet::operator=(const RecordSet& other) {
  if (this != &other) {
    roaring_bitmap_t* copy = roaring_bitmap_copy(other.bitmap_);
    roaring_bitmap_free(bitmap_);
    bitmap_ = copy;
  }
  return *this;
}
RecordSet::RecordSet(RecordSet&& other) noexcept : bitmap_(roaring_bitmap_create()) {
  std::swap(bitmap_, other.bitmap_);
}
RecordSet& RecordSet::operator=(RecordSet&& other) noexcept {
  std::swap(bitmap_, other.bitmap_);
  return *this;
}

Status RecordSet::Add(uint64_t record_id) {
  if (record_id > UINT32_MAX) {
    return OutOfRangeError("record id " + std::to_string(record_id) +
                           " does not fit a 32-bit exposure bitmap");
  }
  roaring_bitmap_add(bitmap_, static_cast<uint32_t>(record_id));
  return OkStatus();
}

bool RecordSet::Contains(uint64_t record_id) const {
  return record_id <= UINT32_MAX && roaring_bitmap_contains(bitmap_, static_cast<uint32_t>(record_id));
}

uint64_t RecordSet::Cardinality() const { return roaring_bitmap_get_cardinality(bitmap_); }

void RecordSet::UnionWith(const RecordSet& other) { roaring_bitmap_or_inplace(bitmap_, other.bitmap_); }

std::vector<uint64_t> RecordSet::ToVector() const {
  std::vector<uint32_t> ids(Cardinality());
  roaring_bitmap_to_uint32_array(bitmap_, ids.data());
  return std::vector<uint64_t>(ids.begin(), ids.end());
}

std::string RecordSet::Serialize() const {
  roaring_bitmap_t* copy = roaring_bitmap_copy(bitmap_);
  roaring_bitmap_run_optimize(copy);
  std::string out(roaring_bitmap_portable_size_in_bytes(copy), '\0');
  size_t n = roaring_bitmap_portable_serialize(copy, out.data());
  out.resize(n);
  roaring_bitmap_free(copy);
  return out;
}

Result<RecordSet> RecordSet::Deserialize(std::string_view bytes) {
  size_t need = roaring_bitmap_portable_deserialize_size(bytes.data(), bytes.size());
  if (need == 0 || need != bytes.size()) {
    return DataLossError("record bitmap: expected a portable roaring bitmap of " +
                         std::to_string(bytes.size()) + " bytes, found " +
                         (need == 0 ? std::string("an invalid one") :
                                      "one of " + std::to_string(need) + " bytes"));
  }
  roaring_bitmap_t* b = roaring_bitmap_portable_deserialize_safe(bytes.data(), bytes.size());
  if (b == nullptr) return DataLossError("record bitmap: invalid portable roaring bitmap");
  RecordSet s;
  roaring_bitmap_free(s.bitmap_);
  s.bitmap_ = b;
  return s;
}

std::string RecordSet::HashHex() const { return crypto::DigestHex(crypto::Sha256(Serialize())); }

bool RecordSet::operator==(const RecordSet& other) const {
  return roaring_bitmap_equals(bitmap_, other.bitmap_);
}

}  // namespace custody::core
