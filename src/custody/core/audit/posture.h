// Posture: a partner's answers scored against the control set. Each control
// scores 0..1 (yes 1, partial 0.5, no 0; a number meeting its threshold 1,
// else 0; an enum its option's score; a list the share of its min_items
// present); an answer without evidence counts at most 0.5. Posture is the
// weighted mean over every control (unanswered = 0); the grade bands are
// A >= 0.90, B >= 0.80, C >= 0.70, D >= 0.60, else F, and a knockout control
// not fully met (raw score below 1) caps the grade at F. An outside rating
// may be blended in with weight kExternalWeight. docs/audit.md.
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"
#include "custody/core/audit/answers.h"
#include "custody/core/audit/controls.h"

namespace custody::core::audit {

// An answer without evidence counts at most this much.
inline constexpr double kUnevidencedCap = 0.5;
// The weight of an outside rating in a blended posture.
inline constexpr double kExternalWeight = 0.2;

struct ControlResult {
  const Control* control = nullptr;  // into the ControlSet scored
  bool answered = false;
  nlohmann::json answer;  // null if unanswered
  double raw = 0;         // the answer's score before the evidence cap
  double score = 0;       // after it
  bool evidenced = false;
  bool knockout_failed = false;
  std::string gap;        // why score < 1 ("" when met)
};

// An outside security rating (SecurityScorecard 0-100, Bitsight 250-900,
// UpGuard 0-950), normalized to 0..1.
struct ExternalRating {
  std::string provider;  // "securityscorecard", "bitsight", "upguard"
  double value = 0;
  double normalized = 0;
};

struct Posture {
  double posture = 0;       // 0..1, after any blend
  double questionnaire = 0; // the questionnaire's own posture
  char grade = 'F';
  bool knockout_failed = false;
  std::vector<ControlResult> controls;  // in control-set order
  std::optional<ExternalRating> external;

  // Controls scoring below 1, in control-set order.
  std::vector<const ControlResult*> Gaps() const;
};

// The grade of a posture 0..1 (no knockout considered).
char GradeFor(double posture);

// Scores `answers` against `set`; `evidenced` holds the ids of controls with
// at least one evidence file.
Posture ScorePosture(const ControlSet& set, const Answers& answers,
                     const std::set<std::string>& evidenced);

// Parses "provider:value"; kInvalidArgument naming the providers and ranges.
Result<ExternalRating> ParseExternalRating(std::string_view text);
// `p` with `r` blended in: posture = (1 - w) * questionnaire + w * normalized;
// the grade is recomputed and still capped at F by a failed knockout.
Posture BlendExternal(Posture p, const ExternalRating& r);

// {"posture", "questionnaire", "grade", "knockout_failed", "external",
//  "gaps": [{"id", "question", "domain", "weight", "knockout", "answer",
//  "score", "evidenced", "reason", "mappings"}]}.
nlohmann::json PostureToJson(const Posture& p);

}  // namespace custody::core::audit
