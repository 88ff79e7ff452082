#include "custody/core/release/holdings.h"

#include <charconv>
#include <map>

#include <nlohmann/json.hpp>

#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

// The release event of `rel`: the entry at its log_index, or (a crash
// between the append and the row's log_index, or an edited log_index) the
// newest release event of its id in the whole log. kDataLoss if none.
Result<LoggedEvent> ReleaseEventOf(Custody& c, const store::ReleaseRow& rel,
                                   std::optional<LoggedRows>* all) {
  auto is_ours = [&](const ledger::Event& ev) {
    auto id = ev.details.find("release_id");
    return ev.type == ledger::event_type::kRelease && id != ev.details.end() &&
           id->is_number_integer() && id->get<int64_t>() == rel.id.value();
  };
  if (rel.log_index && *rel.log_index >= 0 && static_cast<uint64_t>(*rel.log_index) >= c.log().size()) {
    // A row newer than this process's view of a shared vault's log: its
    // event was durable before the row committed, so it is there now.
    CUSTODY_RETURN_IF_ERROR(c.log().Refresh());
  }
  if (rel.log_index && *rel.log_index >= 0 && static_cast<uint64_t>(*rel.log_index) < c.log().size()) {
    const uint64_t index = static_cast<uint64_t>(*rel.log_index);
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(c.log(), index));
    if (is_ours(ev)) return LoggedEvent{index, std::move(ev)};
  }
  if (!*all) {
    CUSTODY_ASSIGN_OR_RETURN(*all, IndexLoggedRows(c));
  }
  auto it = (*all)->releases.find(rel.id.value());
  if (it == (*all)->releases.end()) {
    return DataLossError("release " + ToString(rel.id) +
                         ": no release event for it in the custody log; its holdings are not trusted");
  }
  return it->second;
}

// The stored holdings bitmap must hash to what its release event committed
// to: two flipped bytes would otherwise change who holds what.
Status CheckBitmapLogged(Custody& c, const store::ReleaseRow& rel, std::optional<LoggedRows>* all) {
  CUSTODY_ASSIGN_OR_RETURN(LoggedEvent e, ReleaseEventOf(c, rel, all));
  auto h = e.event.hashes.find("record_bitmap");
  if (h == e.event.hashes.end()) return OkStatus();  // an event older than the hash
  const std::string found = Sha256Hex(rel.record_bitmap);
  if (h->second != found) {
    return DataLossError("release " + ToString(rel.id) + ": holdings bitmap hash " + found +
                         " does not match the release event (log index " + std::to_string(e.index) +
                         "): expected " + h->second);
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<ReleaseSummary>> ListReleases(Custody& c, const HoldingsQuery& q) {
  store::ReleaseFilter filter;
  filter.at = q.at;
  filter.member_id = q.member_id;
  filter.partner_id = q.partner_id;
  filter.release_id = q.release_id;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().releases().Holdings(filter));
  std::vector<ReleaseSummary> out;
  out.reserve(rows.size());
  std::map<GrantId, Selection> selections;  // by grant id
  std::optional<LoggedRows> logged;         // read only if a row's log_index fails
  for (auto& row : rows) {
    store::ReleaseRow& rel = row.release;
    const std::string where = "release " + ToString(rel.id);
    ReleaseSummary r;
    r.release_id = rel.id;
    r.grant_id = rel.grant_id;
    r.member_id = rel.member_id;
    r.created_at = rel.created_at;
    r.dataset = std::move(row.dataset);
    r.version = row.version;
    r.version_id = row.version_id;
    r.records = rel.records;
    r.canaries = rel.canaries;
    r.format = std::move(rel.format);
    r.encrypted = rel.encrypted;
    // Releases of one grant share its selection: parse it (an ids selection
    // carries a whole bitmap) once per grant.
    auto known = selections.find(rel.grant_id);
    if (known == selections.end()) {
      auto sel = SelectionFromJson(nlohmann::json::parse(row.selection_json, nullptr, false));
      if (!sel.ok()) return sel.status().WithPrefix(where);
      known = selections.emplace(rel.grant_id, std::move(*sel)).first;
    }
    const Selection& sel = known->second;
    r.selection = std::string(SelectionKindName(sel.kind));
    if (sel.kind == Selection::Kind::kSample) {
      r.random_sample = true;
      std::from_chars(sel.fraction.data(), sel.fraction.data() + sel.fraction.size(),
                      r.sample_fraction);  // validated by SelectionFromJson
    }
    r.bitmap_hash = std::move(rel.bitmap_hash);
    r.params_hash = std::move(rel.params_hash);
    r.file_hash = std::move(rel.file_hash);
    r.log_index = rel.log_index;
    CUSTODY_RETURN_IF_ERROR(CheckBitmapLogged(c, rel, &logged));
    auto ids = RecordSet::Deserialize(rel.record_bitmap);
    if (!ids.ok()) return ids.status().WithPrefix(where);
    r.ids = std::move(*ids);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<MemberHoldings>> LoadHoldings(Custody& c, const HoldingsQuery& q) {
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c, q));
  std::map<MemberId, MemberHoldings> by_member;
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
