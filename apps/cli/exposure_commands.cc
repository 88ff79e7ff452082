// `custody exposure`: who received a record (--record R), or what a member
// or partner holds (--member M | --partner P), now or as it was at a past or
// future time (--at): releases logged by then, and each member's, partner's
// and grant's status then, all from the custody log (core/exposure/as_of.h).
// Output schemas (--json): docs/releases.md.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/base/count_format.h"
#include "custody/core/exposure/exposure.h"

namespace custody::cli {
namespace {

// A time as given: a date when it is midnight UTC; "(not logged)" if unset.
std::string ShortTime(std::optional<Time> t) {
  if (!t) return "(not logged)";
  std::string s = FormatRfc3339(*t);
  if (s.ends_with("T00:00:00Z")) s.resize(10);
  return s;
}

void PrintHolder(const core::HolderExposure& h, const std::optional<Time>& when) {
  std::string who = h.kind + " " + h.name + " (" + h.status + ")";
  if (h.kind == "member") who += " of partner " + h.partner + " (" + h.partner_status + ")";
  std::cout << fmt::format("{}{}: {} in {}, {}\n", who, when ? ", as of " + FormatRfc3339(*when) : "",
                           Counted(h.records, "distinct record"), Counted(h.releases, "release"),
                           WithThousands(h.canaries) + (h.canaries == 1 ? " canary" : " canaries"));
  for (const auto& d : h.datasets) {
    std::cout << fmt::format("  {} v{}: {}\n", d.dataset, d.version, Counted(d.records, "record"));
  }
  if (h.grants.empty()) {
    std::cout << "no grants" << (when ? " as of then" : "") << "\n";
    return;
  }
  size_t dataset_width = 7, member_width = 6, expires_width = 7;
  for (const auto& g : h.grants) {
    dataset_width = std::max(dataset_width, g.dataset.size() + 2 + std::to_string(g.version).size());
    member_width = std::max(member_width, g.member.size());
    expires_width = std::max(expires_width, ShortTime(g.expires_at).size());
  }
  std::cout << fmt::format("{:>5}  {:<{}}  {:<{}}  {:<{}}  {}\n", "GRANT", "DATASET", dataset_width, "MEMBER",
                           member_width, "EXPIRES", expires_width, "STATUS");
  for (const auto& g : h.grants) {
    std::cout << fmt::format("{:>5}  {:<{}}  {:<{}}  {:<{}}  {}\n", ToString(g.id),
                             g.dataset + " v" + std::to_string(g.version), dataset_width,
                             g.member.empty() ? "(any)" : g.member, member_width, ShortTime(g.expires_at),
                             expires_width, g.status);
  }
}

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
  // A malformed time is a usage error (exit code 2), checked with the parser
  // `grant add --expires` uses.
  sub->add_option("--at", *at, "as it was (or will be) at this time: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); default now")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto t = ParseTime(text);
            return t.ok() ? std::string() : t.status().message();
          },
          "TIME"));
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
                        {"grant", x.grant_id}, {"created_at", FormatRfc3339(x.created_at)},
                        {"member_status", x.member_status}, {"grant_status", x.grant_status}});
        }
        PrintJson({{"record", e.record_id}, {"dataset", e.dataset}, {"version", e.version},
                   {"at", at_json}, {"recipients", rs}});
      } else {
        std::cout << fmt::format("record {} ({} v{}): {}{}\n", e.record_id, e.dataset, e.version,
                                 Counted(e.recipients.size(), "release"),
                                 when ? ", as of " + FormatRfc3339(*when) : "");
        for (const auto& x : e.recipients) {
          std::cout << fmt::format("  {} ({}, {})  release {}  grant {} ({})  {}\n", x.member, x.partner,
                                   x.member_status, x.release_id, x.grant_id, x.grant_status,
                                   FormatRfc3339(x.created_at));
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
      nlohmann::json gs = nlohmann::json::array();
      for (const auto& g : h->grants) {
        gs.push_back({{"grant", g.id}, {"member", g.member.empty() ? nlohmann::json() : nlohmann::json(g.member)},
                      {"dataset", g.dataset}, {"version", g.version},
                      {"expires_at", g.expires_at ? nlohmann::json(FormatRfc3339(*g.expires_at)) : nlohmann::json()},
                      {"status", g.status}});
      }
      PrintJson({{h->kind, h->name}, {"partner", h->partner}, {"status", h->status},
                 {"partner_status", h->partner_status}, {"at", at_json}, {"records", h->records},
                 {"releases", h->releases}, {"canaries", h->canaries}, {"datasets", ds},
                 {"release_list", rs}, {"grants", gs}});
    } else {
      PrintHolder(*h, when);
    }
    return OkStatus();
  });
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterExposure);

}  // namespace custody::cli
