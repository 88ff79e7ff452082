#include "custody/ledger/log_export.h"

#include "custody/base/encoding.h"
#include "custody/ledger/event.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {
namespace {

constexpr char kProductName[] = "custody";
constexpr char kProductVendor[] = "custody";
constexpr char kProductVersion[] = "0.1.0";
constexpr char kOcsfVersion[] = "1.1.0";

// Where a custody event type lands in OCSF: its class, category and activity.
struct OcsfClass {
  int class_uid;
  const char* class_name;
  int category_uid;
  const char* category_name;
  int activity_id;
  const char* activity_name;
};

constexpr int kDatastoreActivity = 6005;   // category 6, Application Activity
constexpr int kComplianceFinding = 2003;   // category 2, Findings
constexpr int kDetectionFinding = 2004;
constexpr int kIncidentFinding = 2005;

OcsfClass ClassOf(const Event& ev) {
  const std::string_view type = ev.type;
  auto datastore = [](int id, const char* name) {
    return OcsfClass{kDatastoreActivity, "Datastore Activity", 6, "Application Activity", id, name};
  };
  if (type == event_type::kTrace || type == "serve.alert") {
    return {kDetectionFinding, "Detection Finding", 2, "Findings", 1, "Create"};
  }
  if (type == event_type::kIncident) {
    const std::string action = ev.details.is_object() ? ev.details.value("action", "") : "";
    if (action == "close") return {kIncidentFinding, "Incident Finding", 2, "Findings", 3, "Close"};
    if (!action.empty() && action != "open") {
      return {kIncidentFinding, "Incident Finding", 2, "Findings", 2, "Update"};
    }
    return {kIncidentFinding, "Incident Finding", 2, "Findings", 1, "Create"};
  }
  if (type == event_type::kIncidentUpdate) {
    return {kIncidentFinding, "Incident Finding", 2, "Findings", 2, "Update"};
  }
  if (type == "audit") return {kComplianceFinding, "Compliance Finding", 2, "Findings", 1, "Create"};
  if (type == event_type::kIngest) return datastore(6, "Create");
  if (type == event_type::kShred || type == "deletion") return datastore(7, "Delete");
  if (type == event_type::kRelease || type == event_type::kExport) return datastore(1, "Read");
  if (type == event_type::kGrant || type == event_type::kRevoke ||
      type == event_type::kPartner || type == event_type::kMember ||
      type == "dataset.sensitivity") {
    return datastore(2, "Update");
  }
  return datastore(99, "Other");
}

const nlohmann::json& Detail(const Event& ev, const char* key) {
  static const nlohmann::json kNull;
  if (!ev.details.is_object()) return kNull;
  auto it = ev.details.find(key);
  return it == ev.details.end() ? kNull : *it;
}

// The class-specific attributes of a finding (OCSF 1.1 finding_info,
// compliance, finding_info_list, status): `uid` names the log entry.
void AddFinding(const Event& ev, const OcsfClass& cls, const std::string& uid, nlohmann::json* j) {
  nlohmann::json info = {{"uid", uid},
                         {"title", ev.type + " " + ev.subject},
                         {"types", {ev.type}},
                         {"created_time", ToUnixMillis(ev.time)},
                         {"product_uid", kProductName}};
  if (cls.class_uid == kDetectionFinding && ev.type == "serve.alert") {
    // custody serve: a member or grant went over a task limit, or a
    // member's pulling tripped the anomaly rule.
    const auto& scope = Detail(ev, "scope");
    const auto& window = Detail(ev, "window");
    const auto& reason = Detail(ev, "reason");
    if (Detail(ev, "alert") == "anomaly" && reason.is_string()) {
      info["desc"] = "task anomaly: " + reason.get<std::string>();
    } else {
      info["desc"] = "task limit reached: " + (scope.is_string() ? scope.get<std::string>() : std::string("?")) +
                     " limit of " + Detail(ev, "limit").dump() + " per " +
                     (window.is_string() ? window.get<std::string>() : std::string("?"));
    }
    (*j)["finding_info"] = info;
    (*j)["severity_id"] = 3;  // Medium
    (*j)["severity"] = "Medium";
    (*j)["is_alert"] = true;
  } else if (cls.class_uid == kDetectionFinding) {
    const auto& accused = Detail(ev, "accused");
    const bool decided = accused.is_array() && !accused.empty();
    info["desc"] = decided ? "leaked records matched; accused: " + accused.dump()
                           : std::string("leaked records matched; no one accused");
    (*j)["finding_info"] = info;
    (*j)["severity_id"] = decided ? 4 : 3;  // High : Medium
    (*j)["severity"] = decided ? "High" : "Medium";
    (*j)["is_alert"] = true;
  } else if (cls.class_uid == kIncidentFinding) {
    (*j)["finding_info_list"] = nlohmann::json::array({info});
    (*j)["assignee_group"] = {{"name", "custody operators"}};  // OCSF: assignee or group
    (*j)["status_id"] = cls.activity_id == 3 ? 5 : 1;  // Closed : New
    (*j)["status"] = cls.activity_id == 3 ? "Closed" : "New";
    (*j)["severity_id"] = 4;
    (*j)["severity"] = "High";
  } else if (cls.class_uid == kComplianceFinding) {
    const std::string grade = Detail(ev, "grade").is_string() ? Detail(ev, "grade").get<std::string>() : "";
    const bool pass = grade == "A" || grade == "B";
    info["desc"] = "partner questionnaire " +
                   (Detail(ev, "control_set").is_string() ? Detail(ev, "control_set").get<std::string>() : std::string()) +
                   ": grade " + grade;
    (*j)["finding_info"] = info;
    (*j)["compliance"] = {{"standards", {"CSA CCM v4", "SIG Lite", "NIST CSF 2.0", "NIST SP 800-161"}},
                          {"control", Detail(ev, "control_set")},
                          {"status_id", pass ? 1 : 3},  // Pass : Fail
                          {"status", pass ? "Pass" : "Fail"}};
    (*j)["severity_id"] = pass ? 1 : (grade == "F" ? 4 : 3);
    (*j)["severity"] = pass ? "Informational" : (grade == "F" ? "High" : "Medium");
  }
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
  const OcsfClass cls = ClassOf(*ev);
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& [k, v] : ev->hashes) hashes[k] = v;
  const std::string uid = std::string(origin) + "/" + std::to_string(index);
  nlohmann::json j{
      {"class_uid", cls.class_uid},
      {"class_name", cls.class_name},
      {"category_uid", cls.category_uid},
      {"category_name", cls.category_name},
      {"activity_id", cls.activity_id},
      {"activity_name", cls.activity_name},
      {"type_uid", cls.class_uid * 100 + cls.activity_id},
      {"type_name", std::string(cls.class_name) + ": " + cls.activity_name},
      {"time", ToUnixMillis(ev->time)},
      {"severity_id", 1},
      {"severity", "Informational"},
      {"message", ev->type + " " + ev->subject},
      {"actor", {{"user", {{"name", ev->actor}}}}},
      {"metadata",
       {{"version", kOcsfVersion},
        {"product", {{"name", kProductName}, {"vendor_name", kProductVendor},
                     {"version", kProductVersion}}},
        {"log_name", std::string(origin)},
        {"sequence", index},
        {"uid", uid}}},
      {"unmapped",
       {{"custody_type", ev->type},
        {"subject", ev->subject},
        {"details", ev->details},
        {"hashes", hashes},
        {"leaf_hash", Base64Encode(crypto::DigestBytes(HashLeaf(entry)))}}}};
  if (cls.class_uid == kDatastoreActivity) {
    j["status_id"] = 1;
    j["status"] = "Success";
    j["src_endpoint"] = {{"name", std::string(origin)}};
    // OCSF: at least one of database, databucket, table. The vault's catalog.
    j["database"] = {{"name", std::string(origin)}, {"type_id", 99}, {"type", "custody vault"}};
  } else {
    AddFinding(*ev, cls, uid, &j);
  }
  return j;
}

}  // namespace custody::ledger
