// The OCSF export of every custody event type validates against the OCSF
// 1.x required attributes of the class it maps to. The lists below are
// written from the OCSF schema (github.com/ocsf/ocsf-schema: base_event.json,
// events/application/datastore_activity.json, events/findings/
// compliance_finding.json, detection_finding.json, incident_finding.json,
// objects/metadata.json, product.json, finding_info.json, compliance.json),
// including the classes' "at_least_one" constraints.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "custody/core/audit/audit_events.h"
#include "custody/ledger/event.h"
#include "custody/ledger/log_export.h"

namespace custody::core::audit {
namespace {

const std::vector<std::string> kBaseRequired = {"activity_id", "category_uid", "class_uid",
                                                "metadata",    "severity_id",  "time",
                                                "type_uid"};
const std::map<int, std::vector<std::string>> kClassRequired = {
    {6005, {"actor", "src_endpoint"}},                 // Datastore Activity
    {2003, {"finding_info", "compliance"}},            // Compliance Finding
    {2004, {"finding_info"}},                          // Detection Finding
    {2005, {"finding_info_list", "status_id"}},        // Incident Finding
};
const std::map<int, int> kCategoryOf = {{6005, 6}, {2003, 2}, {2004, 2}, {2005, 2}};
const std::vector<std::string> kMetadataRequired = {"product", "version"};
const std::vector<std::string> kProductRequired = {"name", "vendor_name"};
const std::vector<std::string> kFindingInfoRequired = {"uid"};
const std::vector<std::string> kFindingInfoRecommended = {"title"};
// Class constraints "at_least_one".
const std::map<int, std::vector<std::string>> kAtLeastOne = {
    {6005, {"database", "databucket", "table"}},
    {2005, {"assignee", "assignee_group"}},
};
const std::vector<std::string> kComplianceRequired = {"standards"};

void ExpectHas(const nlohmann::json& j, const std::vector<std::string>& keys, const std::string& what) {
  ASSERT_TRUE(j.is_object()) << what;
  for (const auto& k : keys) {
    EXPECT_TRUE(j.contains(k) && !j[k].is_null()) << what << ": missing required " << k;
  }
}

// Validates one exported event; returns its class_uid.
int Validate(const nlohmann::json& e, const std::string& what) {
  ExpectHas(e, kBaseRequired, what);
  const int cls = e.value("class_uid", 0);
  auto req = kClassRequired.find(cls);
  EXPECT_NE(req, kClassRequired.end()) << what << ": class " << cls;
  if (req == kClassRequired.end()) return cls;
  ExpectHas(e, req->second, what);
  if (auto one = kAtLeastOne.find(cls); one != kAtLeastOne.end()) {
    bool any = false;
    for (const auto& k : one->second) any = any || e.contains(k);
    EXPECT_TRUE(any) << what << ": needs at least one of its class's constraint attributes";
  }
  EXPECT_EQ(e["category_uid"], kCategoryOf.at(cls)) << what;
  EXPECT_EQ(e["type_uid"], cls * 100 + e["activity_id"].get<int>()) << what;
  EXPECT_TRUE(e["severity_id"].is_number_integer()) << what;
  EXPECT_TRUE(e["time"].is_number_integer()) << what;
  ExpectHas(e["metadata"], kMetadataRequired, what + " metadata");
  ExpectHas(e["metadata"]["product"], kProductRequired, what + " metadata.product");
  EXPECT_EQ(e["metadata"]["product"]["name"], "custody");
  if (e.contains("finding_info")) {
    ExpectHas(e["finding_info"], kFindingInfoRequired, what + " finding_info");
    ExpectHas(e["finding_info"], kFindingInfoRecommended, what + " finding_info");
  }
  if (cls == 2005) {
    EXPECT_TRUE(e["finding_info_list"].is_array() && !e["finding_info_list"].empty()) << what;
    for (const auto& fi : e["finding_info_list"]) ExpectHas(fi, kFindingInfoRequired, what + " finding_info_list[]");
  }
  if (cls == 2003) {
    ExpectHas(e["compliance"], kComplianceRequired, what + " compliance");
    EXPECT_TRUE(e["compliance"]["standards"].is_array()) << what;
  }
  return cls;
}

TEST(OcsfExportTest, EveryEventTypeValidatesAgainstItsClass) {
  namespace et = ledger::event_type;
  const std::map<std::string, int> expected_class = {
      {et::kIngest, 6005},  {et::kShred, 6005},   {et::kPartner, 6005}, {et::kMember, 6005},
      {et::kGrant, 6005},   {et::kRelease, 6005}, {et::kRevoke, 6005},  {et::kExport, 6005},
      {et::kTrace, 2004},   {et::kIncident, 2005}, {et::kIncidentUpdate, 2005},
      {kAuditEvent, 2003},  {kDeletionEvent, 6005},
      {kSensitivityEvent, 6005}, {"some.future-type", 6005}};
  uint64_t index = 0;
  for (const auto& [type, cls] : expected_class) {
    ledger::Event ev;
    ev.type = type;
    ev.time = FromUnixMillis(1767225600000 + static_cast<int64_t>(index));
    ev.actor = "tester";
    ev.subject = "thing:1";
    if (type == et::kTrace) ev.details = {{"accused", {"alice"}}, {"compromised", 3}};
    if (type == kAuditEvent) ev.details = {{"grade", "F"}, {"control_set", "custody-partner-controls@1"}};
    ev.hashes["x"] = "00ff";
    auto entry = ledger::SerializeEvent(ev);
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    auto out = ledger::ExportOcsf("test.example/log", index++, *entry);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(Validate(*out, type), cls) << type;
    EXPECT_EQ((*out)["unmapped"]["custody_type"], type);
  }
}

TEST(OcsfExportTest, FindingsCarrySeverityAndStatus) {
  ledger::Event ev;
  ev.type = ledger::event_type::kTrace;
  ev.time = FromUnixMillis(1767225600000);
  ev.actor = "a";
  ev.subject = "dump:abc";
  ev.details = {{"accused", nlohmann::json::array()}};
  auto e = ledger::ExportOcsf("o", 1, *ledger::SerializeEvent(ev));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)["severity_id"], 3);  // no one accused: medium
  ev.details = {{"accused", {"bob"}}};
  e = ledger::ExportOcsf("o", 1, *ledger::SerializeEvent(ev));
  EXPECT_EQ((*e)["severity_id"], 4);
  EXPECT_EQ((*e)["type_uid"], 200401);
  ev.type = kAuditEvent;
  ev.details = {{"grade", "A"}, {"control_set", "c@1"}};
  e = ledger::ExportOcsf("o", 2, *ledger::SerializeEvent(ev));
  EXPECT_EQ((*e)["compliance"]["status"], "Pass");
  EXPECT_EQ((*e)["type_uid"], 200301);
}

}  // namespace
}  // namespace custody::core::audit
