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
  CUSTODY_ASSIGN_OR_RETURN(LoggedState state, LoggedStateAt(c, at.value_or(c.clock()->Now())));
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, HoldingsQuery{}));
  std::map<MemberId, Member> members;
  for (const auto& r : releases) {
    if (!r.ids.Contains(record_id.value()) || !state.releases.contains(r.release_id.value())) continue;
    auto it = members.find(r.member_id);
    if (it == members.end()) {
      CUSTODY_ASSIGN_OR_RETURN(Member m, GetMember(c, r.member_id));
      it = members.emplace(r.member_id, std::move(m)).first;
    }
    e.recipients.push_back({it->second.name, r.member_id, it->second.partner, r.release_id, r.grant_id,
                            r.created_at, r.dataset, r.version, state.MemberStatus(r.member_id.value()),
                            state.GrantStatus(r.grant_id.value())});
  }
  return e;
}

namespace {

// The exposure of the holder whose releases `q` selects, keeping those the
// log holds by `state.at`, with the grants `wanted` picks from the log.
template <typename GrantFilter>
Result<HolderExposure> ExposureOf(Custody& c, const HoldingsQuery& q, const LoggedState& state,
                                  GrantFilter wanted) {
  CUSTODY_ASSIGN_OR_RETURN(auto all, ListReleases(c, q));
  std::vector<ReleaseSummary> releases;
  for (auto& r : all) {
    if (state.releases.contains(r.release_id.value())) releases.push_back(std::move(r));
  }
  HolderExposure h = Summarize(std::move(releases));
  for (const auto& [id, g] : state.grants) {
    if (!wanted(g)) continue;
    h.grants.push_back({GrantId(id), g.member, g.dataset, g.version, g.expires_at, state.GrantStatus(id)});
  }
  return h;
}

}  // namespace

Result<HolderExposure> ExposureOfMember(Custody& c, const std::string& name, std::optional<Time> at) {
  CUSTODY_ASSIGN_OR_RETURN(Member m, FindMember(c, name));
  CUSTODY_ASSIGN_OR_RETURN(LoggedState state, LoggedStateAt(c, at.value_or(c.clock()->Now())));
  HoldingsQuery q;
  q.member_id = m.id;
  CUSTODY_ASSIGN_OR_RETURN(
      HolderExposure h, ExposureOf(c, q, state, [&](const GrantAsOf& g) {
        return g.partner == m.partner && (g.member.empty() || g.member == m.name);
      }));
  h.kind = "member";
  h.name = m.name;
  h.partner = m.partner;
  h.status = state.MemberStatus(m.id.value());
  h.partner_status = state.PartnerStatus(m.partner);
  return h;
}

Result<HolderExposure> ExposureOfPartner(Custody& c, const std::string& name, std::optional<Time> at) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, name));
  CUSTODY_ASSIGN_OR_RETURN(LoggedState state, LoggedStateAt(c, at.value_or(c.clock()->Now())));
  HoldingsQuery q;
  q.partner_id = p.id;
  CUSTODY_ASSIGN_OR_RETURN(HolderExposure h,
                           ExposureOf(c, q, state, [&](const GrantAsOf& g) { return g.partner == p.name; }));
  h.kind = "partner";
  h.name = p.name;
  h.partner = p.name;
  h.status = state.PartnerStatus(p.name);
  h.partner_status = h.status;
  return h;
}

}  // namespace custody::core
