#include "custody/ledger/event.h"

namespace custody::ledger {
namespace {

bool ValidType(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ValidHex(std::string_view h) {
  if (h.empty() || h.size() % 2 != 0) return false;
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status CheckEventDepth(std::string_view entry) {
  size_t depth = 0;
  bool in_string = false;
  bool escape = false;
  for (char c : entry) {
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxEventDepth) {
        return InvalidArgumentError("event: nested deeper than " +
                                    std::to_string(kMaxEventDepth) + " levels");
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return OkStatus();
}

Result<std::string> SerializeEvent(const Event& event) {
  if (!ValidType(event.type)) {
    return InvalidArgumentError("event: type: expected lowercase [a-z0-9._-]+, found '" +
                                event.type + "'");
  }
  if (event.actor.empty()) return InvalidArgumentError("event: actor: expected a name, found ''");
  if (event.subject.empty()) {
    return InvalidArgumentError("event: subject: expected a name, found ''");
  }
  if (!event.details.is_object()) {
    return InvalidArgumentError("event: details: expected a JSON object, found " +
                                std::string(event.details.type_name()));
  }
  for (const auto& [name, hex] : event.hashes) {
    if (!ValidHex(hex)) {
      return InvalidArgumentError("event: hashes." + name + ": expected lowercase hex, found '" +
                                  hex + "'");
    }
  }
  // The keys in sorted order, as nlohmann::json (a std::map) writes them;
  // written directly rather than through a copied json tree, which cost
  // more than the rest of an append. Strings and details go through
  // nlohmann's strict serializer, so escaping and UTF-8 checks are its own.
  try {
    auto put_string = [](std::string_view v, std::string* out) {
      *out += nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    };
    std::string out;
    out.reserve(160 + event.actor.size() + event.subject.size());
    out += "{\"actor\":";
    put_string(event.actor, &out);
    out += ",\"details\":";
    out += event.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    out += ",\"hashes\":{";
    bool first = true;
    for (const auto& [name, hex] : event.hashes) {  // std::map: sorted by name
      if (!first) out += ',';
      first = false;
      put_string(name, &out);
      out += ':';
      out += '"';
      out += hex;  // validated lowercase hex: nothing to escape
      out += '"';
    }
    out += "},\"subject\":";
    put_string(event.subject, &out);
    out += ",\"time\":";
    out += std::to_string(ToUnixMillis(event.time));
    out += ",\"type\":\"";
    out += event.type;  // validated [a-z0-9._-]: nothing to escape
    out += "\",\"v\":";
    out += std::to_string(kEventSchemaVersion);
    out += '}';
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("event: expected valid UTF-8 text: ") + e.what());
  }
}

Result<Event> ParseEvent(std::string_view entry) {
  CUSTODY_RETURN_IF_ERROR(CheckEventDepth(entry));
  nlohmann::json j = nlohmann::json::parse(entry, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("event: expected a JSON object");
  }
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return InvalidArgumentError(std::string("event: ") + key + ": expected a string");
    }
    *out = it->get<std::string>();
    return OkStatus();
  };
  Event e;
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != kEventSchemaVersion) {
    return InvalidArgumentError("event: v: expected 1");
  }
  CUSTODY_RETURN_IF_ERROR(str("type", &e.type));
  CUSTODY_RETURN_IF_ERROR(str("actor", &e.actor));
  CUSTODY_RETURN_IF_ERROR(str("subject", &e.subject));
  auto t = j.find("time");
  if (t == j.end() || !t->is_number_integer()) {
    return InvalidArgumentError("event: time: expected an integer");
  }
  e.time = FromUnixMillis(t->get<int64_t>());
  auto d = j.find("details");
  if (d == j.end() || !d->is_object()) {
    return InvalidArgumentError("event: details: expected an object");
  }
  e.details = *d;
  auto h = j.find("hashes");
  if (h == j.end() || !h->is_object()) {
    return InvalidArgumentError("event: hashes: expected an object");
  }
  for (auto it = h->begin(); it != h->end(); ++it) {
    if (!it->is_string()) {
      return InvalidArgumentError("event: hashes." + it.key() + ": expected a hex string");
    }
    e.hashes[it.key()] = it->get<std::string>();
  }
  if (j.size() != 7) return InvalidArgumentError("event: expected exactly 7 fields");
  CUSTODY_ASSIGN_OR_RETURN(std::string again, SerializeEvent(e));
  if (again != entry) return InvalidArgumentError("event: not in canonical form");
  return e;
}

}  // namespace custody::ledger
