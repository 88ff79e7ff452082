// Release: writes one member's fingerprinted copy of a grant — the granted
// records with the member's variant marks, plus canary records (a share of
// the release, unique to the member), in an order shuffled by a key of the
// release — as JSONL or CSV, optionally encrypted to the member's key.
//
// Order of effects (docs/releases.md, "What a crash leaves"):
//   1. checks: grant active and unexpired, partner active, member active and
//      of the grant's partner (and the grant's member, if it names one);
//      any failure returns kFailedPrecondition and changes nothing; with
//      `encrypt`, the member's key must be a usable X25519 public key
//      (kInvalidArgument otherwise); then the output file's temporary
//      sibling is created (OutputFile, base/output_file.h), so a
//      destination that is a symbolic link, exists (without `overwrite`) or
//      cannot be written fails here, before anything is logged;
//   2. one catalog transaction inserts the release row (record bitmap,
//      bitmap hash, fingerprint-parameter hash) and its sealed canaries, and
//      appends the release event to the custody log before committing;
//   3. the file is written to a temporary sibling, fsynced and renamed;
//   4. the row gets the file's SHA-256.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/format/formats.h"
#include "custody/mark/canary.h"

namespace custody::core {

struct ReleaseOptions {
  GrantId grant_id;
  std::string member;  // member name
  std::string out;     // output file
  bool overwrite = false;  // replace an existing regular file at `out`
  format::OutputFormat format = format::OutputFormat::kJsonl;
  bool encrypt = false;
  double canary_rate = mark::kDefaultCanaryRate;  // share of the release, in [0, 0.5]
};

struct ReleaseResult {
  ReleaseId release_id;
  GrantId grant_id;
  MemberId member_id;
  std::string member;
  std::string partner;
  std::string dataset;
  int version = 0;
  uint64_t records = 0;    // real records released
  uint64_t canaries = 0;   // canary records added
  uint64_t slots = 0;      // variant-mark slots written (records and canaries)
  std::string format;      // "jsonl" or "csv"
  bool encrypted = false;
  std::string out;
  uint64_t bytes = 0;      // bytes of the file
  std::string bitmap_hash;  // SHA-256 of the portable record bitmap
  std::string params_hash;  // SHA-256 of the fingerprint parameters
  std::string file_hash;    // SHA-256 of the file
  uint64_t log_index = 0;
  Time created_at;
};

// Refusals are kFailedPrecondition with a message naming the reason
// ("grant 3 expired on ...", "partner 'acme' is suspended", ...).
Status CheckReleasable(const Grant& grant, const Member& member, const Partner& partner,
                       Time now);

Result<ReleaseResult> Release(Custody& custody, const ReleaseOptions& options);

// The marked text fields of a dataset version (its text_fields; empty: every
// string field). kDataLoss naming the catalog row if they are malformed.
Result<std::vector<std::string>> IndexFieldsOf(const store::DatasetVersionInfo& version);

// What a member's copy of a grant is marked with, and the parameters a
// release (or a served task, core/release/task.h) commits to in the log.
struct FingerprintInputs {
  const crypto::SecretBytes* mark_key = nullptr;  // the vault's "mark" key
  double bias_cutoff = 0;                         // Marker::options().bias_cutoff
  MemberId member_id;
  ReleaseId release_id;
  const Grant* grant = nullptr;
  double canary_rate = 0;
  uint64_t canaries = 0;
  std::string shuffle;  // how the copy's records are ordered
  const std::vector<std::string>* marked_fields = nullptr;
};
// The fingerprint parameters as JSON (their SHA-256 is the release event's
// hashes.fingerprint_params).
nlohmann::json FingerprintParams(const FingerprintInputs& in);

}  // namespace custody::core
