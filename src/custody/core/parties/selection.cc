// Grant selections: parsing, stored form and the keyed membership test.
#include <charconv>
#include <cmath>

#include "custody/base/encoding.h"
#include "custody/core/parties/grants.h"
#include "custody/crypto/crypto.h"

namespace custody::core {

std::string_view SelectionKindName(Selection::Kind kind) {
  switch (kind) {
    case Selection::Kind::kAll: return "all";
    case Selection::Kind::kSample: return "sample";
    case Selection::Kind::kShard: return "shard";
    case Selection::Kind::kIds: return "ids";
  }
  return "all";
}

nlohmann::json SelectionToJson(const Selection& s, bool with_bitmap) {
  nlohmann::json j = {{"kind", SelectionKindName(s.kind)}};
  switch (s.kind) {
    case Selection::Kind::kAll: break;
    case Selection::Kind::kSample:
      j["fraction"] = s.fraction;
      j["seed"] = s.seed;
      break;
    case Selection::Kind::kShard:
      j["k"] = s.shard_k;
      j["n"] = s.shard_n;
      break;
    case Selection::Kind::kIds:
      j["count"] = s.ids.Cardinality();
      j["ids_sha256"] = s.ids.HashHex();
      if (with_bitmap) j["bitmap"] = Base64Encode(s.ids.Serialize());
      break;
  }
  return j;
}

Result<Selection> SelectionFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
    return DataLossError("grant selection: expected an object with a kind");
  }
  const std::string kind = j["kind"];
  if (kind == "all") return Selection{};
  if (kind == "sample") {
    if (!j.contains("fraction") || !j["fraction"].is_string() || !j.contains("seed") ||
        !j["seed"].is_number_unsigned()) {
      return DataLossError("grant selection: sample without fraction or seed");
    }
    return SampleSelection(j["fraction"].get<std::string>(), j["seed"].get<uint64_t>());
  }
  if (kind == "shard") {
    if (!j.contains("k") || !j.contains("n") || !j["k"].is_number_unsigned() ||
        !j["n"].is_number_unsigned() || j["k"].get<uint64_t>() > UINT32_MAX ||
        j["n"].get<uint64_t>() > UINT32_MAX) {
      return DataLossError("grant selection: shard without k/n");
    }
    return ShardSelection(std::to_string(j["k"].get<uint32_t>()) + "/" +
                          std::to_string(j["n"].get<uint32_t>()));
  }
  if (kind == "ids") {
    if (!j.contains("bitmap") || !j["bitmap"].is_string()) {
      return DataLossError("grant selection: ids without bitmap");
    }
    CUSTODY_ASSIGN_OR_RETURN(std::string raw, Base64Decode(j["bitmap"].get<std::string>()));
    Selection s;
    s.kind = Selection::Kind::kIds;
    CUSTODY_ASSIGN_OR_RETURN(s.ids, RecordSet::Deserialize(raw));
    return s;
  }
  return DataLossError("grant selection: unknown kind '" + kind + "'");
}

Result<Selection> SampleSelection(const std::string& fraction, uint64_t seed) {
  double f = 0;
  const char* end = fraction.data() + fraction.size();
  auto [ptr, ec] = std::from_chars(fraction.data(), end, f);
  if (ec != std::errc() || ptr != end || !(f > 0.0) || f > 1.0) {
    return InvalidArgumentError("sample: expected a fraction in (0, 1], found '" + fraction + "'");
  }
  Selection s;
  s.kind = Selection::Kind::kSample;
  s.fraction = fraction;
  s.seed = seed;
  return s;
}

Result<Selection> ShardSelection(const std::string& k_of_n) {
  size_t slash = k_of_n.find('/');
  uint32_t k = 0, n = 0;
  bool ok = slash != std::string::npos;
  if (ok) {
    const char* b = k_of_n.data();
    auto r1 = std::from_chars(b, b + slash, k);
    auto r2 = std::from_chars(b + slash + 1, b + k_of_n.size(), n);
    ok = r1.ec == std::errc() && r1.ptr == b + slash && r2.ec == std::errc() &&
         r2.ptr == b + k_of_n.size() && n >= 1 && k >= 1 && k <= n;
  }
  if (!ok) return InvalidArgumentError("shard: expected K/N with 1 <= K <= N, found '" + k_of_n + "'");
  Selection s;
  s.kind = Selection::Kind::kShard;
  s.shard_k = k;
  s.shard_n = n;
  return s;
}

Result<Selection> IdsSelection(Env* env, const std::string& path, const std::string& label,
                               uint64_t first_id, uint64_t count) {
  CUSTODY_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(path));
  Selection s;
  s.kind = Selection::Kind::kIds;
  size_t pos = 0;
  uint64_t line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    const std::string where = path + ":" + std::to_string(line_no) + ": record id: ";
    if (ec != std::errc() || ptr != line.data() + line.size()) {
      return InvalidArgumentError(where + "expected an integer, found '" + std::string(line) + "'");
    }
    if (id < first_id || id >= first_id + count) {
      return InvalidArgumentError(where + "expected an id of " + label + " (" +
                                  ToString(first_id) + ".." +
                                  std::to_string(first_id + count - 1) + "), found " +
                                  ToString(id));
    }
    CUSTODY_RETURN_IF_ERROR(s.ids.Add(id));
  }
  if (s.ids.Empty()) return InvalidArgumentError(path + ": expected at least one record id, found none");
  return s;
}

Result<Selector> Selector::Create(const crypto::SecretBytes& selection_key, const Selection& s) {
  Selector sel;
  sel.selection_ = &s;
  switch (s.kind) {
    case Selection::Kind::kAll:
    case Selection::Kind::kIds:
      break;
    case Selection::Kind::kSample: {
      std::string purpose = "sample";
      PutFixed64(&purpose, s.seed);
      sel.key_ = crypto::DeriveKey(selection_key, purpose);
      double f = std::stod(s.fraction);
      if (f >= 1.0) {
        sel.everything_ = true;
      } else {
        sel.threshold_ = static_cast<uint64_t>(std::ldexp(static_cast<long double>(f), 64));
      }
      break;
    }
    case Selection::Kind::kShard:
      sel.key_ = crypto::DeriveKey(selection_key, "shard");
      break;
  }
  return sel;
}

bool Selector::Contains(RecordId id) const {
  const uint64_t record_id = id.value();
  std::string in;
  switch (selection_->kind) {
    case Selection::Kind::kAll: return true;
    case Selection::Kind::kIds: return selection_->ids.Contains(record_id);
    case Selection::Kind::kSample:
      if (everything_) return true;
      PutFixed64(&in, record_id);
      return crypto::Prf64(key_, in) < threshold_;
    case Selection::Kind::kShard:
      PutFixed64(&in, record_id);
      return crypto::Prf64(key_, in) % selection_->shard_n == selection_->shard_k - 1;
  }
  return false;
}

}  // namespace custody::core
