// The control set: parsing, serializing, the built-in set; see controls.h.
#include "custody/core/audit/controls.h"

#include <algorithm>
#include <set>

#include "custody/base/check.h"
#include "custody/core/audit/controls_data.h"  // generated: kControlsV1Json
#include "custody/core/audit/toml_json.h"

namespace custody::core::audit {
namespace {

constexpr std::string_view kTypeNames[] = {"yes_partial_no", "number", "enum", "list"};

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgumentError(where + ": " + what);
}

Result<std::string> Str(const nlohmann::json& j, const char* key, const std::string& where,
                        bool required = true) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (!required) return std::string();
    return Bad(where + "." + key, "expected a string, found nothing");
  }
  if (!it->is_string()) return Bad(where + "." + key, "expected a string, found " + it->dump());
  return it->get<std::string>();
}

Result<AnswerSpec> ParseAnswerSpec(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "expected an object");
  CUSTODY_ASSIGN_OR_RETURN(std::string type, Str(j, "type", where));
  AnswerSpec a;
  auto t = std::find(std::begin(kTypeNames), std::end(kTypeNames), type);
  if (t == std::end(kTypeNames)) {
    return Bad(where + ".type", "expected yes_partial_no, number, enum or list, found '" + type + "'");
  }
  a.type = static_cast<AnswerType>(t - std::begin(kTypeNames));
  if (a.type == AnswerType::kNumber) {
    auto th = j.find("threshold");
    if (th == j.end() || !th->is_number()) return Bad(where + ".threshold", "expected a number");
    a.threshold = th->get<double>();
    CUSTODY_ASSIGN_OR_RETURN(std::string dir, Str(j, "direction", where));
    if (dir != "at_most" && dir != "at_least") {
      return Bad(where + ".direction", "expected at_most or at_least, found '" + dir + "'");
    }
    a.at_most = dir == "at_most";
    CUSTODY_ASSIGN_OR_RETURN(a.unit, Str(j, "unit", where, false));
  }
  if (a.type == AnswerType::kEnum || a.type == AnswerType::kList) {
    auto opts = j.find("options");
    if (opts == j.end() || !opts->is_array() || opts->empty()) {
      return Bad(where + ".options", "expected a non-empty array");
    }
    for (size_t i = 0; i < opts->size(); ++i) {
      const auto& o = (*opts)[i];
      const std::string w = where + ".options[" + std::to_string(i) + "]";
      EnumOption e;
      if (a.type == AnswerType::kList) {
        if (!o.is_string()) return Bad(w, "expected a string");
        e.value = o.get<std::string>();
      } else {
        if (!o.is_object()) return Bad(w, "expected {\"value\", \"score\"}");
        CUSTODY_ASSIGN_OR_RETURN(e.value, Str(o, "value", w));
        auto s = o.find("score");
        if (s == o.end() || !s->is_number() || s->get<double>() < 0 || s->get<double>() > 1) {
          return Bad(w + ".score", "expected a number from 0 to 1");
        }
        e.score = s->get<double>();
      }
      a.options.push_back(std::move(e));
    }
  }
  if (a.type == AnswerType::kList) {
    auto m = j.find("min_items");
    if (m != j.end()) {
      if (!m->is_number_integer() || m->get<int>() < 1) {
        return Bad(where + ".min_items", "expected an integer of at least 1");
      }
      a.min_items = m->get<int>();
    }
    CUSTODY_ASSIGN_OR_RETURN(a.none_value, Str(j, "none_value", where, false));
  }
  return a;
}

Result<Control> ParseControl(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "expected an object");
  Control c;
  CUSTODY_ASSIGN_OR_RETURN(c.id, Str(j, "id", where));
  if (c.id.empty()) return Bad(where + ".id", "expected a non-empty id");
  CUSTODY_ASSIGN_OR_RETURN(c.domain, Str(j, "domain", where));
  CUSTODY_ASSIGN_OR_RETURN(c.question, Str(j, "question", where));
  CUSTODY_ASSIGN_OR_RETURN(c.evidence, Str(j, "evidence", where));
  auto a = j.find("answer");
  if (a == j.end()) return Bad(where + ".answer", "expected an object, found nothing");
  CUSTODY_ASSIGN_OR_RETURN(c.answer, ParseAnswerSpec(*a, where + ".answer"));
  auto w = j.find("weight");
  if (w == j.end() || !w->is_number_integer() || w->get<int>() < 1 || w->get<int>() > 5) {
    return Bad(where + ".weight", "expected an integer from 1 to 5");
  }
  c.weight = w->get<int>();
  auto k = j.find("knockout");
  if (k == j.end() || !k->is_boolean()) return Bad(where + ".knockout", "expected true or false");
  c.knockout = k->get<bool>();
  auto m = j.find("mappings");
  if (m == j.end() || !m->is_object()) return Bad(where + ".mappings", "expected an object");
  for (std::string_view f : kFrameworks) {
    auto ids = m->find(std::string(f));
    const std::string mw = where + ".mappings." + std::string(f);
    if (ids == m->end() || !ids->is_array() || ids->empty()) {
      return Bad(mw, "expected a non-empty array of control ids");
    }
    auto& out = c.mappings[std::string(f)];
    for (const auto& id : *ids) {
      if (!id.is_string()) return Bad(mw, "expected strings");
      out.push_back(id.get<std::string>());
    }
  }
  for (const auto& [k2, v] : m->items()) {
    if (!c.mappings.count(k2)) return Bad(where + ".mappings." + k2, "unknown framework");
  }
  return c;
}

nlohmann::json AnswerSpecToJson(const AnswerSpec& a) {
  nlohmann::json j = {{"type", std::string(AnswerTypeName(a.type))}};
  if (a.type == AnswerType::kNumber) {
    j["threshold"] = a.threshold;
    j["direction"] = a.at_most ? "at_most" : "at_least";
    j["unit"] = a.unit;
  }
  if (a.type == AnswerType::kEnum) {
    j["options"] = nlohmann::json::array();
    for (const auto& o : a.options) j["options"].push_back({{"value", o.value}, {"score", o.score}});
  }
  if (a.type == AnswerType::kList) {
    j["options"] = nlohmann::json::array();
    for (const auto& o : a.options) j["options"].push_back(o.value);
    j["min_items"] = a.min_items;
    if (!a.none_value.empty()) j["none_value"] = a.none_value;
  }
  return j;
}

}  // namespace

std::string_view AnswerTypeName(AnswerType t) { return kTypeNames[static_cast<size_t>(t)]; }

std::string PlaceAt(std::string_view source, std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  const size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  return std::string(source) + ":" + std::to_string(line);
}

const Control* ControlSet::Find(std::string_view id) const {
  for (const auto& c : controls) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Result<ControlSet> ControlSetFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("expected a JSON object");
  ControlSet s;
  CUSTODY_ASSIGN_OR_RETURN(s.name, Str(j, "control_set", "control set"));
  auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() < 1) {
    return Bad("version", "expected a positive integer");
  }
  s.version = v->get<int>();
  CUSTODY_ASSIGN_OR_RETURN(s.description, Str(j, "description", "control set", false));
  auto cs = j.find("controls");
  if (cs == j.end() || !cs->is_array() || cs->empty()) {
    return Bad("controls", "expected a non-empty array");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < cs->size(); ++i) {
    CUSTODY_ASSIGN_OR_RETURN(Control c, ParseControl((*cs)[i], "controls[" + std::to_string(i) + "]"));
    if (!ids.insert(c.id).second) {
      return Bad("controls[" + std::to_string(i) + "].id", "duplicate id '" + c.id + "'");
    }
    s.controls.push_back(std::move(c));
  }
  return s;
}

Result<ControlSet> ParseControlSet(std::string_view text, std::string_view source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgumentError(PlaceAt(source, text, e.byte > 0 ? e.byte - 1 : 0) +
                                ": expected JSON: " + e.what());
  }
  auto s = ControlSetFromJson(j);
  if (!s.ok()) {
    // Point at the control named in the message when there is one.
    size_t at = 0;
    const std::string& m = s.status().message();
    if (m.rfind("controls[", 0) == 0) {
      const size_t i = std::stoul(m.substr(9));
      if (j.contains("controls") && j["controls"].is_array() && i < j["controls"].size() &&
          j["controls"][i].is_object() && j["controls"][i].contains("id") &&
          j["controls"][i]["id"].is_string()) {
        const size_t off = text.find("\"" + j["controls"][i]["id"].get<std::string>() + "\"");
        if (off != std::string_view::npos) at = off;
      }
    }
    return InvalidArgumentError(PlaceAt(source, text, at) + ": " + m);
  }
  return s;
}

nlohmann::json ControlSetToJson(const ControlSet& set) {
  nlohmann::json controls = nlohmann::json::array();
  for (const auto& c : set.controls) {
    nlohmann::json m = nlohmann::json::object();
    for (const auto& [k, v] : c.mappings) m[k] = v;
    controls.push_back({{"id", c.id}, {"domain", c.domain}, {"question", c.question},
                        {"answer", AnswerSpecToJson(c.answer)}, {"weight", c.weight},
                        {"knockout", c.knockout}, {"evidence", c.evidence}, {"mappings", m}});
  }
  return {{"control_set", set.name}, {"version", set.version},
          {"description", set.description}, {"controls", controls}};
}

const ControlSet& BuiltinControls() {
  static const ControlSet* set = [] {
    auto s = ParseControlSet(kControlsV1Json, "controls-v1.json");
    CUSTODY_CHECK(s.ok());
    return new ControlSet(std::move(*s));
  }();
  return *set;
}

std::string TemplateText(const ControlSet& set, bool toml) {
  nlohmann::json j = ControlSetToJson(set);
  nlohmann::json answers = nlohmann::json::object();
  for (const auto& c : set.controls) answers[c.id] = nullptr;
  j["answers"] = answers;
  if (!toml) return j.dump(2) + "\n";
  return TemplateToml(j);
}

}  // namespace custody::core::audit
