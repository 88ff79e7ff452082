// Exposure evidence: how surprising the overlap between a leaked set of
// records and what one member received would be if that member were innocent.
//
// Null for member m: the leak came from other recipients. With grants drawn as
// random samples, m's records among those others held form a uniform subset of
// them, whatever the leakers chose, so |L ∩ R_m| is exactly hypergeometric
// given the others' sets (the "union" alternative). Members whose sets are not
// independent of m's (identical sets, declared links, overlaps far above
// chance) and members who alone hold every leaked record are also tried as the
// source, and the largest p-value is kept. docs/trace.md gives the reasoning.
// Thread-safety: ExposureAnalysis is immutable after Create(); share freely.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "custody/base/status.h"

struct roaring_bitmap_s;

namespace custody::core::attribution {

struct ExposureOptions {
  // Pairs of member indices whose grants are not independent samples (for
  // instance members of one partner sharing a grant). Order does not matter.
  std::vector<std::pair<uint32_t, uint32_t>> links;
  // Two members are also linked when their overlap is this unlikely (log10)
  // for independent samples of a population the size of all records held.
  double auto_link_log10 = -6.0;
};

// Why an exposure test carries no information for a member.
enum class ExposureSilence : uint8_t {
  kNone = 0,          // informative
  kNothingInScope,    // no leaked record is held by any other member
  kIdenticalSet,      // another member received exactly the same records
  kDegenerate,        // every outcome is forced (e.g. everyone holds everything)
};

struct ExposureResult {
  bool informative = false;
  ExposureSilence silence = ExposureSilence::kNothingInScope;
  uint64_t leaked = 0;            // leaked records given (matched to the vault)
  uint64_t leaked_held = 0;       // of those, held by this member
  uint64_t leaked_exclusive = 0;  // held by this member and by nobody else
  double log10_p = 0;             // log10 of the p-value (0 when silent)
  // The alternative source that gave the p-value: -1 for the union of all
  // other members, else the index of that member (a sole or linked source).
  int64_t alternative = -1;
};

class ExposureAnalysis {
 public:
  // `held[m]` lists the record ids member m received (any order, duplicates
  // allowed); `leaked` the record ids matched in the dump.
  // Errors: kInvalidArgument for a link naming a member out of range.
  static Result<ExposureAnalysis> Create(
      std::span<const std::vector<uint64_t>> held,
      std::span<const uint64_t> leaked, const ExposureOptions& options = {});

  ExposureAnalysis(ExposureAnalysis&&) noexcept;
  ExposureAnalysis& operator=(ExposureAnalysis&&) noexcept;
  ~ExposureAnalysis();

  size_t members() const { return sets_.size(); }

  // The exposure test for member `m` (precondition: m < members()).
  ExposureResult ForMember(size_t m) const;

  // The exposure test for a further member holding `held`, tested against all
  // members of the analysis as the possible sources (used to evaluate many
  // candidates against one fixed set of others, as in calibration).
  ExposureResult ForCandidate(std::span<const uint64_t> held) const;

 private:
  struct BitmapDeleter {
    void operator()(roaring_bitmap_s* b) const;
  };
  using Bitmap = std::unique_ptr<roaring_bitmap_s, BitmapDeleter>;

  ExposureAnalysis() = default;

  // p-value with member j as the source of the leaked records it holds.
  double Log10PSource(const roaring_bitmap_s* rm, size_t j) const;

  // The test for a member holding `rm` against others whose union is
  // `others`; `self` is the member's own index (skipped as a source) or -1.
  ExposureResult Evaluate(const roaring_bitmap_s* rm,
                          const roaring_bitmap_s* others, int64_t twin,
                          std::span<const uint32_t> linked, int64_t self) const;

  std::vector<Bitmap> sets_;
  Bitmap leaked_;
  Bitmap held_once_;   // held by at least one member
  Bitmap held_twice_;  // held by at least two members
  std::vector<uint64_t> size_;
  std::vector<std::vector<uint32_t>> linked_;  // per member, sorted
  std::vector<uint32_t> sole_sources_;        // members holding every leaked record
  std::vector<int64_t> twin_;                  // a member with the same set, or -1
  uint64_t population_ = 0;                    // records held by anyone
  double auto_link_log10_ = -6.0;
  std::vector<uint64_t> id_map_;               // rank map for ids >= 2^32
  std::vector<uint64_t> rows_;                 // dense member rows, if small
  uint64_t words_ = 0;                         // words per dense row (0: none)
};

}  // namespace custody::core::attribution
