// Canary records: per-member records that look like the rest of a release
// and name their holder if they ever turn up in a dump.
//
// A canary is built from a real record the member was not given (the caller
// chooses it) by keyed substitutions of entities: given names (same gender,
// so pronouns still fit) and interchangeable nouns (fruits, vegetables,
// flowers; same vowel-initial class, so "a"/"an" still fit). Numbers and
// every other byte stay as they were. For a fixed source and canary index the
// substitution tuple is (base + member_id) mod S in the mixed-radix space of
// candidate replacements (size S), with a keyed base, so two members whose
// ids differ by less than S always get different canaries of the same source,
// and a canary never equals its source. docs/marks.md ("Canaries") has the
// false-match analysis. The caller stores each canary (fields and
// substitutions) in the catalog with its owner and marks it like any record.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/mark/mark.h"

namespace custody::mark {

inline constexpr double kDefaultCanaryRate = 0.01;
// A source whose substitution space has fewer tuples than this makes no
// canary: one in at least 100 is the weakest false-match bound accepted.
inline constexpr uint64_t kMinCanarySpace = 100;

struct Substitution {
  std::string from;  // lower case, e.g. "natalia"
  std::string to;    // lower case, e.g. "priya"
};

struct Canary {
  std::vector<std::string> values;  // one per source field, same order
  std::vector<Substitution> substitutions;
  // Probability that a different member's canary of the same source, drawn
  // uniformly from the substitution space, carries exactly these
  // substitutions: 1/S.
  double false_match_probability = 1.0;
};

// Number of canaries for a release of `release_size` records at `rate`
// (share of the release): 0 if rate <= 0 or release_size == 0, else
// max(1, round(release_size * rate)).
size_t CanaryCount(size_t release_size, double rate = kDefaultCanaryRate);

// Thread-safety: immutable after Create; const methods are thread-safe.
class CanaryMaker {
 public:
  // `mark_key`: the vault's "mark" key (16..64 bytes), else kInvalidArgument.
  static Result<CanaryMaker> Create(const crypto::SecretBytes& mark_key);

  CanaryMaker(CanaryMaker&&) noexcept = default;
  CanaryMaker& operator=(CanaryMaker&&) noexcept = default;

  // Builds `member_id`'s canary number `canary_index` from `source`. Returns
  // nullopt when the source's substitution space is smaller than
  // kMinCanarySpace (too few names or nouns; the caller picks another source). Deterministic for fixed key and arguments.
  std::optional<Canary> Make(std::span<const TextField> source, MemberId member,
                             uint64_t canary_index) const;

 private:
  explicit CanaryMaker(crypto::SecretBytes key) : key_(std::move(key)) {}
  crypto::SecretBytes key_;
};

struct CanaryMatch {
  uint32_t present = 0;       // substitutions whose replacement word is in the dump
  uint32_t total = 0;         // substitutions of the canary
  bool originals_absent = false;  // no replaced word of the source is in the dump
  bool is_match = false;      // every replacement present and no original
};

// Tells whether a dump record (raw or normalized) is the canary with these
// substitutions: every replacement word present as a whole word and no
// original word present (case-insensitive).
CanaryMatch CanaryEvidence(std::span<const Substitution> substitutions,
                           std::span<const std::string_view> dump_fields);

}  // namespace custody::mark
