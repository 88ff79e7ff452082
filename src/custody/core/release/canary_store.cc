#include "custody/core/release/canary_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

std::string CanaryAd(int v, ReleaseId release_id, MemberId member_id, RecordId source) {
  return "custody canary v" + std::to_string(v) + "|release:" + ToString(release_id) +
         "|member:" + ToString(member_id) + "|source:" + ToString(source);
}

Result<StoredCanary> ParseCanary(const std::string& plain, ReleaseId release_id, MemberId member_id,
                                 RecordId source);

}  // namespace

crypto::SecretBytes CanarySealKey(const crypto::SecretBytes& dataset_key) {
  return crypto::DeriveKey(dataset_key, "custody canary seal v2");
}

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
  return crypto::AeadSeal(key, j.dump(),
                          CanaryAd(2, c.release_id, c.member_id, c.source_record_id));
}

Result<StoredCanary> OpenCanary(const crypto::SecretBytes& key, ReleaseId release_id,
                                MemberId member_id, RecordId source, std::string_view sealed) {
  CUSTODY_ASSIGN_OR_RETURN(std::string plain,
                           crypto::AeadOpen(key, sealed, CanaryAd(2, release_id, member_id, source)));
  return ParseCanary(plain, release_id, member_id, source);
}

Result<StoredCanary> OpenLegacyCanary(const crypto::SecretBytes& key, ReleaseId release_id,
                                      MemberId member_id, RecordId source,
                                      std::string_view sealed) {
  CUSTODY_ASSIGN_OR_RETURN(std::string plain,
                           crypto::AeadOpen(key, sealed, CanaryAd(1, release_id, member_id, source)));
  return ParseCanary(plain, release_id, member_id, source);
}

Result<StoredCanary> CanaryOpener::Open(const store::CanaryRow& row) {
  const uint64_t rid = row.source_record_id.value();
  auto it = std::find_if(versions_.begin(), versions_.end(), [&](const auto& v) {
    return v.first.first_record_id <= rid &&
           rid < v.first.first_record_id + static_cast<uint64_t>(v.first.records);
  });
  if (it == versions_.end()) {
    CUSTODY_ASSIGN_OR_RETURN(auto v, custody_.catalog().VersionOfRecord(row.source_record_id));
    auto key = custody_.vault().GetWrappedKey(store::KeyPurpose::Dataset(v.dataset_id));
    std::optional<crypto::SecretBytes> seal;
    if (key.ok()) {
      seal = CanarySealKey(*key);
    } else if (key.status().code() != StatusCode::kNotFound) {
      return key.status();
    }
    versions_.emplace_back(std::move(v), std::move(seal));
    it = versions_.end() - 1;
  }
  if (it->second) {
    auto opened = OpenCanary(*it->second, row.release_id, row.member_id, row.source_record_id,
                             row.sealed);
    if (opened.ok()) {
      opened->id = row.id;
      return opened;
    }
  }
  if (!legacy_) {
    auto key = custody_.vault().GetWrappedKey(store::KeyPurpose::Canary());
    if (!key.ok() && key.status().code() != StatusCode::kNotFound) return key.status();
    legacy_.emplace(key.ok() ? std::optional<crypto::SecretBytes>(std::move(*key)) : std::nullopt);
  }
  if (*legacy_) {
    auto opened = OpenLegacyCanary(**legacy_, row.release_id, row.member_id, row.source_record_id,
                                   row.sealed);
    if (opened.ok()) {
      opened->id = row.id;
      return opened;
    }
  }
  if (!it->second) {
    return FailedPreconditionError("canary " + ToString(row.id) + ": dataset '" + it->first.dataset +
                                   "' was shredded; its canaries cannot be opened");
  }
  return DataLossError("catalog canaries row " + ToString(row.id) +
                       ": sealed canary does not authenticate under its dataset's key");
}

namespace {

Result<StoredCanary> ParseCanary(const std::string& plain, ReleaseId release_id, MemberId member_id,
                                 RecordId source) {
  // simdjson: a trace opens every canary of the vault (thousands of ~1 KiB
  // payloads) before it scans, and a JSON tree per payload cost ~10x more.
  const auto malformed = [&](std::string_view what) {
    return DataLossError("canary of release " + ToString(release_id) +
                         ": malformed payload: " + std::string(what));
  };
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object j;
  if (parser.parse(plain).get(j) != simdjson::SUCCESS) return malformed("not a JSON object");
  StoredCanary c;
  c.release_id = release_id;
  c.member_id = member_id;
  c.source_record_id = source;
  std::string_view text;
  if (j["record"].get(text) != simdjson::SUCCESS) return malformed("record");
  c.record = text;
  if (j["content_id"].get(text) == simdjson::SUCCESS) c.content_id = text;
  uint64_t index = 0;
  if (j["canary_index"].get(index) == simdjson::SUCCESS) c.canary_index = index;
  simdjson::dom::element fmp;
  if (j["false_match_probability"].get(fmp) == simdjson::SUCCESS) {
    double p = 0;
    if (fmp.get_double().get(p) != simdjson::SUCCESS) {
      int64_t i = 0;
      if (fmp.get_int64().get(i) != simdjson::SUCCESS) return malformed("false_match_probability");
      p = static_cast<double>(i);
    }
    c.false_match_probability = p;
  }
  simdjson::dom::array fields, subs;
  if (j["fields"].get(fields) != simdjson::SUCCESS) return malformed("fields");
  for (simdjson::dom::element f : fields) {
    std::string_view name, value;
    if (f.at(0).get(name) != simdjson::SUCCESS || f.at(1).get(value) != simdjson::SUCCESS) {
      return malformed("fields");
    }
    c.fields.emplace_back(std::string(name), std::string(value));
  }
  if (j["substitutions"].get(subs) != simdjson::SUCCESS) return malformed("substitutions");
  for (simdjson::dom::element e : subs) {
    std::string_view from, to;
    if (e["from"].get(from) != simdjson::SUCCESS || e["to"].get(to) != simdjson::SUCCESS) {
      return malformed("substitutions");
    }
    c.substitutions.push_back({std::string(from), std::string(to)});
  }
  return c;
}

}  // namespace

Result<std::vector<StoredCanary>> LoadCanaries(Custody& custody, uint64_t* shredded) {
  if (shredded != nullptr) *shredded = 0;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, custody.catalog().canaries().List());
  std::vector<StoredCanary> out;
  out.reserve(rows.size());
  CanaryOpener opener(custody);
  for (const store::CanaryRow& row : rows) {
    auto c = opener.Open(row);
    if (!c.ok() && c.status().code() == StatusCode::kFailedPrecondition) {
      if (shredded != nullptr) ++*shredded;
      continue;
    }
    if (!c.ok()) return c.status().WithPrefix("catalog canaries row " + ToString(row.id));
    out.push_back(std::move(*c));
  }
  return out;
}

std::string CanaryContentTag(const crypto::SecretBytes& canary_key, std::string_view raw_content_id) {
  return crypto::Prf(canary_key, "custody canary content tag v1|" + std::string(raw_content_id), 16);
}

Status BackfillCanaryTags(Custody& custody, const crypto::SecretBytes& canary_key) {
  store::CanaryTable& canaries = custody.catalog().canaries();
  return custody.catalog().Transaction([&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto rows, canaries.List(/*untagged_only=*/true));
    CanaryOpener opener(custody);
    for (const store::CanaryRow& row : rows) {
      auto c = opener.Open(row);
      // A shredded dataset's canary stays untagged: its content is gone.
      if (!c.ok() && c.status().code() == StatusCode::kFailedPrecondition) continue;
      if (!c.ok()) return c.status().WithPrefix("catalog canaries row " + ToString(row.id));
      CUSTODY_ASSIGN_OR_RETURN(std::string raw, HexDecode(c->content_id));
      CUSTODY_RETURN_IF_ERROR(canaries.SetTag(row.id, CanaryContentTag(canary_key, raw)));
    }
    return OkStatus();
  });
}

}  // namespace custody::core
