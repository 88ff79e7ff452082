#include "custody/format/canonical_json.h"

#include <simdjson.h>

#include "custody/base/check.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "custody/format/internal/json_escape.h"
#include "custody/format/record.h"
#include "custody/format/utf8.h"

namespace custody::format {

namespace od = simdjson::ondemand;
static_assert(JsonCanonicalizer::kPadding >= simdjson::SIMDJSON_PADDING);

namespace {

// Scratch for one object being canonicalized: its members' values, emitted
// in source order, then copied out in sorted key order.
struct Level {
  struct Member {
    std::string_view key;  // unescaped; lives in the parser's string buffer
    size_t offset;
    size_t size;
  };
  std::string values;
  std::vector<Member> members;
};

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  auto digit = [&](size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
  if (i < n && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string Describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

Status ValidateJsonDepth(size_t depth) {
  if (depth < 1 || depth > kMaxJsonDepthLimit) {
    return InvalidArgumentError("max JSON depth: expected 1 to " +
                                std::to_string(kMaxJsonDepthLimit) + ", found " +
                                std::to_string(depth));
  }
  return OkStatus();
}

struct JsonCanonicalizer::Impl {
  size_t max_depth = kMaxJsonDepth;
  od::parser parser;
  std::vector<std::unique_ptr<Level>> levels;
  std::string_view input;
  od::document doc;
  bool doc_ready = false;  // `doc` may be asked for its location only after iterate succeeded

  size_t Offset() {
    if (!doc_ready) return 0;
    const char* loc = nullptr;
    if (doc.current_location().get(loc) != simdjson::SUCCESS || loc == nullptr) return input.size();
    return static_cast<size_t>(loc - input.data());
  }

  Status Fail(simdjson::error_code e) {
    if (e == simdjson::UTF8_ERROR) {
      return InvalidArgumentError("invalid UTF-8 at byte " + std::to_string(FirstInvalidUtf8(input)));
    }
    if (e == simdjson::DEPTH_ERROR) {
      return InvalidArgumentError("JSON nested deeper than " + std::to_string(max_depth) +
                                  " levels");
    }
    if (!doc_ready) {
      return InvalidArgumentError(std::string("malformed JSON: ") + simdjson::error_message(e));
    }
    return InvalidArgumentError("malformed JSON near byte " + std::to_string(Offset()) + ": " +
                                simdjson::error_message(e));
  }

  Status EmitValue(od::value v, size_t depth, std::string* out) {
    if (depth >= max_depth) {
      return InvalidArgumentError("JSON nested deeper than " + std::to_string(max_depth) +
                                  " levels near byte " + std::to_string(Offset()));
    }
    od::json_type type;
    if (auto e = v.type().get(type)) return Fail(e);
    switch (type) {
      case od::json_type::object: {
        od::object obj;
        if (auto e = v.get_object().get(obj)) return Fail(e);
        return EmitObject(obj, depth, out);
      }
      case od::json_type::array: {
        od::array arr;
        if (auto e = v.get_array().get(arr)) return Fail(e);
        out->push_back('[');
        bool first = true;
        for (auto item : arr) {
          od::value elem;
          if (auto e = std::move(item).get(elem)) return Fail(e);
          if (!first) out->push_back(',');
          first = false;
          CUSTODY_RETURN_IF_ERROR(EmitValue(elem, depth + 1, out));
        }
        out->push_back(']');
        return OkStatus();
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Fail(e);
        internal::AppendJsonString(s, out);
        return OkStatus();
      }
      case od::json_type::number: {
        std::string_view tok = v.raw_json_token();
        while (!tok.empty() && IsJsonSpace(tok.back())) tok.remove_suffix(1);
        if (!IsJsonNumber(tok)) {
          return InvalidArgumentError("malformed JSON near byte " +
                                      std::to_string(tok.data() - input.data()) +
                                      ": expected a number, found '" + std::string(tok.substr(0, 32)) +
                                      "'");
        }
        out->append(tok);
        return OkStatus();
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return Fail(e);
        out->append(b ? "true" : "false");
        return OkStatus();
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return Fail(e);
        if (!is_null) return Fail(simdjson::N_ATOM_ERROR);
        out->append("null");
        return OkStatus();
      }
    }
    return Fail(simdjson::TAPE_ERROR);
  }

  Status EmitObject(od::object& obj, size_t depth, std::string* out) {
    while (levels.size() <= depth) levels.push_back(std::make_unique<Level>());
    Level& level = *levels[depth];
    level.values.clear();
    level.members.clear();
    for (auto item : obj) {
      od::field field;
      if (auto e = std::move(item).get(field)) return Fail(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return Fail(e);
      const size_t offset = level.values.size();
      CUSTODY_RETURN_IF_ERROR(EmitValue(field.value(), depth + 1, &level.values));
      level.members.push_back({key, offset, level.values.size() - offset});
    }
    auto& m = level.members;
    if (m.size() > 1) {
      std::sort(m.begin(), m.end(), [](const Level::Member& a, const Level::Member& b) {
        return a.key < b.key;  // char_traits<char> compares bytes as unsigned
      });
      for (size_t i = 1; i < m.size(); ++i) {
        if (m[i].key == m[i - 1].key) {
          std::string shown;
          internal::AppendJsonString(m[i].key.substr(0, 64), &shown);
          return InvalidArgumentError("duplicate key " + shown);
        }
      }
    }
    out->push_back('{');
    for (size_t i = 0; i < m.size(); ++i) {
      if (i > 0) out->push_back(',');
      internal::AppendJsonString(m[i].key, out);
      out->push_back(':');
      out->append(level.values, m[i].offset, m[i].size);
    }
    out->push_back('}');
    return OkStatus();
  }

  Status Run(std::string_view json, std::string* out) {
    input = json;
    doc_ready = false;
    out->clear();
    size_t i = 0;
    if (json.size() >= 3 && std::memcmp(json.data(), "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < json.size() && IsJsonSpace(json[i])) ++i;
    if (i == json.size()) return InvalidArgumentError("expected a JSON object, found end of input");
    if (json[i] != '{') {
      return InvalidArgumentError("expected a JSON object, found " + Describe(json[i]));
    }
    if (i > 0) {  // simdjson wants no BOM; whitespace is fine
      json.remove_prefix(i);
      input = json;
    }
    simdjson::padded_string_view view(json.data(), json.size(),
                                      json.size() + simdjson::SIMDJSON_PADDING);
    if (auto e = parser.iterate(view).get(doc)) return Fail(e);
    doc_ready = true;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return Fail(e);
    CUSTODY_RETURN_IF_ERROR(EmitObject(obj, 0, out));
    const char* loc = nullptr;
    if (doc.current_location().get(loc) == simdjson::SUCCESS && loc != nullptr) {
      return InvalidArgumentError("expected end of input after the object, found " +
                                  Describe(*loc) + " at byte " +
                                  std::to_string(loc - input.data()));
    }
    return OkStatus();
  }
};

JsonCanonicalizer::JsonCanonicalizer(size_t max_depth) : impl_(std::make_unique<Impl>()) {
  set_max_depth(max_depth);
}
JsonCanonicalizer::~JsonCanonicalizer() = default;

size_t JsonCanonicalizer::max_depth() const { return impl_->max_depth; }

void JsonCanonicalizer::set_max_depth(size_t max_depth) {
  CUSTODY_CHECK(ValidateJsonDepth(max_depth).ok());
  impl_->max_depth = max_depth;
}

Status JsonCanonicalizer::CanonicalizePadded(std::string_view json, std::string* out) {
  return impl_->Run(json, out);
}

Status JsonCanonicalizer::Canonicalize(std::string_view json, std::string* out) {
  padded_.assign(json);
  padded_.append(kPadding, ' ');
  return impl_->Run(std::string_view(padded_.data(), json.size()), out);
}

Result<std::string> CanonicalizeJson(std::string_view json) {
  thread_local JsonCanonicalizer canonicalizer;
  std::string out;
  CUSTODY_RETURN_IF_ERROR(canonicalizer.Canonicalize(json, &out));
  return out;
}

}  // namespace custody::format
