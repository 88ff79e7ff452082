#include "custody/core/release/holdings.h"

#include <map>

#include <nlohmann/json.hpp>

#include "custody/core/parties/parties.h"
#include "custody/store/catalog.h"

namespace custody::core {

Result<std::vector<ReleaseSummary>> ListReleases(Custody& c, const HoldingsQuery& q) {
  std::string sql =
      "SELECT r.id, r.grant_id, r.member_id, r.created_at, d.name, v.version, v.id, r.records, "
      "r.canaries, r.format, r.encrypted, g.selection, r.bitmap_hash, r.params_hash, r.file_hash, "
      "r.log_index, r.record_bitmap FROM releases r JOIN grants g ON g.id = r.grant_id "
      "JOIN dataset_versions v ON v.id = g.version_id JOIN datasets d ON d.id = v.dataset_id "
      "JOIN members m ON m.id = r.member_id "
      "WHERE (?1 IS NULL OR r.created_at <= ?1) AND (?2 = 0 OR r.member_id = ?2) "
      "AND (?3 = 0 OR m.partner_id = ?3) AND (?4 = 0 OR r.id = ?4) ORDER BY r.created_at, r.id";
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(sql));
  st.Bind(1, q.at).Bind(2, q.member_id).Bind(3, q.partner_id).Bind(4, q.release_id);
  std::vector<ReleaseSummary> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ReleaseSummary r;
    r.release_id = st.Int(0);
    r.grant_id = st.Int(1);
    r.member_id = st.Int(2);
    r.created_at = st.Int(3);
    r.dataset = st.Text(4);
    r.version = static_cast<int>(st.Int(5));
    r.version_id = st.Int(6);
    r.records = static_cast<uint64_t>(st.Int(7));
    r.canaries = static_cast<uint64_t>(st.Int(8));
    r.format = st.Text(9);
    r.encrypted = st.Int(10) != 0;
    auto sel = nlohmann::json::parse(st.Text(11), nullptr, false);
    r.selection = sel.is_object() ? sel.value("kind", "all") : "all";
    if (r.selection == "sample") {
      r.random_sample = true;
      r.sample_fraction = std::stod(sel.value("fraction", "1"));
    }
    r.bitmap_hash = st.Text(12);
    r.params_hash = st.Text(13);
    r.file_hash = st.Text(14);
    if (!st.IsNull(15)) r.log_index = st.Int(15);
    auto ids = RecordSet::Deserialize(st.Blob(16));
    if (!ids.ok()) return ids.status().WithPrefix("release " + std::to_string(r.release_id));
    r.ids = std::move(*ids);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<MemberHoldings>> LoadHoldings(Custody& c, const HoldingsQuery& q) {
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, q));
  std::map<int64_t, MemberHoldings> by_member;
  for (auto& r : releases) {
    auto it = by_member.find(r.member_id);
    if (it == by_member.end()) {
      CUSTODY_ASSIGN_OR_RETURN(Member m, GetMember(c, r.member_id));
      MemberHoldings h;
      h.member_id = m.id;
      h.member = m.name;
      h.partner_id = m.partner_id;
      h.partner = m.partner;
      it = by_member.emplace(m.id, std::move(h)).first;
    }
    it->second.ids.UnionWith(r.ids);
    it->second.releases.push_back(std::move(r));
  }
  std::vector<MemberHoldings> out;
  for (auto& [id, h] : by_member) out.push_back(std::move(h));
  return out;
}

}  // namespace custody::core
