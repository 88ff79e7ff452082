// Vault commands: init, ingest, datasets, show, export, dataset shred, vault check.
// Output schemas (--json): docs/cli.md.
#include <algorithm>
#include <fmt/format.h>

#include <iostream>

#include "apps/cli/cli.h"
#include "custody/base/count_format.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/base/clock.h"
#include "custody/base/encoding.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/vault_check.h"
#include "custody/core/vault/records.h"
#include "custody/ledger/custody_log.h"
#include "apps/cli/config.h"
#include "custody/store/sql.h"
#include "custody/store/vault.h"

namespace custody::cli {
namespace {

std::string HumanBytes(int64_t b) {
  if (b >= 1'000'000'000) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1'000'000) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1'000) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{} B", b);
}

void RegisterInit(CLI::App& app) {
  auto* sub = app.add_subcommand("init", "create a new vault and its master key");
  auto dir = std::make_shared<std::string>();
  auto origin = std::make_shared<std::string>();
  auto catalog = std::make_shared<std::string>();
  sub->add_option("DIR", *dir, "vault directory (must not exist or be empty)");
  sub->add_option("--origin", *origin, "custody log origin line (default custody.local/<vault-id>)");
  sub->add_option("--catalog", *catalog,
                  "the catalog: sqlite (default: DIR/catalog.db) or a PostgreSQL connection URI, "
                  "postgresql:///DB?host=SOCKET_DIR (no password in it: use ~/.pgpass)");
  SetAction(sub, [dir, origin, catalog]() -> Status {
    std::string path = dir->empty() ? VaultPath() : *dir;
    store::InitOptions o;
    CUSTODY_ASSIGN_OR_RETURN(o.catalog, InitCatalog(*catalog));
    CUSTODY_ASSIGN_OR_RETURN(o.keys, KeyOptionsFromFlags(true));
    o.log_origin = *origin;
    CUSTODY_ASSIGN_OR_RETURN(auto c, core::Custody::Init(path, o));
    const auto& v = c->vault();
    const bool pg = !v.config().catalog_uri.empty();
    if (Globals().json) {
      PrintJson({{"vault", path},
                 {"vault_id", v.config().vault_id},
                 {"catalog", pg ? "postgresql" : "sqlite"},
                 {"catalog_location", store::RedactCatalogLocation(v.catalog_location())},
                 {"key_file", v.key_file()},
                 {"passphrase", o.keys.passphrase.has_value()},
                 {"log_origin", v.config().log_origin}});
    } else {
      std::cout << "Created vault " << path << " (id " << v.config().vault_id << ")\n"
                << "Master key: " << v.key_file()
                << (o.keys.passphrase ? " (sealed with your passphrase)" : " (mode 0600)") << "\n"
                << "Keep the master key file outside the vault and back it up: without it the\n"
                << "vault's records cannot be read.\n"
                << "Log origin: " << v.config().log_origin << "\n"
                << "Catalog: " << (pg ? "PostgreSQL " : "SQLite ")
                << store::RedactCatalogLocation(v.catalog_location()) << "\n";
    }
    return OkStatus();
  });
}

void RegisterIngest(CLI::App& app) {
  auto* sub = app.add_subcommand("ingest", "add files as a new version of a dataset");
  auto o = std::make_shared<core::IngestOptions>();
  auto format = std::make_shared<std::string>("auto");
  auto fields = std::make_shared<std::string>();
  auto max_mb = std::make_shared<double>(16);
  auto sensitivity = std::make_shared<std::string>();
  sub->add_option("--dataset", o->dataset, "dataset name")->required();
  sub->add_option("--sensitivity", *sensitivity,
                  "public, internal, confidential or restricted (logged; default confidential)");
  sub->add_option("FILE", o->files, "JSONL, CSV or text files (.gz/.zst too)")->required();
  sub->add_option("--fields", *fields, "comma-separated text fields to fingerprint (default: all string fields)");
  sub->add_option("--format", *format, "auto, jsonl, json, csv or text");
  sub->add_flag("--record-per-file", o->record_per_file, "each file is one record");
  sub->add_flag("--skip-bad", o->skip_bad, "skip and count bad records instead of failing");
  sub->add_flag("--allow-empty", o->allow_empty, "create the version even if every record is already in the vault");
  sub->add_option("--max-record-mb", *max_mb, "size limit of one record in MiB (default 16)");
  sub->add_option("--max-json-depth", o->max_json_depth,
                  "a JSON record nested deeper is a bad record (default 512, at most 1024)");
  sub->add_option("--shard-bits", o->shard_bits,
                  "sketch index shards of 2^N record ids (8 to 24; default 24)");
  SetAction(sub, [o, format, fields, max_mb, sensitivity]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(o->format, format::ParseInputFormat(*format));
    std::optional<store::Sensitivity> tier;
    if (!sensitivity->empty()) {
      CUSTODY_ASSIGN_OR_RETURN(tier, store::ParseSensitivity(*sensitivity));
    }
    o->fields.clear();
    if (!fields->empty()) {
      size_t start = 0;
      while (start <= fields->size()) {
        size_t comma = fields->find(',', start);
        if (comma == std::string::npos) comma = fields->size();
        std::string f = fields->substr(start, comma - start);
        if (!f.empty()) o->fields.push_back(f);
        start = comma + 1;
      }
    }
    o->max_record_bytes = static_cast<size_t>(*max_mb * (1 << 20));
    uint64_t total = 0;
    for (const auto& f : o->files) {
      auto s = Env::Default()->GetFileSize(f);
      if (s.ok()) total += *s;
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    Progress progress("ingest");
    o->progress = [&](uint64_t bytes, uint64_t n) { progress.Update(bytes, n, total); };
    CUSTODY_ASSIGN_OR_RETURN(auto r, core::Ingest(*c, *o));
    progress.Done();
    if (tier) {
      CUSTODY_RETURN_IF_ERROR(core::audit::SetDatasetSensitivity(*c, r.dataset, *tier).status());
    }
    nlohmann::json bad = nlohmann::json::array();
    for (const auto& b : r.first_bad) bad.push_back({{"source", b.source}, {"line", b.line}, {"what", b.what}});
    if (Globals().json) {
      PrintJson({{"dataset", r.dataset},
                 {"version", r.version},
                 {"records", r.records},
                 {"duplicates", r.duplicates},
                 {"skipped", r.skipped},
                 {"first_record_id", r.first_record_id},
                 {"input_bytes", r.input_bytes},
                 {"stored_bytes", r.stored_bytes},
                 {"records_root", r.records_root},
                 {"index_manifest", r.index_manifest},
                 {"index_shards", r.index_shards},
                 {"log_index", r.log_index},
                 {"first_bad", bad}});
    } else {
      std::cout << fmt::format("Ingested {} v{}: {} records (ids {}..{}), {} duplicates, {} skipped\n",
                               r.dataset, r.version, r.records, r.first_record_id,
                               r.first_record_id + r.records - (r.records ? 1 : 0), r.duplicates,
                               r.skipped)
                << fmt::format("Stored {} encrypted ({} of records); log entry {}\n",
                               HumanBytes(r.stored_bytes), HumanBytes(static_cast<int64_t>(r.input_bytes)),
                               r.log_index);
      for (const auto& b : r.first_bad) {
        std::cout << "  skipped " << b.source << ":" << b.line << ": " << b.what << "\n";
      }
    }
    return OkStatus();
  });
}

void RegisterDatasets(CLI::App& app) {
  auto* sub = app.add_subcommand("datasets", "list datasets and their versions");
  SetAction(sub, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(false));
    CUSTODY_ASSIGN_OR_RETURN(auto datasets, c->catalog().ListDatasets());
    nlohmann::json out = nlohmann::json::array();
    if (!Globals().json) {
      std::cout << fmt::format("{:<24} {:>7} {:>12} {:>12} {:>10}  {}\n", "DATASET", "VERSION",
                               "RECORDS", "DUPLICATES", "STORED", "CREATED");
    }
    for (const auto& d : datasets) {
      CUSTODY_ASSIGN_OR_RETURN(auto versions, c->catalog().ListVersions(d.id, false));
      // A dataset whose first ingest has not committed is not shown.
      if (versions.empty() && !d.shredded_at) continue;
      nlohmann::json vj = nlohmann::json::array();
      for (const auto& v : versions) {
        vj.push_back({{"version", v.version},
                      {"records", v.records},
                      {"duplicates", v.duplicates},
                      {"skipped", v.skipped},
                      {"first_record_id", v.first_record_id},
                      {"input_bytes", v.input_bytes},
                      {"stored_bytes", v.stored_bytes},
                      {"records_root", v.merkle_root},
                      {"created_at", FormatRfc3339(v.created_at)},
                      {"log_index", v.log_index ? nlohmann::json(*v.log_index) : nlohmann::json()}});
        if (!Globals().json) {
          std::cout << fmt::format("{:<24} {:>7} {:>12} {:>12} {:>10}  {}{}\n", d.name, v.version,
                                   v.records, v.duplicates, HumanBytes(v.stored_bytes),
                                   FormatRfc3339(v.created_at), d.shredded_at ? "  SHREDDED" : "");
        }
      }
      out.push_back({{"name", d.name},
                     {"created_at", FormatRfc3339(d.created_at)},
                     {"shredded_at", d.shredded_at ? nlohmann::json(FormatRfc3339(*d.shredded_at))
                                                   : nlohmann::json()},
                     {"versions", vj}});
    }
    if (Globals().json) PrintJson({{"datasets", out}});
    return OkStatus();
  });
}

void RegisterShow(CLI::App& app) {
  auto* sub = app.add_subcommand("show", "decrypt and print one record");
  auto id = std::make_shared<uint64_t>(0);
  sub->add_option("RECORD_ID", *id, "record id")->required();
  SetAction(sub, [id]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(auto r, core::ReadRecord(*c, RecordId(*id)));
    if (Globals().json) {
      PrintJson({{"record_id", r.record_id},
                 {"dataset", r.dataset},
                 {"version", r.version},
                 {"content_id", r.content_id},
                 {"record", nlohmann::json::parse(r.canonical, nullptr, false)}});
    } else {
      std::cout << r.canonical << "\n";
    }
    return OkStatus();
  });
}

void RegisterExport(CLI::App& app) {
  auto* sub = app.add_subcommand("export", "write a dataset version as plaintext (for the lab's own use)");
  auto dataset = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto version = std::make_shared<int>(0);
  auto format = std::make_shared<std::string>("jsonl");
  auto force = std::make_shared<bool>(false);
  sub->add_option("--dataset", *dataset, "dataset name")->required();
  sub->add_option("--out", *out, "output file (written with mode 0600; never through a symbolic link)")
      ->required();
  sub->add_option("--version", *version, "dataset version (default: latest)");
  sub->add_option("--format", *format, "jsonl or csv");
  sub->add_flag("--force", *force, "overwrite an existing --out file");
  SetAction(sub, [dataset, out, version, format, force]() -> Status {
    format::OutputFormat f;
    if (*format == "jsonl") {
      f = format::OutputFormat::kJsonl;
    } else if (*format == "csv") {
      f = format::OutputFormat::kCsv;
    } else {
      return InvalidArgumentError("--format: expected jsonl or csv, found '" + *format + "'");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    OutputOptions output;
    output.overwrite = *force;
    auto r = core::ExportDataset(*c, *dataset, *version, *out, f, output);
    if (!r.ok()) return WithForceHint(r.status());
    if (Globals().json) {
      PrintJson({{"dataset", *dataset}, {"records", r->records}, {"out", *out},
                 {"log_index", r->log_index}});
    } else {
      std::cout << "Exported " << r->records << " records of " << *dataset << " to " << *out
                << " (plaintext: handle it as the lab's own copy); log entry " << r->log_index
                << "\n";
    }
    return OkStatus();
  });
}

void RegisterDataset(CLI::App& app) {
  auto* ds = app.add_subcommand("dataset", "dataset operations");
  ds->require_subcommand(1);
  auto* shred = ds->add_subcommand("shred", "destroy a dataset's key: its records become unrecoverable");
  auto name = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  shred->add_option("NAME", *name, "dataset name")->required();
  shred->add_flag("--yes", *yes, "confirm without prompting");
  SetAction(shred, [name, yes]() -> Status {
    if (!*yes && ::isatty(0) != 1) {
      return InvalidArgumentError("dataset shred is irreversible: pass --yes to confirm");
    }
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    if (!*yes) {
      CUSTODY_ASSIGN_OR_RETURN(auto out, core::ReleasedCopies(*c, *name));
      std::cerr << "Shred dataset '" << *name << "'? Its records become unrecoverable in this vault.\n";
      if (out.releases > 0) {
        std::cerr << out.releases << " released cop" << (out.releases == 1 ? "y" : "ies") << " ("
                  << out.records << " records, " << out.members << " member"
                  << (out.members == 1 ? "" : "s") << ") "
                  << (out.releases == 1 ? "is" : "are")
                  << " still out: a shred does not recall them; leaks of them stay traceable.\n";
      } else {
        std::cerr << "No released copy of it is out.\n";
      }
      std::cerr << "Type its name to confirm: ";
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != *name) {
        return Status(StatusCode::kCancelled, "dataset shred: cancelled (the answer was not the name '" +
                                                  *name + "'); nothing was changed");
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto r, core::ShredDataset(*c, *name));
    if (Globals().json) {
      PrintJson({{"dataset", r.dataset}, {"versions", r.versions}, {"records", r.records},
                 {"unrecoverable", true}, {"log_index", r.log_index},
                 {"released_copies_out", {{"releases", r.released.releases},
                                          {"records", r.released.records},
                                          {"members", r.released.members}}}});
    } else {
      std::cout << "Shredded " << r.dataset << ": the data key is destroyed, so its " << r.records
                << " records (" << r.versions << " version" << (r.versions == 1 ? "" : "s")
                << ") are unrecoverable. Log entry " << r.log_index << ".\n";
      if (r.released.releases > 0) {
        std::cout << r.released.releases << " released cop"
                  << (r.released.releases == 1 ? "y is" : "ies are")
                  << " still out; its sketch index is kept, so leaks can still be matched and "
                     "traced.\n";
      }
    }
    return OkStatus();
  });
}

// `vault check`: the vault compared with its custody log (docs/cli.md).
void RegisterVault(CLI::App& app) {
  auto* vault = app.add_subcommand("vault", "vault maintenance");
  vault->require_subcommand(1);
  auto* check = vault->add_subcommand(
      "check", "verify segments, indexes, bitmaps and every catalog row against the custody log");
  SetAction(check, []() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto c, OpenVault(true));
    CUSTODY_ASSIGN_OR_RETURN(core::CheckReport r, core::CheckVault(*c));
    auto list = [](const std::vector<core::CheckProblem>& ps) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& p : ps) {
        a.push_back({{"kind", p.kind},
                     {"subject", p.subject},
                     {"message", p.message},
                     {"log_index", p.log_index ? nlohmann::json(*p.log_index) : nlohmann::json()}});
      }
      return a;
    };
    if (Globals().json) {
      PrintJson({{"ok", r.ok()},
                 {"checked", r.checked},
                 {"problems", list(r.problems)},
                 {"warnings", list(r.warnings)}});
    } else {
      for (const auto& p : r.problems) std::cout << "problem: " << p.message << "\n";
      for (const auto& p : r.warnings) {
        std::cout << "warning: " << p.subject << ": " << p.message << "\n";
      }
      std::string counts;
      for (const auto& [k, n] : r.checked) {
        if (n == 0) continue;
        std::string what = k;
        std::replace(what.begin(), what.end(), '_', ' ');
        counts += (counts.empty() ? "" : ", ") + what + " " + WithThousands(n);
      }
      std::cout << (r.ok() ? "OK" : "FAILED") << ": checked " << counts << "; "
                << Counted(r.problems.size(), "problem") << ", "
                << Counted(r.warnings.size(), "warning") << "\n";
    }
    if (!r.ok()) {
      std::cerr << "custody: vault check: " << r.problems.size() << " problem(s); first: "
                << r.problems[0].message << std::endl;
      SetExitCodeFor(StatusCode::kDataLoss);
    }
    return OkStatus();
  });
}

void RegisterVaultCommands(CLI::App& app) {
  RegisterInit(app);
  RegisterIngest(app);
  RegisterDatasets(app);
  RegisterShow(app);
  RegisterExport(app);
  RegisterDataset(app);
  RegisterVault(app);
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterVaultCommands);
}  // namespace custody::cli
