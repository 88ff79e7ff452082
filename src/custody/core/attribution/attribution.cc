// Combination, correction and decision; see attribution.h and docs/trace.md.
#include "custody/core/attribution/attribution.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "custody/core/attribution/tails.h"

namespace custody::core::attribution {
namespace {

constexpr double kLn10 = 2.302585092994045684;

// Says, kind by kind, why no evidence carries information.
std::string SilenceReason(std::span<const MemberEvidence> members) {
  if (members.empty()) return "no member received data";
  bool any_marks = false, any_canaries = false, any_exposure = false;
  bool identical = false;
  for (const MemberEvidence& e : members) {
    any_marks = any_marks || e.marks.has_value();
    any_canaries = any_canaries || (e.canaries && e.canaries->deployed > 0);
    any_exposure = any_exposure || e.exposure.has_value();
    identical = identical ||
                (e.exposure && e.exposure->silence == ExposureSilence::kIdenticalSet);
  }
  std::string r = any_marks ? "no readable mark slot in the dump"
                            : "no mark slots examined";
  r += any_canaries ? "; no canary found" : "; no canaries deployed";
  if (!any_exposure) {
    r += "; exposure not examined";
  } else if (identical) {
    r += "; the leaked records were held alike by members with identical sets "
         "or by no other member";
  } else {
    r += "; the leaked records were held alike by everyone (or by nobody)";
  }
  return r;
}

}  // namespace

Result<CanaryResult> EvaluateCanaries(const CanaryEvidence& evidence) {
  if (evidence.found > evidence.deployed) {
    return InvalidArgumentError("canaries: found: expected at most " +
                                std::to_string(evidence.deployed) +
                                " (deployed), found " +
                                std::to_string(evidence.found));
  }
  const double eps = evidence.false_match_probability;
  if (!(eps >= 0.0 && eps <= 1.0)) {
    return InvalidArgumentError(
        "canaries: false_match_probability: expected a value in [0, 1], found " +
        std::to_string(eps));
  }
  CanaryResult r;
  r.deployed = evidence.deployed;
  r.found = evidence.found;
  r.informative = evidence.found > 0;
  r.log10_p = LnToLog10(LogBinomialUpperTail(evidence.deployed, eps, evidence.found));
  return r;
}

double Log10Fisher(std::span<const double> log10_ps) {
  if (log10_ps.empty()) return 0.0;
  double x = 0;
  for (double l : log10_ps) x += -2.0 * l * kLn10;
  return LnToLog10(LogChiSquareEvenUpperTail(x, log10_ps.size()));
}

double Log10Combined(const MemberEvidence& e, const AttributionOptions& options,
                     int* kinds_used) {
  std::vector<double> base;
  if (e.exposure && e.exposure->informative) base.push_back(e.exposure->log10_p);
  if (e.marks && e.marks->n_slots > 0) base.push_back(e.marks->log10_p);
  const bool armed = e.canaries && e.canaries->deployed > 0;
  const bool canary_found = armed && e.canaries->informative;
  *kinds_used = static_cast<int>(base.size()) + (canary_found ? 1 : 0);
  if (!armed) return Log10Fisher(base);
  const double w = options.canary_weight;
  // Branch 1: without canaries, weight 1 - w.
  double combined = Log10Fisher(base) - std::log10(1.0 - w);
  if (canary_found) {
    std::vector<double> all = base;
    all.push_back(e.canaries->log10_p);
    combined = std::min(combined, Log10Fisher(all) - std::log10(w));
  }
  return std::min(combined, 0.0);
}

Result<AttributionReport> Attribute(std::span<const MemberEvidence> members,
                                    const AttributionOptions& options) {
  if (!(options.alpha > 0.0 && options.alpha < 1.0)) {
    return InvalidArgumentError("alpha: expected a value in (0, 1), found " +
                                std::to_string(options.alpha));
  }
  if (!(options.canary_weight > 0.0 && options.canary_weight < 1.0)) {
    return InvalidArgumentError(
        "canary_weight: expected a value in (0, 1), found " +
        std::to_string(options.canary_weight));
  }
  AttributionReport report;
  report.alpha = options.alpha;
  report.members_tested = members.size();
  const double log10_m =
      members.empty() ? 0.0 : std::log10(static_cast<double>(members.size()));
  const double log10_alpha = std::log10(options.alpha);
  report.members.reserve(members.size());
  for (const MemberEvidence& e : members) {
    MemberVerdict v;
    v.member_id = e.member_id;
    v.partner_id = e.partner_id;
    v.evidence = e;
    v.log10_combined = Log10Combined(e, options, &v.kinds_used);
    v.log10_corrected = std::min(0.0, v.log10_combined + log10_m);
    v.accused = v.kinds_used > 0 && v.log10_corrected < log10_alpha;
    report.decided = report.decided || v.accused;
    report.has_information = report.has_information || v.kinds_used > 0;
    report.members.push_back(std::move(v));
  }
  if (!report.has_information) {
    report.undecidable_reason =
        "the evidence cannot decide: " + SilenceReason(members);
  }
  return report;
}

}  // namespace custody::core::attribution
