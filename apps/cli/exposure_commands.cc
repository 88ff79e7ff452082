// `custody exposure`: who received a record (--record R), or what a member
// or partner holds (--member M | --partner P), now or at a past time (--at).
// Output schemas (--json): docs/releases.md.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/core/exposure/exposure.h"

namespace custody::cli {
namespace {

void RegisterExposure(CLI::App& app) {
  auto* sub = app.add_subcommand("exposure", "who received a record, or what a member or partner holds");
  auto record = std::make_shared<uint64_t>(0);
  auto member = std::make_shared<std::string>();
  auto partner = std::make_shared<std::string>();
  auto at = std::make_shared<std::string>();
  auto* r_opt = sub->add_option("--record", *record, "record id");
  auto* m_opt = sub->add_option("--member", *member, "member name");
  auto* p_opt = sub->add_option("--partner", *partner, "partner name");
  r_opt->excludes(m_opt)->excludes(p_opt);
  m_opt->excludes(p_opt);
  sub->add_option("--at", *at, "as of this time: YYYY-MM-DD or RFC 3339 (UTC); default now");
  SetAction(sub, [record, member, partner, at, r_opt]() -> Status {
    std::optional<Time> when;
    if (!at->empty()) {
      auto t = ParseTime(*at);
      if (!t.ok()) return t.status().WithPrefix("--at");
      when = *t;
    }
    nlohmann::json at_json = when ? nlohmann::json(FormatRfc3339(*when)) : nlohmann::json();
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    if (r_opt->count() > 0) {
      CUSTODY_ASSIGN_OR_RETURN(auto e, core::ExposureOfRecord(*c, RecordId(*record), when));
      if (Globals().json) {
        nlohmann::json rs = nlohmann::json::array();
        for (const auto& x : e.recipients) {
          rs.push_back({{"member", x.member}, {"partner", x.partner}, {"release", x.release_id},
                        {"grant", x.grant_id}, {"created_at", FormatRfc3339(x.created_at)}});
        }
        PrintJson({{"record", e.record_id}, {"dataset", e.dataset}, {"version", e.version},
                   {"at", at_json}, {"recipients", rs}});
      } else {
        std::cout << fmt::format("Record {} ({} v{}): {} release(s){}\n", e.record_id, e.dataset, e.version,
                                 e.recipients.size(), when ? " as of " + FormatRfc3339(*when) : "");
        for (const auto& x : e.recipients) {
          std::cout << fmt::format("  {} ({})  release {}  grant {}  {}\n", x.member, x.partner, x.release_id,
                                   x.grant_id, FormatRfc3339(x.created_at));
        }
      }
      return OkStatus();
    }
    if (member->empty() && partner->empty()) {
      return InvalidArgumentError("exposure: expected --record, --member or --partner");
    }
    Result<core::HolderExposure> h = member->empty() ? core::ExposureOfPartner(*c, *partner, when)
                                                     : core::ExposureOfMember(*c, *member, when);
    CUSTODY_RETURN_IF_ERROR(h.status());
    if (Globals().json) {
      nlohmann::json ds = nlohmann::json::array();
      for (const auto& d : h->datasets) {
        ds.push_back({{"dataset", d.dataset}, {"version", d.version}, {"records", d.records},
                      {"record_ids", d.ids.ToVector()}});
      }
      nlohmann::json rs = nlohmann::json::array();
      for (const auto& r : h->release_list) {
        rs.push_back({{"release", r.release_id}, {"grant", r.grant_id}, {"dataset", r.dataset},
                      {"version", r.version}, {"records", r.records}, {"canaries", r.canaries},
                      {"selection", r.selection}, {"created_at", FormatRfc3339(r.created_at)}});
      }
      PrintJson({{h->kind, h->name}, {"partner", h->partner}, {"status", h->status}, {"at", at_json},
                 {"records", h->records}, {"releases", h->releases}, {"canaries", h->canaries},
                 {"datasets", ds}, {"release_list", rs}});
    } else {
      std::cout << fmt::format("{} {} ({}){}: {} distinct records in {} release(s), {} canaries\n", h->kind,
                               h->name, h->status, when ? " as of " + FormatRfc3339(*when) : "", h->records,
                               h->releases, h->canaries);
      for (const auto& d : h->datasets) {
        std::cout << fmt::format("  {} v{}: {} records\n", d.dataset, d.version, d.records);
      }
    }
    return OkStatus();
  });
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterExposure);

}  // namespace custody::cli
