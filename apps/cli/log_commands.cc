// `custody log ...`: status, show, prove, verify, export, key. Read-only: the
// vault is opened without its master key. Formats: docs/formats/log.md.
#include <fstream>
#include <iostream>
#include <memory>

#include "apps/cli/cli.h"
#include "custody/base/clock.h"
#include "custody/base/output_file.h"
#include "custody/base/encoding.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/log_export.h"
#include "custody/ledger/verify.h"
#include "apps/cli/vault_open.h"
#include "custody/core/vault/log_verify.h"

namespace custody::cli {
namespace {

using ledger::CustodyLog;
using ledger::Hash;

std::string B64(const Hash& h) { return Base64Encode(crypto::DigestBytes(h)); }

// The log commands are read-only: the vault is opened without its key.
Result<std::unique_ptr<core::Custody>> OpenReadOnly() { return OpenVault(/*need_key=*/false); }

nlohmann::json ProofJson(const std::vector<Hash>& proof) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : proof) a.push_back(B64(h));
  return a;
}

void RegisterStatus(CLI::App* log) {
  auto* sub = log->add_subcommand("status", "size, root and last checkpoint of the custody log");
  SetAction(sub, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    CustodyLog* log = &c->log();
    const auto s = log->status();
    if (Globals().json) {
      PrintJson({{"origin", log->origin()},
                 {"size", s.size},
                 {"root", B64(s.root)},
                 {"checkpoint_size", s.checkpoint_size},
                 {"checkpoint", s.checkpoint},
                 {"note", s.repair_note}});
    } else {
      std::cout << "Origin:     " << log->origin() << "\n"
                << "Entries:    " << s.size << "\n"
                << "Root:       " << B64(s.root) << "\n"
                << "Checkpoint: size " << s.checkpoint_size << "\n";
      if (!s.repair_note.empty()) std::cout << "Note:       " << s.repair_note << "\n";
      std::cout << "\n" << s.checkpoint;
    }
    return OkStatus();
  });
}

void RegisterShow(CLI::App* log) {
  auto* sub = log->add_subcommand("show", "print log entries (one JSON line each)");
  auto from = std::make_shared<uint64_t>(0);
  auto to = std::make_shared<int64_t>(-1);
  sub->add_option("--from", *from, "first entry index (default 0)");
  sub->add_option("--to", *to, "last entry index, inclusive (default: the last)");
  SetAction(sub, [from, to]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    CustodyLog* log = &c->log();
    const uint64_t n = log->size();
    const uint64_t last = *to < 0 ? n : std::min<uint64_t>(n, static_cast<uint64_t>(*to) + 1);
    for (uint64_t i = *from; i < last; ++i) {
      CUSTODY_ASSIGN_OR_RETURN(std::string entry, log->ReadEntry(i));
      if (Globals().json) {
        nlohmann::json e = nlohmann::json::parse(entry, nullptr, false);
        PrintJson({{"index", i}, {"leaf_hash", B64(ledger::HashLeaf(entry))}, {"entry", e}});
      } else {
        auto ev = ledger::ParseEvent(entry);
        if (ev.ok()) {
          std::cout << i << "  " << FormatRfc3339(ev->time) << "  " << ev->type << "  "
                    << ev->subject << "  by " << ev->actor << "  " << entry << "\n";
        } else {
          std::cout << i << "  " << entry << "\n";
        }
      }
    }
    return OkStatus();
  });
}

void RegisterProve(CLI::App* log) {
  auto* sub = log->add_subcommand(
      "prove", "inclusion proof of an entry and/or consistency proof between sizes (JSON)");
  auto entry = std::make_shared<int64_t>(-1);
  auto size = std::make_shared<uint64_t>(0);
  auto old_size = std::make_shared<uint64_t>(0);
  sub->add_option("ENTRY", *entry, "entry index");
  sub->add_option("--size", *size, "tree size (default: the last checkpoint's)");
  sub->add_option("--old-size", *old_size, "also prove consistency from this earlier size");
  SetAction(sub, [entry, size, old_size]() -> Status {
    if (*entry < 0 && *old_size == 0) {
      return InvalidArgumentError("log prove: expected ENTRY and/or --old-size, found neither");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    CustodyLog* log = &c->log();
    const auto s = log->status();
    const uint64_t n = *size != 0 ? *size : s.checkpoint_size;
    CUSTODY_ASSIGN_OR_RETURN(Hash root, log->RootAt(n));
    nlohmann::json out = {{"origin", log->origin()}, {"tree_size", n}, {"root", B64(root)}};
    if (n == s.checkpoint_size) out["checkpoint"] = s.checkpoint;
    if (*entry >= 0) {
      const auto idx = static_cast<uint64_t>(*entry);
      CUSTODY_ASSIGN_OR_RETURN(auto proof, log->InclusionProof(idx, n));
      CUSTODY_ASSIGN_OR_RETURN(std::string data, log->ReadEntry(idx));
      out["inclusion"] = {{"index", idx},
                          {"leaf_hash", B64(ledger::HashLeaf(data))},
                          {"entry", data},
                          {"proof", ProofJson(proof)}};
    }
    if (*old_size != 0) {
      CUSTODY_ASSIGN_OR_RETURN(auto proof, log->ConsistencyProof(*old_size, n));
      CUSTODY_ASSIGN_OR_RETURN(Hash old_root, log->RootAt(*old_size));
      out["consistency"] = {{"size1", *old_size},
                            {"size2", n},
                            {"root1", B64(old_root)},
                            {"root2", B64(root)},
                            {"proof", ProofJson(proof)}};
    }
    std::cout << (Globals().json ? out.dump() : out.dump(2)) << "\n";
    return OkStatus();
  });
}

// --key: a verifier key ("origin+keyid+base64", as `custody log key` prints
// it) or a file holding one.
Result<ledger::NoteVerifierKey> PinnedKey(Env* env, const std::string& arg) {
  std::string text = arg;
  if (env->FileExists(arg)) {
    CUSTODY_ASSIGN_OR_RETURN(text, env->ReadFileToString(arg));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  }
  auto key = ledger::ParseVerifierKey(text);
  if (!key.ok()) {
    return InvalidArgumentError("--key: expected a verifier key (origin+keyid+base64, from "
                                "`custody log key`) or a file holding one, found " +
                                (env->FileExists(arg) ? "the file " + arg + ": " : std::string()) +
                                key.status().message());
  }
  return key;
}

void RegisterVerify(CLI::App* log) {
  auto* sub = log->add_subcommand(
      "verify", "recompute every hash, check the checkpoint signature and consistency");
  auto since = std::make_shared<std::vector<std::string>>();
  auto key_arg = std::make_shared<std::string>();
  sub->add_option("--since", *since,
                  "an earlier signed checkpoint file (`custody log checkpoint`) the log must "
                  "extend: checked with a consistency proof");
  sub->add_option("--key", *key_arg,
                  "the verifier key to trust (from `custody log key`, kept outside the vault), "
                  "or a file holding it; default: keys/log.pub inside the vault");
  SetAction(sub, [since, key_arg]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    std::optional<ledger::NoteVerifierKey> pinned;
    if (!key_arg->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(pinned, PinnedKey(c->env(), *key_arg));
    }
    CUSTODY_ASSIGN_OR_RETURN(auto report, core::VerifyCustodyLog(*c, *since, pinned));
    const ledger::NoteVerifierKey key = pinned ? *pinned : core::LogVerifierKey(*c);
    const std::string key_source = pinned ? "pinned" : "vault";
    if (Globals().json) {
      nlohmann::json problems = nlohmann::json::array();
      for (const auto& p : report.problems) problems.push_back({{"where", p.where}, {"what", p.what}});
      nlohmann::json j = {{"ok", report.ok()},
                          {"key_source", key_source},
                          {"size", report.checkpoint.size},
                          {"root", B64(report.checkpoint.root)},
                          {"entries_checked", report.entries_checked},
                          {"problems", problems},
                          {"notes", report.notes}};
      // On failure the report rides in the one error object.
      if (report.ok()) {
        PrintJson(j);
      } else {
        JsonErrorFields() = std::move(j);
      }
    } else {
      for (const auto& p : report.problems) std::cout << "log/" << p.where << ": " << p.what << "\n";
      for (const auto& n : report.notes) std::cout << "note: " << n << "\n";
      if (report.ok()) {
        std::cout << "OK: " << report.entries_checked << " entries, checkpoint size "
                  << report.checkpoint.size << ", root " << B64(report.checkpoint.root)
                  << ", signed by " << ledger::FormatVerifierKey(key.name, key.public_key) << "\n";
        if (!pinned) {
          std::cout << "note: the key was read from keys/log.pub inside the vault, which anyone "
                       "who can write the vault could replace; pass --key with a copy kept "
                       "elsewhere\n";
        }
      }
    }
    if (!report.ok()) {
      return DataLossError("log verify: " + std::to_string(report.problems.size()) +
                           " problem(s); first: log/" + report.problems[0].where + ": " +
                           report.problems[0].what);
    }
    return OkStatus();
  });
}

void RegisterExport(CLI::App* log) {
  auto* sub = log->add_subcommand("export", "export the log for a SIEM (JSON lines)");
  auto format = std::make_shared<std::string>("jsonl");
  auto out = std::make_shared<std::string>();
  sub->add_option("--format", *format, "jsonl or ocsf")->check(CLI::IsMember({"jsonl", "ocsf"}));
  sub->add_option("--out", *out, "output file (default: stdout)");
  SetAction(sub, [format, out]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    CustodyLog* log = &c->log();
    std::ofstream file;
    if (!out->empty()) {
      file.open(*out, std::ios::binary | std::ios::trunc);
      if (!file) return InvalidArgumentError(*out + ": cannot open for writing");
    }
    std::ostream& os = out->empty() ? std::cout : file;
    const uint64_t n = log->size();
    for (uint64_t i = 0; i < n; ++i) {
      CUSTODY_ASSIGN_OR_RETURN(std::string entry, log->ReadEntry(i));
      CUSTODY_ASSIGN_OR_RETURN(nlohmann::json j,
                               *format == "ocsf"
                                   ? ledger::ExportOcsf(log->origin(), i, entry)
                                   : ledger::ExportJsonl(log->origin(), i, entry));
      os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    os.flush();
    if (!os) return InternalError((out->empty() ? "stdout" : *out) + ": write failed");
    return OkStatus();
  });
}

void RegisterKey(CLI::App* log) {
  auto* sub = log->add_subcommand(
      "key", "print the log's verifier key (C2SP signed-note format), derived from the signing key");
  SetAction(sub, []() -> Status {
    // With the master key: opening checks keys/log.pub against the signing
    // key, so what is printed is the key the log is really signed with.
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(/*need_key=*/true));
    const ledger::NoteVerifierKey k = core::LogVerifierKey(*c);
    const std::string key = ledger::FormatVerifierKey(k.name, k.public_key);
    if (Globals().json) {
      PrintJson({{"origin", k.name}, {"verifier_key", key}});
    } else {
      std::cout << key << "\n";
    }
    return OkStatus();
  });
}

void RegisterCheckpoint(CLI::App* log) {
  auto* sub = log->add_subcommand(
      "checkpoint",
      "write the current signed checkpoint, to keep outside the vault for `log verify --since`");
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("--out", *out, "output file (default: stdout)");
  sub->add_flag("--force", *force, "overwrite an existing --out file");
  SetAction(sub, [out, force]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenReadOnly());
    CUSTODY_ASSIGN_OR_RETURN(std::string note, c->log().Checkpoint());
    const uint64_t size = c->log().status().checkpoint_size;
    if (!out->empty()) {
      OutputOptions o;
      o.overwrite = *force;
      o.mode = 0644;  // a checkpoint is public
      auto f = OutputFile::Create(c->env(), *out, o);
      if (!f.ok()) return WithForceHint(f.status());
      CUSTODY_RETURN_IF_ERROR((*f)->file()->Append(note));
      CUSTODY_RETURN_IF_ERROR((*f)->Commit());
    }
    if (Globals().json) {
      PrintJson({{"size", size}, {"checkpoint", note}, {"out", *out}});
    } else if (out->empty()) {
      std::cout << note;
    } else {
      std::cout << "checkpoint of size " << size << " written to " << *out << "\n";
    }
    return OkStatus();
  });
}

void RegisterRepair(CLI::App* log) {
  auto* sub = log->add_subcommand(
      "repair",
      "repair the log's signer state, checkpoint and tiles without losing or inventing history; "
      "says what it found and logs it");
  SetAction(sub, []() -> Status {
    core::OpenOptions o;
    CUSTODY_ASSIGN_OR_RETURN(o.keys, KeyOptionsFromFlags(false));
    o.repair_log = true;
    CUSTODY_ASSIGN_OR_RETURN(auto c, core::OpenVault(VaultPath(), std::move(o)));
    const auto& findings = c->log_repair_findings();
    if (Globals().json) {
      nlohmann::json j = {{"findings", findings}, {"size", c->log().size()}};
      if (c->log_repair_index()) j["log_index"] = *c->log_repair_index();
      PrintJson(j);
      return OkStatus();
    }
    if (findings.empty()) {
      std::cout << "nothing to repair: the log opens cleanly (" << c->log().size()
                << " entries)\n";
      return OkStatus();
    }
    for (const auto& f : findings) std::cout << "found: " << f << "\n";
    std::cout << "repaired; recorded as log entry " << *c->log_repair_index()
              << ". Run `custody log verify` to check the result.\n";
    return OkStatus();
  });
}

void RegisterLogCommands(CLI::App& app) {
  auto* log = app.add_subcommand("log", "the signed custody log");
  log->require_subcommand(1);
  RegisterStatus(log);
  RegisterShow(log);
  RegisterProve(log);
  RegisterVerify(log);
  RegisterExport(log);
  RegisterKey(log);
  RegisterCheckpoint(log);
  RegisterRepair(log);
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterLogCommands);
}  // namespace custody::cli
