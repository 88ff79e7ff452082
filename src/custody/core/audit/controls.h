// The partner control set: the questions of a security questionnaire, each
// with its answer type, weight, knockout flag, the evidence expected and its
// mapping to CSA CCM v4, SIG Lite, NIST CSF 2.0 and NIST SP 800-161 ids. The
// built-in set is data/audit/controls-v1.json, embedded at build time, so
// the binary never reads the repository. docs/audit.md describes the set.
// Thread-safety: values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/status.h"

namespace custody::core::audit {

enum class AnswerType { kYesPartialNo, kNumber, kEnum, kList };

struct EnumOption {
  std::string value;
  double score = 0;  // 0..1

  bool operator==(const EnumOption&) const = default;
};

struct AnswerSpec {
  AnswerType type = AnswerType::kYesPartialNo;
  // kNumber: met when the answer is at most (or at least) the threshold.
  double threshold = 0;
  bool at_most = true;
  std::string unit;
  // kEnum: the options and their scores. kList: the allowed items (scores
  // unused), at least `min_items` of them other than `none_value` to be met.
  std::vector<EnumOption> options;
  int min_items = 1;
  std::string none_value;

  bool operator==(const AnswerSpec&) const = default;
};

struct Control {
  std::string id;
  std::string domain;
  std::string question;
  AnswerSpec answer;
  int weight = 1;         // 1..5
  bool knockout = false;  // not fully met caps the grade at F
  std::string evidence;   // what evidence is expected
  // Framework ("csa_ccm_v4", "sig_lite", "nist_csf_2", "nist_sp_800_161") to
  // its control ids.
  std::map<std::string, std::vector<std::string>> mappings;

  bool operator==(const Control&) const = default;
};

struct ControlSet {
  std::string name;  // "custody-partner-controls"
  int version = 0;
  std::string description;
  std::vector<Control> controls;

  // "name@version", as logged and stored with each submission.
  std::string Label() const { return name + "@" + std::to_string(version); }
  const Control* Find(std::string_view id) const;
  bool operator==(const ControlSet&) const = default;
};

// The frameworks every control must map (at least one id each).
inline constexpr std::string_view kFrameworks[] = {"csa_ccm_v4", "sig_lite", "nist_csf_2",
                                                   "nist_sp_800_161"};

// The built-in control set (controls-v1). Never fails: the embedded file is
// checked by a test.
const ControlSet& BuiltinControls();

// Parses a control set from JSON text; kInvalidArgument naming `source`, the
// line and the field ("controls.json:12: controls[3].weight: expected 1 to 5").
Result<ControlSet> ParseControlSet(std::string_view text, std::string_view source);
// Parses from a JSON value (fields only; no line numbers).
Result<ControlSet> ControlSetFromJson(const nlohmann::json& j);
nlohmann::json ControlSetToJson(const ControlSet& set);

// The questionnaire a partner fills in: the control set plus an "answers"
// object with one null per control, as JSON (`toml` false) or TOML.
std::string TemplateText(const ControlSet& set, bool toml);

std::string_view AnswerTypeName(AnswerType t);

// "file:LINE" for byte `offset` of `text` (lines from 1).
std::string PlaceAt(std::string_view source, std::string_view text, size_t offset);

}  // namespace custody::core::audit
