// Answers: parsing and validation; see answers.h.
#include "custody/core/audit/answers.h"

#include <algorithm>

#include "custody/core/audit/toml_json.h"

namespace custody::core::audit {
namespace {

bool HasOption(const AnswerSpec& a, const std::string& v) {
  return std::any_of(a.options.begin(), a.options.end(),
                     [&](const EnumOption& o) { return o.value == v; });
}

std::string Options(const AnswerSpec& a) {
  std::string s;
  for (const auto& o : a.options) s += (s.empty() ? "" : ", ") + o.value;
  return s;
}

// OK if `v` is a valid answer to `c`, else the reason.
Status CheckAnswer(const Control& c, const nlohmann::json& v) {
  const std::string where = "answers." + c.id + ": ";
  switch (c.answer.type) {
    case AnswerType::kYesPartialNo:
      if (v.is_string() && (v == "yes" || v == "partial" || v == "no")) return OkStatus();
      return InvalidArgumentError(where + "expected \"yes\", \"partial\" or \"no\", found " + v.dump());
    case AnswerType::kNumber:
      if (v.is_number() && v.get<double>() >= 0) return OkStatus();
      return InvalidArgumentError(where + "expected a number of " + c.answer.unit +
                                  " (0 or more), found " + v.dump());
    case AnswerType::kEnum:
      if (v.is_string() && HasOption(c.answer, v.get<std::string>())) return OkStatus();
      return InvalidArgumentError(where + "expected one of " + Options(c.answer) + ", found " +
                                  v.dump());
    case AnswerType::kList:
      if (v.is_array()) {
        bool ok = true;
        for (const auto& item : v) ok = ok && item.is_string() && HasOption(c.answer, item.get<std::string>());
        if (ok) return OkStatus();
      }
      return InvalidArgumentError(where + "expected an array of " + Options(c.answer) +
                                  ", found " + v.dump());
  }
  return InternalError("unknown answer type");
}

}  // namespace

nlohmann::json Answers::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : values) j[k] = v;
  return j;
}

Result<Answers> AnswersFromJson(const ControlSet& set, const nlohmann::json& answers) {
  if (!answers.is_object()) return InvalidArgumentError("answers: expected an object");
  Answers out;
  for (const auto& [id, v] : answers.items()) {
    const Control* c = set.Find(id);
    if (c == nullptr) {
      return InvalidArgumentError("answers." + id + ": no such control in " + set.Label());
    }
    if (v.is_null()) continue;
    CUSTODY_RETURN_IF_ERROR(CheckAnswer(*c, v));
    out.values[id] = v;
  }
  return out;
}

Result<Answers> ParseAnswers(const ControlSet& set, std::string_view text, std::string_view source,
                             bool toml) {
  nlohmann::json doc;
  if (toml) {
    CUSTODY_ASSIGN_OR_RETURN(doc, TomlToJson(text, source));
  } else {
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      return InvalidArgumentError(PlaceAt(source, text, e.byte > 0 ? e.byte - 1 : 0) +
                                  ": expected JSON: " + e.what());
    }
  }
  if (!doc.is_object()) {
    return InvalidArgumentError(PlaceAt(source, text, 0) + ": expected an object with \"answers\"");
  }
  if (doc.contains("control_set") &&
      (doc["control_set"] != set.name || !doc.contains("version") || doc["version"] != set.version)) {
    return InvalidArgumentError(
        PlaceAt(source, text, text.find(toml ? "control_set" : "\"control_set\"")) +
        ": control_set: expected " + set.Label() + ", found " + doc["control_set"].dump() + "@" +
        doc.value("version", nlohmann::json()).dump());
  }
  auto it = doc.find("answers");
  if (it == doc.end()) {
    return InvalidArgumentError(PlaceAt(source, text, 0) + ": answers: expected an object, found nothing");
  }
  auto answers = AnswersFromJson(set, *it);
  if (!answers.ok()) {
    // Place the error at the control it names, after the answers key.
    const std::string& m = answers.status().message();
    size_t at = text.find(toml ? "[answers]" : "\"answers\"");
    if (m.rfind("answers.", 0) == 0) {
      const std::string id = m.substr(8, m.find(':') - 8);
      const size_t off = text.find(toml ? id : "\"" + id + "\"", at == std::string_view::npos ? 0 : at);
      if (off != std::string_view::npos) at = off;
    }
    return InvalidArgumentError(PlaceAt(source, text, at == std::string_view::npos ? 0 : at) +
                                ": " + m);
  }
  return answers;
}

}  // namespace custody::core::audit
