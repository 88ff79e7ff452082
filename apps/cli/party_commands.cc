// Partner, member and grant commands: partner add|list|show|suspend|resume|
// terminate, member add|list|show|revoke, grant add|list|show|revoke.
// Output schemas (--json): docs/releases.md.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/base/count_format.h"
#include "custody/base/encoding.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/parties/party_json.h"
#include "custody/core/vault/records.h"

namespace custody::cli {
namespace {

nlohmann::json PartnerJson(const core::Partner& p) { return core::PartnerToJson(p); }
nlohmann::json MemberJson(const core::Member& m) { return core::MemberToJson(m); }
nlohmann::json GrantJson(const core::Grant& g) { return core::GrantToJson(g); }

void PrintPartner(const core::Partner& p) {
  std::cout << fmt::format("Partner {} (id {}): {}\n", p.name, p.id, std::string(store::PartnerStatusName(p.status)))
            << "  contact:  " << p.contact << "\n  contract: " << p.contract << "\n"
            << "  notes:    " << p.notes << "\n  added:    " << FormatRfc3339(p.created_at)
            << "\n  changed:  " << FormatRfc3339(p.changed_at) << "\n";
}

void PrintMember(const core::Member& m) {
  std::cout << fmt::format("Member {} (id {}) of {}: {}\n", m.name, m.id, m.partner, std::string(store::MemberStatusName(m.status)))
            << "  email:      " << m.email << "\n  public key: " << Base64Encode(m.public_key) << "\n"
            << "  added:      " << FormatRfc3339(m.created_at) << "\n";
  if (m.revoked_at) std::cout << "  revoked:    " << FormatRfc3339(*m.revoked_at) << "\n";
}

void PrintGrant(const core::Grant& g) {
  auto sel = core::SelectionToJson(g.selection, false);
  const std::pair<const char*, std::string> rows[] = {
      {"grant", ToString(g.id)},
      {"partner", g.partner},
      {"member", g.member.empty() ? std::string("any member of the partner") : g.member},
      {"dataset", g.dataset + " v" + std::to_string(g.version)},
      {"status", std::string(store::GrantStatusName(g.status))},
      {"selection", sel.dump()},
      {"fields", g.fields.empty() ? std::string("all") : nlohmann::json(g.fields).dump()},
      {"expires", FormatRfc3339(g.expires_at)},
      {"purpose", g.purpose},
      {"created", FormatRfc3339(g.created_at)},
  };
  std::cout << fmt::format("{:<10} {}\n", "FIELD", "VALUE");
  for (const auto& [k, v] : rows) std::cout << fmt::format("{:<10} {}\n", k, v);
  if (g.revoked_at) std::cout << fmt::format("{:<10} {}\n", "revoked", FormatRfc3339(*g.revoked_at));
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string f = s.substr(start, comma - start);
    if (!f.empty()) out.push_back(f);
    start = comma + 1;
  }
  return out;
}

void RegisterPartner(CLI::App& app) {
  auto* g = app.add_subcommand("partner", "organisations that receive data");
  g->require_subcommand(1);

  auto* add = g->add_subcommand("add", "add a partner");
  auto spec = std::make_shared<core::PartnerSpec>();
  add->add_option("NAME", spec->name, "unique partner name")->required();
  add->add_option("--contact", spec->contact, "contact person or address");
  add->add_option("--contract", spec->contract, "contract reference");
  add->add_option("--notes", spec->notes, "free text");
  SetAction(add, [spec]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto p, core::AddPartner(*c, *spec));
    if (Globals().json) {
      PrintJson({{"partner", PartnerJson(p)}});
    } else {
      std::cout << "Added partner " << p.name << " (id " << p.id << ")\n";
    }
    return OkStatus();
  });

  auto* list = g->add_subcommand("list", "list partners");
  SetAction(list, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto ps, core::ListPartners(*c));
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) std::cout << fmt::format("{:<24} {:<11} {:<20} {}\n", "PARTNER", "STATUS", "CONTRACT", "ADDED");
    for (const auto& p : ps) {
      out.push_back(PartnerJson(p));
      if (!Globals().json) {
        std::cout << fmt::format("{:<24} {:<11} {:<20} {}\n", p.name, std::string(store::PartnerStatusName(p.status)), p.contract,
                                 FormatRfc3339(p.created_at));
      }
    }
    if (Globals().json) PrintJson({{"partners", out}});
    return OkStatus();
  });

  auto* show = g->add_subcommand("show", "show a partner, its members and grants");
  auto name = std::make_shared<std::string>();
  show->add_option("NAME", *name, "partner name")->required();
  SetAction(show, [name]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto p, core::FindPartner(*c, *name));
    CUSTODY_ASSIGN_OR_RETURN(auto ms, core::ListMembers(*c, *name));
    CUSTODY_ASSIGN_OR_RETURN(auto gs, core::ListGrants(*c, *name));
    if (Globals().json) {
      nlohmann::json mj = nlohmann::json::array(), gj = nlohmann::json::array();
      for (const auto& m : ms) mj.push_back(MemberJson(m));
      for (const auto& gr : gs) gj.push_back(GrantJson(gr));
      PrintJson({{"partner", PartnerJson(p)}, {"members", mj}, {"grants", gj}});
    } else {
      PrintPartner(p);
      std::cout << "Members:\n";
      for (const auto& m : ms) std::cout << "  " << m.name << " <" << m.email << "> " << std::string(store::MemberStatusName(m.status)) << "\n";
      std::cout << "Grants:\n";
      for (const auto& gr : gs) {
        std::cout << fmt::format("  {} {} v{} {} expires {}\n", gr.id, gr.dataset, gr.version, std::string(store::GrantStatusName(gr.status)),
                                 FormatRfc3339(gr.expires_at));
      }
    }
    return OkStatus();
  });

  for (const char* verb : {"suspend", "resume", "terminate"}) {
    std::string v = verb;
    auto* sub = g->add_subcommand(v, v == "suspend"     ? "suspend a partner (releases are refused)"
                                     : v == "resume"    ? "lift a suspension"
                                                        : "terminate a partner: revokes all its members and grants");
    auto n = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    sub->add_option("NAME", *n, "partner name")->required();
    if (v != "resume") sub->add_option("--reason", *reason, "why (logged)");
    SetAction(sub, [v, n, reason]() -> Status {
      CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
      if (v == "terminate") {
        CUSTODY_ASSIGN_OR_RETURN(auto r, core::TerminatePartner(*c, *n, *reason));
        if (Globals().json) {
          PrintJson({{"partner", PartnerJson(r.partner)}, {"revoked_members", r.revoked_members},
                     {"revoked_grants", r.revoked_grants}, {"log_index", r.log_index}});
        } else {
          std::cout << fmt::format("Terminated partner {}: revoked {} member(s) and {} grant(s); log entry {}\n",
                                   r.partner.name, r.revoked_members.size(), r.revoked_grants.size(), r.log_index);
        }
        return OkStatus();
      }
      Result<core::Partner> p = v == "suspend" ? core::SuspendPartner(*c, *n, *reason) : core::ResumePartner(*c, *n);
      CUSTODY_RETURN_IF_ERROR(p.status());
      if (Globals().json) {
        PrintJson({{"partner", PartnerJson(*p)}});
      } else {
        std::cout << "Partner " << p->name << " is now " << store::PartnerStatusName(p->status) << "\n";
      }
      return OkStatus();
    });
  }
}

void RegisterMember(CLI::App& app) {
  auto* g = app.add_subcommand("member", "people at a partner who receive releases");
  g->require_subcommand(1);

  auto* add = g->add_subcommand("add", "add a member with an X25519 public key");
  auto spec = std::make_shared<core::MemberSpec>();
  auto pk = std::make_shared<std::string>();
  auto gen = std::make_shared<bool>(false);
  auto key_out = std::make_shared<std::string>();
  add->add_option("--partner", spec->partner, "partner name")->required();
  add->add_option("--name", spec->name, "unique member name")->required();
  add->add_option("--email", spec->email, "email address")->required();
  auto* pk_opt = add->add_option("--public-key", *pk, "X25519 public key: base64, or a file holding it");
  auto* gen_opt = add->add_flag("--generate-key", *gen, "generate a key pair; the secret key goes to --key-out only");
  add->add_option("--key-out", *key_out, "file (mode 0600, outside the vault) for the generated secret key");
  pk_opt->excludes(gen_opt);
  SetAction(add, [spec, pk, gen, key_out]() -> Status {
    if (pk->empty() && !*gen) return InvalidArgumentError("member add: expected --public-key or --generate-key");
    if (*gen && key_out->empty()) return InvalidArgumentError("--generate-key: expected --key-out FILE");
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    Env* env = Env::Default();
    if (*gen) {
      // Check what can be checked before a key file is written.
      CUSTODY_RETURN_IF_ERROR(core::ValidateName("member name", spec->name));
      CUSTODY_RETURN_IF_ERROR(core::FindPartner(*c, spec->partner).status());
      if (core::FindMember(*c, spec->name).ok()) return AlreadyExistsError("member '" + spec->name + "' already exists");
      CUSTODY_ASSIGN_OR_RETURN(spec->public_key, core::GenerateMemberKeyFile(env, *key_out, c->vault().dir()));
    } else {
      CUSTODY_ASSIGN_OR_RETURN(spec->public_key, core::ParsePublicKey(env, *pk));
    }
    auto m = core::AddMember(*c, *spec);
    if (!m.ok()) {
      if (*gen) env->RemoveFile(*key_out).IgnoreError();
      return m.status();
    }
    if (Globals().json) {
      nlohmann::json j = {{"member", MemberJson(*m)}};
      if (*gen) j["secret_key_file"] = *key_out;
      PrintJson(j);
    } else {
      std::cout << "Added member " << m->name << " (id " << m->id << ") of " << m->partner << "\n";
      if (*gen) {
        std::cout << "Secret key written to " << *key_out
                  << " (mode 0600). custody keeps no copy: hand it to the member and delete it here.\n";
      }
    }
    return OkStatus();
  });

  auto* list = g->add_subcommand("list", "list members");
  auto partner = std::make_shared<std::string>();
  list->add_option("--partner", *partner, "only this partner's members");
  SetAction(list, [partner]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto ms, core::ListMembers(*c, *partner));
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) std::cout << fmt::format("{:<24} {:<20} {:<8} {}\n", "MEMBER", "PARTNER", "STATUS", "EMAIL");
    for (const auto& m : ms) {
      out.push_back(MemberJson(m));
      if (!Globals().json) std::cout << fmt::format("{:<24} {:<20} {:<8} {}\n", m.name, m.partner, std::string(store::MemberStatusName(m.status)), m.email);
    }
    if (Globals().json) PrintJson({{"members", out}});
    return OkStatus();
  });

  auto* show = g->add_subcommand("show", "show a member");
  auto name = std::make_shared<std::string>();
  show->add_option("NAME", *name, "member name")->required();
  SetAction(show, [name]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto m, core::FindMember(*c, *name));
    if (Globals().json) {
      PrintJson({{"member", MemberJson(m)}});
    } else {
      PrintMember(m);
    }
    return OkStatus();
  });

  auto* revoke = g->add_subcommand("revoke", "revoke a member: nothing more is released to them");
  auto rname = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  revoke->add_option("NAME", *rname, "member name")->required();
  revoke->add_option("--reason", *reason, "why (logged)");
  SetAction(revoke, [rname, reason]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto m, core::RevokeMember(*c, *rname, *reason));
    if (Globals().json) {
      PrintJson({{"member", MemberJson(m)}});
    } else {
      std::cout << "Revoked member " << m.name << "\n";
    }
    return OkStatus();
  });
}

void RegisterGrant(CLI::App& app) {
  auto* g = app.add_subcommand("grant", "rights of a partner to receive a dataset");
  g->require_subcommand(1);

  auto* add = g->add_subcommand("add", "grant a partner (or one member) a selection of a dataset");
  auto spec = std::make_shared<core::GrantSpec>();
  auto fields = std::make_shared<std::string>();
  auto sample = std::make_shared<std::string>();
  auto seed = std::make_shared<uint64_t>(0);
  auto ids = std::make_shared<std::string>();
  auto shard = std::make_shared<std::string>();
  auto expires = std::make_shared<std::string>();
  add->add_option("--partner", spec->partner, "partner name")->required();
  add->add_option("--member", spec->member, "only this member may receive it");
  add->add_option("--dataset", spec->dataset, "dataset name")->required();
  add->add_option("--version", spec->version, "dataset version (default: the latest)");
  add->add_option("--fields", *fields, "comma-separated top-level fields to release (default: all)");
  auto* s1 = add->add_option("--sample", *sample, "keyed random sample: share of records in (0, 1]");
  auto* s0 = add->add_option("--seed", *seed, "seed of the sample (required with --sample)");
  auto* s2 = add->add_option("--ids", *ids, "file of record ids, one per line");
  auto* s3 = add->add_option("--shard", *shard, "keyed shard K/N");
  s1->excludes(s2)->excludes(s3);
  s2->excludes(s3);
  s0->needs(s1);
  add->add_option("--expires", *expires, "expiry: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")->required();
  add->add_option("--purpose", spec->purpose, "what the data is for")->required();
  SetAction(add, [spec, fields, sample, seed, ids, shard, expires, s0]() -> Status {
    spec->fields = SplitCommas(*fields);
    auto t = ParseTime(*expires);
    if (!t.ok()) return t.status().WithPrefix("--expires");
    spec->expires_at = *t;
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    if (!sample->empty()) {
      if (s0->count() == 0) return InvalidArgumentError("--sample: expected --seed S as well");
      CUSTODY_ASSIGN_OR_RETURN(spec->selection, core::SampleSelection(*sample, *seed));
    } else if (!shard->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(spec->selection, core::ShardSelection(*shard));
    } else if (!ids->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(auto v, core::FindVersion(*c, spec->dataset, 0));
      CUSTODY_ASSIGN_OR_RETURN(spec->selection,
                               core::IdsSelection(Env::Default(), *ids, v.dataset + " v" + std::to_string(v.version),
                                                  v.first_record_id, static_cast<uint64_t>(v.records)));
    }
    CUSTODY_ASSIGN_OR_RETURN(auto gr, core::AddGrant(*c, *spec));
    std::string expires_text = FormatRfc3339(gr.expires_at);
    if (expires_text.ends_with("T00:00:00Z")) expires_text.resize(10);  // a date
    const std::string holder = gr.member.empty() ? gr.partner : gr.partner + "/" + gr.member;
    if (Globals().json) {
      PrintJson({{"grant", gr.id},
                 {"partner", gr.partner},
                 {"member", gr.member.empty() ? nlohmann::json() : nlohmann::json(gr.member)},
                 {"dataset", gr.dataset},
                 {"version", gr.version},
                 {"records", gr.selected_records},
                 {"version_records", gr.version_records},
                 {"expires_at", FormatRfc3339(gr.expires_at)}});
    } else {
      std::cout << fmt::format("grant {}: {}, {} of {} v{}, expires {}\n", gr.id, holder,
                               Counted(gr.selected_records, "record"), gr.dataset, gr.version,
                               expires_text);
    }
    return OkStatus();
  });

  auto* list = g->add_subcommand("list", "list grants");
  auto partner = std::make_shared<std::string>();
  list->add_option("--partner", *partner, "only this partner's grants");
  SetAction(list, [partner]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto gs, core::ListGrants(*c, *partner));
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) {
      std::cout << fmt::format("{:>5} {:<20} {:<16} {:<16} {:>3} {:<8} {:<8} {}\n", "GRANT", "PARTNER", "MEMBER",
                               "DATASET", "V", "SELECT", "STATUS", "EXPIRES");
    }
    for (const auto& gr : gs) {
      out.push_back(GrantJson(gr));
      if (!Globals().json) {
        std::cout << fmt::format("{:>5} {:<20} {:<16} {:<16} {:>3} {:<8} {:<8} {}\n", gr.id, gr.partner,
                                 gr.member.empty() ? "-" : gr.member, gr.dataset, gr.version,
                                 core::SelectionKindName(gr.selection.kind), std::string(store::GrantStatusName(gr.status)), FormatRfc3339(gr.expires_at));
      }
    }
    if (Globals().json) PrintJson({{"grants", out}});
    return OkStatus();
  });

  auto* show = g->add_subcommand("show", "show a grant");
  auto id = std::make_shared<int64_t>(0);
  show->add_option("GRANT", *id, "grant id")->required();
  SetAction(show, [id]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto gr, core::GetGrant(*c, GrantId(*id)));
    if (Globals().json) {
      PrintJson({{"grant", GrantJson(gr)}});
    } else {
      PrintGrant(gr);
    }
    return OkStatus();
  });

  auto* revoke = g->add_subcommand("revoke", "revoke a grant: it releases nothing more");
  auto rid = std::make_shared<int64_t>(0);
  auto reason = std::make_shared<std::string>();
  revoke->add_option("GRANT", *rid, "grant id")->required();
  revoke->add_option("--reason", *reason, "why (logged)");
  SetAction(revoke, [rid, reason]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto gr, core::RevokeGrant(*c, GrantId(*rid), *reason));
    if (Globals().json) {
      PrintJson({{"grant", GrantJson(gr)}});
    } else {
      std::cout << "Revoked grant " << gr.id << "\n";
    }
    return OkStatus();
  });
}

void RegisterPartyCommands(CLI::App& app) {
  RegisterPartner(app);
  RegisterMember(app);
  RegisterGrant(app);
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterPartyCommands);

}  // namespace custody::cli
