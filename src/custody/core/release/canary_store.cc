#include "custody/core/release/canary_store.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/catalog.h"
#include "custody/store/sqlite.h"

namespace custody::core {
namespace {

std::string CanaryAd(int64_t release_id, int64_t member_id, uint64_t source) {
  return "custody canary v1|release:" + std::to_string(release_id) + "|member:" +
         std::to_string(member_id) + "|source:" + std::to_string(source);
}

}  // namespace

Result<std::string> SealCanary(const crypto::SecretBytes& key, const StoredCanary& c) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [n, v] : c.fields) fields.push_back({n, v});
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& s : c.substitutions) subs.push_back({{"from", s.from}, {"to", s.to}});
  nlohmann::json j = {{"v", 1},
                      {"record", c.record},
                      {"content_id", c.content_id},
                      {"canary_index", c.canary_index},
                      {"fields", fields},
                      {"substitutions", subs},
                      {"false_match_probability", c.false_match_probability}};
  return crypto::AeadSeal(key, j.dump(), CanaryAd(c.release_id, c.member_id, c.source_record_id));
}

Result<StoredCanary> OpenCanary(const crypto::SecretBytes& key, int64_t release_id,
                                int64_t member_id, uint64_t source, std::string_view sealed) {
  CUSTODY_ASSIGN_OR_RETURN(std::string plain,
                           crypto::AeadOpen(key, sealed, CanaryAd(release_id, member_id, source)));
  auto j = nlohmann::json::parse(plain, nullptr, false);
  if (!j.is_object() || !j.contains("record") || !j.contains("fields") || !j.contains("substitutions")) {
    return DataLossError("canary of release " + std::to_string(release_id) + ": malformed payload");
  }
  StoredCanary c;
  c.release_id = release_id;
  c.member_id = member_id;
  c.source_record_id = source;
  c.record = j["record"].get<std::string>();
  c.content_id = j.value("content_id", "");
  c.canary_index = j.value("canary_index", uint64_t{0});
  c.false_match_probability = j.value("false_match_probability", 1.0);
  for (const auto& f : j["fields"]) c.fields.emplace_back(f[0].get<std::string>(), f[1].get<std::string>());
  for (const auto& s : j["substitutions"]) {
    c.substitutions.push_back({s["from"].get<std::string>(), s["to"].get<std::string>()});
  }
  return c;
}

Result<std::vector<StoredCanary>> LoadCanaries(Custody& custody) {
  auto key = custody.vault().GetWrappedKey("canary");
  if (!key.ok() && key.status().code() == StatusCode::kNotFound) {
    return std::vector<StoredCanary>{};  // no release has made a canary yet
  }
  if (!key.ok()) return key.status();
  CUSTODY_ASSIGN_OR_RETURN(auto st, custody.catalog().db().Prepare(
      "SELECT id, release_id, member_id, source_record_id, sealed FROM canaries ORDER BY id"));
  std::vector<StoredCanary> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto c = OpenCanary(*key, st.Int(1), st.Int(2), static_cast<uint64_t>(st.Int(3)), st.Blob(4));
    if (!c.ok()) return c.status().WithPrefix("catalog canaries row " + std::to_string(st.Int(0)));
    c->id = st.Int(0);
    out.push_back(std::move(*c));
  }
  return out;
}

std::string CanaryContentTag(const crypto::SecretBytes& canary_key, std::string_view raw_content_id) {
  return crypto::Prf(canary_key, "custody canary content tag v1|" + std::string(raw_content_id), 16);
}

Status BackfillCanaryTags(Custody& custody, const crypto::SecretBytes& canary_key) {
  auto& db = custody.catalog().db();
  return store::InTransaction(db, [&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "SELECT id, release_id, member_id, source_record_id, sealed FROM canaries "
        "WHERE content_tag IS NULL ORDER BY id"));
    std::vector<std::pair<int64_t, std::string>> tags;
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      auto c = OpenCanary(canary_key, st.Int(1), st.Int(2), static_cast<uint64_t>(st.Int(3)),
                          st.Blob(4));
      if (!c.ok()) return c.status().WithPrefix("catalog canaries row " + std::to_string(st.Int(0)));
      CUSTODY_ASSIGN_OR_RETURN(std::string raw, HexDecode(c->content_id));
      tags.emplace_back(st.Int(0), CanaryContentTag(canary_key, raw));
    }
    CUSTODY_ASSIGN_OR_RETURN(auto up, db.Prepare("UPDATE canaries SET content_tag = ? WHERE id = ?"));
    for (const auto& [id, tag] : tags) CUSTODY_RETURN_IF_ERROR(up.BindBlob(1, tag).Bind(2, id).Run());
    return OkStatus();
  });
}

}  // namespace custody::core
