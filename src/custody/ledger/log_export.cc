#include "custody/ledger/log_export.h"

#include "custody/base/encoding.h"
#include "custody/ledger/event.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {
namespace {

constexpr int kOcsfClassUid = 6005;  // Datastore Activity
constexpr int kOcsfCategoryUid = 6;  // Application Activity

// OCSF Datastore Activity activity_id for a custody event type.
std::pair<int, const char*> OcsfActivity(std::string_view type) {
  if (type == event_type::kIngest) return {6, "Create"};
  if (type == event_type::kShred) return {7, "Delete"};
  if (type == event_type::kRelease || type == event_type::kExport) return {1, "Read"};
  if (type == event_type::kTrace) return {4, "Query"};
  if (type == event_type::kGrant || type == event_type::kRevoke ||
      type == event_type::kPartner || type == event_type::kMember) {
    return {2, "Update"};
  }
  return {99, "Other"};
}

}  // namespace

Result<nlohmann::json> ExportJsonl(std::string_view origin, uint64_t index,
                                   std::string_view entry) {
  if (Status s = CheckEventDepth(entry); !s.ok()) {
    return DataLossError("log entry " + std::to_string(index) + ": " + s.message());
  }
  nlohmann::json j = nlohmann::json::parse(entry, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("log entry " + std::to_string(index) + ": expected a JSON object");
  }
  j["origin"] = origin;
  j["index"] = index;
  j["leaf_hash"] = Base64Encode(crypto::DigestBytes(HashLeaf(entry)));
  return j;
}

Result<nlohmann::json> ExportOcsf(std::string_view origin, uint64_t index,
                                  std::string_view entry) {
  auto ev = ParseEvent(entry);
  if (!ev.ok()) return ev.status().WithPrefix("log entry " + std::to_string(index));
  const auto [activity_id, activity_name] = OcsfActivity(ev->type);
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& [k, v] : ev->hashes) hashes[k] = v;
  return nlohmann::json{
      {"class_uid", kOcsfClassUid},
      {"class_name", "Datastore Activity"},
      {"category_uid", kOcsfCategoryUid},
      {"category_name", "Application Activity"},
      {"activity_id", activity_id},
      {"activity_name", activity_name},
      {"type_uid", kOcsfClassUid * 100 + activity_id},
      {"type_name", std::string("Datastore Activity: ") + activity_name},
      {"time", ToUnixMillis(ev->time)},
      {"severity_id", 1},
      {"severity", "Informational"},
      {"status_id", 1},
      {"status", "Success"},
      {"message", ev->type + " " + ev->subject},
      {"actor", {{"user", {{"name", ev->actor}}}}},
      {"metadata",
       {{"version", "1.1.0"},
        {"product", {{"name", "custody"}, {"vendor_name", "custody"}, {"version", "0.1.0"}}},
        {"log_name", std::string(origin)},
        {"sequence", index},
        {"uid", std::string(origin) + "/" + std::to_string(index)}}},
      {"unmapped",
       {{"custody_type", ev->type},
        {"subject", ev->subject},
        {"details", ev->details},
        {"hashes", hashes},
        {"leaf_hash", Base64Encode(crypto::DigestBytes(HashLeaf(entry)))}}}};
}

}  // namespace custody::ledger
