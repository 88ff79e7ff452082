// LoadTraceInputs: the holdings and canaries of every member, from the
// release records in the catalog (core/release).
#include "custody/core/release/canary_store.h"
#include "custody/core/release/holdings.h"
#include "custody/core/trace/trace.h"

namespace custody::core {

Result<TraceInputs> LoadTraceInputs(Custody& custody) {
  TraceInputs in;
  CUSTODY_ASSIGN_OR_RETURN(auto holdings, LoadHoldings(custody));
  for (const auto& h : holdings) {
    Holder holder;
    holder.member_id = h.member_id;
    holder.member = h.member;
    holder.partner_id = h.partner_id;
    holder.partner = h.partner;
    holder.held = h.ids.ToVector();
    for (const auto& r : h.releases) {
      HolderRelease hr;
      hr.release_id = r.release_id;
      hr.grant_id = r.grant_id;
      hr.created_at = r.created_at;
      hr.dataset = r.dataset;
      hr.records = r.records;
      hr.sampled = r.random_sample;
      hr.ids = r.ids.ToVector();
      holder.releases.push_back(std::move(hr));
    }
    in.holders.push_back(std::move(holder));
  }
  if (in.holders.empty()) return in;
  CUSTODY_ASSIGN_OR_RETURN(auto canaries, LoadCanaries(custody));
  for (const auto& c : canaries) {
    CanaryRecord cr;
    cr.canary_id = c.id;
    cr.member_id = c.member_id;
    cr.release_id = c.release_id;
    cr.source_record_id = c.source_record_id;
    cr.substitutions = c.substitutions;
    cr.false_match_probability = c.false_match_probability;
    in.canaries.push_back(std::move(cr));
  }
  return in;
}

}  // namespace custody::core
