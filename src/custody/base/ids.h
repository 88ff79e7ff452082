// Typed ids: every kind of row custody keeps (record, dataset, version,
// partner, member, grant, release, canary, incident) has its own id type, so
// handing a member id to a call that wants a record id is a compile error,
// not a wrong answer. An id is a plain integer underneath, as cheap to copy
// and hash as one; value() is the one way out, used where it is stored or
// printed.
//
// On disk every catalog id is a SQLite INTEGER (64-bit signed); record ids are
// the vault's 64-bit unsigned ids (docs/formats/segments.md). 0 means "none":
// no row has id 0.
// Thread-safety: values; pure functions.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace custody {

template <typename Tag, typename Rep>
class Id {
 public:
  using rep_type = Rep;
  constexpr Id() = default;
  constexpr explicit Id(Rep value) : value_(value) {}

  // The integer underneath (what is stored in the catalog and the log).
  constexpr Rep value() const { return value_; }
  // True unless this is the "none" id 0.
  constexpr bool valid() const { return value_ != 0; }
  constexpr explicit operator bool() const { return valid(); }

  friend constexpr bool operator==(Id a, Id b) = default;
  friend constexpr auto operator<=>(Id a, Id b) = default;

 private:
  Rep value_ = 0;
};

// Decimal text of an id ("42"); raw integer ids (the sketch and match
// layers' record ids) print the same way.
template <typename Tag, typename Rep>
std::string ToString(Id<Tag, Rep> id) {
  return std::to_string(id.value());
}
template <std::integral T>
std::string ToString(T id) {
  return std::to_string(id);
}

template <typename Tag, typename Rep>
std::ostream& operator<<(std::ostream& os, Id<Tag, Rep> id) {
  return os << id.value();
}

// JSON (nlohmann::json, found by argument-dependent lookup): an id is its
// integer, so events and reports keep their shape.
template <typename Json, typename Tag, typename Rep>
void to_json(Json& j, Id<Tag, Rep> id) {
  j = id.value();
}

using RecordId = Id<struct RecordIdTag, uint64_t>;
using DatasetId = Id<struct DatasetIdTag, int64_t>;
using VersionId = Id<struct VersionIdTag, int64_t>;
using PartnerId = Id<struct PartnerIdTag, int64_t>;
using MemberId = Id<struct MemberIdTag, int64_t>;
using GrantId = Id<struct GrantIdTag, int64_t>;
using ReleaseId = Id<struct ReleaseIdTag, int64_t>;
using CanaryId = Id<struct CanaryIdTag, int64_t>;
using IncidentId = Id<struct IncidentIdTag, int64_t>;
using TokenId = Id<struct TokenIdTag, int64_t>;
using TaskResultId = Id<struct TaskResultIdTag, int64_t>;

}  // namespace custody

template <typename Tag, typename Rep>
struct std::hash<custody::Id<Tag, Rep>> {
  size_t operator()(custody::Id<Tag, Rep> id) const noexcept { return std::hash<Rep>()(id.value()); }
};
