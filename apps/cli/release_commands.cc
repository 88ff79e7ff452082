// Release commands: `release` (a member's fingerprinted copy of a grant),
// `releases` (list), and `open` (decrypt an encrypted release with the
// member's secret key). Output schemas (--json): docs/releases.md.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/release.h"
#include "custody/core/release/release_file.h"

namespace custody::cli {
namespace {

void RegisterRelease(CLI::App& app) {
  auto* sub = app.add_subcommand("release", "write a member's fingerprinted copy of a grant");
  auto o = std::make_shared<core::ReleaseOptions>();
  auto format = std::make_shared<std::string>("jsonl");
  sub->add_option("--grant", o->grant_id, "grant id")->required();
  sub->add_option("--member", o->member, "member name")->required();
  sub->add_option("--out", o->out, "output file (written with mode 0600; never through a symbolic link)")
      ->required();
  sub->add_flag("--force", o->overwrite, "overwrite an existing --out file");
  sub->add_option("--format", *format, "jsonl or csv");
  sub->add_flag("--encrypt", o->encrypt, "encrypt to the member's public key");
  sub->add_option("--canary-rate", o->canary_rate, "share of canary records (default 0.01)");
  SetAction(sub, [o, format]() -> Status {
    if (*format == "jsonl") {
      o->format = format::OutputFormat::kJsonl;
    } else if (*format == "csv") {
      o->format = format::OutputFormat::kCsv;
    } else {
      return InvalidArgumentError("--format: expected jsonl or csv, found '" + *format + "'");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    auto released = core::Release(*c, *o);
    if (!released.ok()) return WithForceHint(released.status());
    const core::ReleaseResult& r = *released;
    if (Globals().json) {
      PrintJson({{"release", r.release_id}, {"grant", r.grant_id}, {"member", r.member},
                 {"partner", r.partner}, {"dataset", r.dataset}, {"version", r.version},
                 {"records", r.records}, {"canaries", r.canaries}, {"slots", r.slots},
                 {"format", r.format}, {"encrypted", r.encrypted}, {"out", r.out}, {"bytes", r.bytes},
                 {"record_bitmap_sha256", r.bitmap_hash}, {"fingerprint_params_sha256", r.params_hash},
                 {"file_sha256", r.file_hash}, {"log_index", r.log_index},
                 {"created_at", FormatRfc3339(r.created_at)}});
    } else {
      std::cout << fmt::format("Release {}: {} records of {} v{} + {} canaries for {} ({}), {} slots marked\n",
                               r.release_id, r.records, r.dataset, r.version, r.canaries, r.member, r.partner,
                               r.slots)
                << fmt::format("Wrote {} ({}{}, {} bytes, sha256 {}); log entry {}\n", r.out, r.format,
                               r.encrypted ? ", encrypted to the member's key" : "", r.bytes, r.file_hash,
                               r.log_index);
    }
    return OkStatus();
  });
}

void RegisterReleases(CLI::App& app) {
  auto* sub = app.add_subcommand("releases", "list releases");
  auto member = std::make_shared<std::string>();
  sub->add_option("--member", *member, "only this member's releases");
  SetAction(sub, [member]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    core::HoldingsQuery q;
    if (!member->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(auto m, core::FindMember(*c, *member));
      q.member_id = m.id;
    }
    CUSTODY_ASSIGN_OR_RETURN(auto rs, core::ListReleases(*c, q));
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) {
      std::cout << fmt::format("{:>7} {:>5} {:<20} {:<16} {:>3} {:>9} {:>8}  {}\n", "RELEASE", "GRANT", "MEMBER",
                               "DATASET", "V", "RECORDS", "CANARIES", "CREATED");
    }
    for (const auto& r : rs) {
      CUSTODY_ASSIGN_OR_RETURN(auto m, core::GetMember(*c, r.member_id));
      out.push_back({{"release", r.release_id}, {"grant", r.grant_id}, {"member", m.name},
                     {"partner", m.partner}, {"dataset", r.dataset}, {"version", r.version},
                     {"records", r.records}, {"canaries", r.canaries}, {"format", r.format},
                     {"encrypted", r.encrypted}, {"selection", r.selection},
                     {"created_at", FormatRfc3339(r.created_at)},
                     {"record_bitmap_sha256", r.bitmap_hash}, {"fingerprint_params_sha256", r.params_hash},
                     {"file_sha256", r.file_hash.empty() ? nlohmann::json() : nlohmann::json(r.file_hash)},
                     {"log_index", r.log_index ? nlohmann::json(*r.log_index) : nlohmann::json()}});
      if (!Globals().json) {
        std::cout << fmt::format("{:>7} {:>5} {:<20} {:<16} {:>3} {:>9} {:>8}  {}{}\n", r.release_id, r.grant_id,
                                 m.name, r.dataset, r.version, r.records, r.canaries, FormatRfc3339(r.created_at),
                                 r.file_hash.empty() ? "  (file not completed)" : "");
      }
    }
    if (Globals().json) PrintJson({{"releases", out}});
    return OkStatus();
  });
}

void RegisterOpen(CLI::App& app) {
  auto* sub = app.add_subcommand("open", "decrypt an encrypted release with the member's secret key");
  auto in = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  sub->add_option("FILE", *in, "encrypted release")->required();
  sub->add_option("--key", *key, "the member's secret key file")->required();
  auto force = std::make_shared<bool>(false);
  sub->add_option("--out", *out, "plaintext output (default: FILE without .enc, else FILE.jsonl)");
  sub->add_flag("--force", *force, "overwrite an existing output file");
  SetAction(sub, [in, key, out, force]() -> Status {
    Env* env = Env::Default();
    std::string dst = *out;
    if (dst.empty()) {
      dst = in->size() > 4 && in->substr(in->size() - 4) == ".enc" ? in->substr(0, in->size() - 4) : *in + ".plain";
    }
    CUSTODY_ASSIGN_OR_RETURN(auto sk, core::ReadMemberSecretKey(env, *key));
    OutputOptions output;
    output.overwrite = *force;
    auto r = core::OpenEncryptedRelease(env, *in, sk, dst, output);
    if (!r.ok()) return WithForceHint(r.status());
    if (Globals().json) {
      PrintJson({{"in", *in}, {"out", dst}, {"bytes", r->bytes}});
    } else {
      std::cout << "Opened " << *in << " -> " << dst << " (" << r->bytes << " bytes)\n";
    }
    return OkStatus();
  });
}

void RegisterReleaseCommands(CLI::App& app) {
  RegisterRelease(app);
  RegisterReleases(app);
  RegisterOpen(app);
}

}  // namespace

CUSTODY_REGISTER_COMMANDS(RegisterReleaseCommands);

}  // namespace custody::cli
