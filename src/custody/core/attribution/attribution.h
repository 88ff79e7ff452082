// The verdict of a trace: combines each member's independent evidence
// (exposure, canaries, variant marks) with Fisher's method, corrects for the
// number of members tested (Bonferroni) and accuses only below alpha.
//
// Missing evidence is omitted, never counted as p = 1, and every omission is
// decided by facts that do not depend on the member's guilt or innocence, so
// the combined p-value stays a valid (super-uniform) p-value:
//  - exposure and marks are omitted when their null distribution is
//    degenerate (no readable slot; an exposure shared by everyone, an
//    identical set, no leaked record in scope), which is known before looking
//    at the member's statistic;
//  - canaries are rare events, so they get their own share `canary_weight` of
//    the false-accusation budget: combined = min(F / (1 - w), F' / w) where F
//    is Fisher over exposure and marks and F' Fisher over all three kinds. A
//    member with no canary found pays only the factor 1 / (1 - w).
// docs/trace.md gives the formulas and the reasoning.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/attribution/exposure.h"
#include "custody/core/attribution/tardos.h"

namespace custody::core::attribution {

// Canary evidence for one member.
struct CanaryEvidence {
  uint64_t deployed = 0;  // canaries this member received (0: kind absent)
  uint64_t found = 0;     // of those, found in the dump
  // Chance that one given canary matches the dump by accident (the canary
  // check's documented false-match probability).
  double false_match_probability = 1e-9;
};

struct CanaryResult {
  bool informative = false;  // some canary of this member was found
  uint64_t deployed = 0;
  uint64_t found = 0;
  double log10_p = 0;  // P(Binomial(deployed, false_match) >= found)
};

// Returns the canary p-value. Errors: kInvalidArgument when found > deployed
// or the false-match probability is not in [0, 1].
Result<CanaryResult> EvaluateCanaries(const CanaryEvidence& evidence);

// Everything known about one member, evidence already evaluated. A kind that
// was not examined at all is std::nullopt (for instance marks when the dump has
// no record with slots); the result of an examination that found the kind
// silent is passed as is and omitted by the combination.
struct MemberEvidence {
  MemberId member_id;
  PartnerId partner_id;
  std::optional<ExposureResult> exposure;
  std::optional<TardosResult> marks;
  std::optional<CanaryResult> canaries;
};

struct AttributionOptions {
  double alpha = 1e-6;          // false-accusation bound after correction
  double canary_weight = 0.5;   // share of alpha spent on the canary branch
};

struct MemberVerdict {
  MemberId member_id;
  PartnerId partner_id;
  MemberEvidence evidence;
  int kinds_used = 0;          // informative kinds in the combination
  double log10_combined = 0;   // combined p-value, before correction
  double log10_corrected = 0;  // after Bonferroni over members tested
  bool accused = false;
};

struct AttributionReport {
  std::vector<MemberVerdict> members;  // in input order
  uint64_t members_tested = 0;
  double alpha = 0;
  bool decided = false;          // some member accused
  bool has_information = false;  // some member has an informative kind
  std::string undecidable_reason;  // set when no kind is informative for anyone
};

// log10 of Fisher's combination of the given log10 p-values:
// P(chi^2_{2k} >= -2 sum ln p_i), exactly. Empty input gives 0 (p = 1).
double Log10Fisher(std::span<const double> log10_ps);

// The combined (uncorrected) log10 p-value of one member, and how many kinds
// it used.
double Log10Combined(const MemberEvidence& e, const AttributionOptions& options,
                     int* kinds_used);

// Scores every member and decides. Errors: kInvalidArgument when alpha or
// canary_weight is not in (0, 1).
Result<AttributionReport> Attribute(std::span<const MemberEvidence> members,
                                    const AttributionOptions& options = {});

}  // namespace custody::core::attribution
