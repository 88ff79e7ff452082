// TOML <-> JSON for the questionnaire; see toml_json.h.
#include "custody/core/audit/toml_json.h"

#include <sstream>

#include <toml++/toml.h>

namespace custody::core::audit {
namespace {

void Insert(toml::table& t, const std::string& key, const nlohmann::json& v);

toml::array ToArray(const nlohmann::json& a) {
  toml::array out;
  for (const auto& v : a) {
    if (v.is_object()) {
      toml::table t;
      for (const auto& [k, x] : v.items()) Insert(t, k, x);
      out.push_back(std::move(t));
    } else if (v.is_array()) {
      out.push_back(ToArray(v));
    } else if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else if (v.is_boolean()) {
      out.push_back(v.get<bool>());
    } else if (v.is_number_integer()) {
      out.push_back(v.get<int64_t>());
    } else if (v.is_number()) {
      out.push_back(v.get<double>());
    }
  }
  return out;
}

void Insert(toml::table& t, const std::string& key, const nlohmann::json& v) {
  if (v.is_null()) return;
  if (v.is_object()) {
    toml::table sub;
    for (const auto& [k, x] : v.items()) Insert(sub, k, x);
    t.insert_or_assign(key, std::move(sub));
  } else if (v.is_array()) {
    t.insert_or_assign(key, ToArray(v));
  } else if (v.is_string()) {
    t.insert_or_assign(key, v.get<std::string>());
  } else if (v.is_boolean()) {
    t.insert_or_assign(key, v.get<bool>());
  } else if (v.is_number_integer()) {
    t.insert_or_assign(key, v.get<int64_t>());
  } else if (v.is_number()) {
    t.insert_or_assign(key, v.get<double>());
  }
}

nlohmann::json FromNode(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, v] : *t) o[std::string(k.str())] = FromNode(v);
    return o;
  }
  if (const auto* a = n.as_array()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& v : *a) arr.push_back(FromNode(v));
    return arr;
  }
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* b = n.as_boolean()) return b->get();
  return "<a TOML date or time>";  // no answer takes one: validation names it
}

std::string Hint(const nlohmann::json& control) {
  const auto& a = control["answer"];
  const std::string type = a["type"];
  if (type == "yes_partial_no") return "\"yes\" | \"partial\" | \"no\"";
  if (type == "number") {
    return "a number of " + a.value("unit", std::string()) + " (" +
           a["direction"].get<std::string>() + " " + a["threshold"].dump() + ")";
  }
  std::string opts;
  for (const auto& o : a["options"]) {
    if (!opts.empty()) opts += " | ";
    opts += "\"" + (o.is_object() ? o["value"].get<std::string>() : o.get<std::string>()) + "\"";
  }
  return type == "list" ? "[" + opts + ", ...]" : opts;
}

}  // namespace

std::string TemplateToml(const nlohmann::json& j) {
  toml::table t;
  for (const auto& [k, v] : j.items()) {
    if (k != "answers") Insert(t, k, v);
  }
  std::ostringstream os;
  os << "# custody partner questionnaire. Fill in [answers] at the end (one line per control),\n"
     << "# then: custody audit submit --partner P FILE [--evidence CONTROL=FILE ...]\n"
     << toml::toml_formatter(t, toml::toml_formatter::default_flags &
                                    ~toml::format_flags::indentation)
     << "\n\n[answers]\n";
  for (const auto& c : j["controls"]) {
    os << "# " << c["id"].get<std::string>() << " = " << Hint(c) << "\n";
  }
  return os.str();
}

Result<nlohmann::json> TomlToJson(std::string_view text, std::string_view source) {
  try {
    toml::table t = toml::parse(text, source);
    return FromNode(t);
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(std::string(source) + ":" +
                                std::to_string(e.source().begin.line) + ": expected TOML: " +
                                std::string(e.description()));
  }
}

}  // namespace custody::core::audit
