// A partner's answers to the control set: read from the filled-in template
// (JSON or TOML) and validated against the controls, each error naming the
// file, the line and the field ("answers.json:14: answers.IAM-04: expected a
// number of hours, found \"soon\""). Thread-safety: values and pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"
#include "custody/core/audit/controls.h"

namespace custody::core::audit {

// Control id to its answer: "yes"/"partial"/"no", a number, an enum value or
// an array of list items. A control without an entry is unanswered.
struct Answers {
  std::map<std::string, nlohmann::json> values;

  nlohmann::json ToJson() const;
};

// Parses and validates `text` (TOML when `toml`, else JSON). The document is
// an object with "answers" (control id to answer, null = unanswered); if it
// names "control_set"/"version" they must be `set`'s. kInvalidArgument on
// any unknown control, wrong type or value outside the control's options.
Result<Answers> ParseAnswers(const ControlSet& set, std::string_view text,
                             std::string_view source, bool toml);
// Validates answers already parsed (e.g. read back from the catalog).
Result<Answers> AnswersFromJson(const ControlSet& set, const nlohmann::json& answers);

}  // namespace custody::core::audit
