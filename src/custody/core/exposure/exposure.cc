#include "custody/core/exposure/exposure.h"

#include <map>

#include "custody/core/parties/parties.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

HolderExposure Summarize(std::vector<ReleaseSummary> releases) {
  HolderExposure h;
  std::map<std::pair<std::string, int>, DatasetHolding> by;
  RecordSet all;
  for (auto& r : releases) {
    auto& d = by[{r.dataset, r.version}];
    d.dataset = r.dataset;
    d.version = r.version;
    d.ids.UnionWith(r.ids);
    all.UnionWith(r.ids);
    h.canaries += r.canaries;
    ++h.releases;
  }
  for (auto& [k, d] : by) {
    d.records = d.ids.Cardinality();
    h.datasets.push_back(std::move(d));
  }
  h.records = all.Cardinality();
  for (auto& r : releases) r.ids = RecordSet();
  h.release_list = std::move(releases);
  return h;
}

}  // namespace

Result<RecordExposure> ExposureOfRecord(Custody& c, RecordId record_id, std::optional<Time> at) {
  CUSTODY_ASSIGN_OR_RETURN(auto v, c.catalog().VersionOfRecord(record_id));
  if (record_id.value() >= v.first_record_id + static_cast<uint64_t>(v.records)) {
    return NotFoundError("record " + ToString(record_id) + " is in no committed dataset version");
  }
  RecordExposure e;
  e.record_id = record_id;
  e.dataset = v.dataset;
  e.version = v.version;
  HoldingsQuery q;
  q.at = at;
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, q));
  std::map<MemberId, Member> members;
  for (const auto& r : releases) {
    if (!r.ids.Contains(record_id.value())) continue;
    auto it = members.find(r.member_id);
    if (it == members.end()) {
      CUSTODY_ASSIGN_OR_RETURN(Member m, GetMember(c, r.member_id));
      it = members.emplace(r.member_id, std::move(m)).first;
    }
    e.recipients.push_back({it->second.name, r.member_id, it->second.partner, r.release_id,
                            r.grant_id, r.created_at, r.dataset, r.version});
  }
  return e;
}

namespace {

// The exposure of the holder whose releases `q` selects (q.at included).
Result<HolderExposure> ExposureOf(Custody& c, const HoldingsQuery& q, std::string kind,
                                  std::string name, std::string partner, std::string status) {
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, q));
  HolderExposure h = Summarize(std::move(releases));
  h.kind = std::move(kind);
  h.name = std::move(name);
  h.partner = std::move(partner);
  h.status = std::move(status);
  return h;
}

}  // namespace

Result<HolderExposure> ExposureOfMember(Custody& c, const std::string& name, std::optional<Time> at) {
  CUSTODY_ASSIGN_OR_RETURN(Member m, FindMember(c, name));
  // The status at `at`: a member revoked later was active then.
  std::string status(store::MemberStatusName(m.status));
  if (at && m.revoked_at && *m.revoked_at > *at) status = "active";
  if (at && m.created_at > *at) status = "not yet added";
  HoldingsQuery q;
  q.at = at;
  q.member_id = m.id;
  return ExposureOf(c, q, "member", m.name, m.partner, std::move(status));
}

Result<HolderExposure> ExposureOfPartner(Custody& c, const std::string& name, std::optional<Time> at) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  std::string status(store::PartnerStatusName(p.status));
  if (at && p.created_at > *at) status = "not yet added";
  HoldingsQuery q;
  q.at = at;
  q.partner_id = p.id;
  return ExposureOf(c, q, "partner", p.name, p.name, std::move(status));
}

}  // namespace custody::core
