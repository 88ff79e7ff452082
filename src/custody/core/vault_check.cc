// `custody vault check`: the vault compared with its custody log; see
// vault_check.h.
#include "custody/core/vault_check.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/match/version_index.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/trace/incident.h"
#include "custody/core/vault/log_verify.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/vault/record_set.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/merkle.h"
#include "custody/sketch/matcher.h"
#include "custody/sketch/sharded_index.h"
#include "custody/store/catalog.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

// Short form of a hash in messages: the first 16 hex digits.
std::string Short(const std::string& h) { return h.size() > 16 ? h.substr(0, 16) + ".." : h; }

std::string Hash(const LoggedEvent& e, const char* name) {
  auto it = e.event.hashes.find(name);
  return it == e.event.hashes.end() ? std::string() : it->second;
}

template <typename T>
bool DetailIs(const LoggedEvent& e, const char* name, const T& want) {
  auto it = e.event.details.find(name);
  return it != e.event.details.end() && *it == nlohmann::json(want);
}

std::string DetailText(const LoggedEvent& e, const char* name) {
  auto it = e.event.details.find(name);
  return it == e.event.details.end() ? "nothing" : it->dump();
}

class Checker {
 public:
  Checker(Custody& c, const LoggedRows& log, CheckReport* r) : c_(c), log_(log), r_(r) {}

  void Problem(std::string kind, std::string subject, std::string message,
               std::optional<uint64_t> index = std::nullopt) {
    r_->problems.push_back({std::move(kind), std::move(subject), std::move(message), index});
  }
  void Older(std::string kind, std::string subject, const std::string& what, uint64_t index) {
    r_->warnings.push_back({std::move(kind), std::move(subject),
                            what + " not committed by the log (older event)", index});
  }
  // Compares a catalog hash with the one its event commits to.
  void Compare(const std::string& kind, const std::string& subject, const std::string& what,
               const std::string& found, const LoggedEvent& e, const char* hash_name) {
    const std::string expected = Hash(e, hash_name);
    if (expected.empty()) {
      Older(kind, subject, what, e.index);
    } else if (expected != found) {
      Problem(kind, subject,
              subject + ": " + what + " hash " + Short(found) + " does not match the " +
                  e.event.type + " event (log index " + std::to_string(e.index) +
                  "): expected " + Short(expected),
              e.index);
    }
  }
  void Count(const std::string& what, uint64_t n = 1) { r_->checked[what] += n; }

  Status Log() {
    CUSTODY_ASSIGN_OR_RETURN(auto report, VerifyCustodyLog(c_, {}));
    Count("log_entries", report.entries_checked);
    for (const auto& p : report.problems) Problem("log", "log/" + p.where, "log/" + p.where + ": " + p.what);
    return OkStatus();
  }

  Status Datasets();
  Status Version(const store::DatasetInfo& ds, const store::DatasetVersionInfo& v);
  Status Indexes();
  Status Parties();
  Status Releases();
  Status Canaries();
  Status Incidents();
  Status Tokens();
  Status TaskResults();

 private:
  Custody& c_;
  const LoggedRows& log_;
  CheckReport* r_;
};

Status Checker::Datasets() {
  CUSTODY_ASSIGN_OR_RETURN(auto datasets, c_.catalog().ListDatasets());
  for (const auto& ds : datasets) {
    Count("datasets");
    const std::string subject = "dataset " + ds.name;
    if (ds.shredded_at) {
      auto s = log_.shreds.find(ds.id.value());
      if (s == log_.shreds.end() || !DetailIs(s->second, "dataset", ds.name)) {
        Problem("dataset", subject, subject + ": marked shredded but no dataset.shred event for it is in the log");
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto versions, c_.catalog().ListVersions(ds.id, false));
    for (const auto& v : versions) CUSTODY_RETURN_IF_ERROR(Version(ds, v));
  }
  return OkStatus();
}

Status Checker::Version(const store::DatasetInfo& ds, const store::DatasetVersionInfo& v) {
  Count("versions");
  const std::string subject = "dataset " + ds.name + " v" + std::to_string(v.version);
  const std::string dir = VersionDirOf(ds.id, v.version);
  if (v.dir != dir) {
    Problem("dataset", subject, subject + ": dir is '" + v.dir + "', expected '" + dir +
                                    "' (paths are derived from ids; the stored one is never used)");
  }
  if (!v.index_file.empty() && v.index_file != IndexFileOf(ds.id, v.version) &&
      v.index_file != IndexManifestOf(ds.id, v.version)) {
    Problem("dataset", subject, subject + ": index_file is '" + v.index_file + "', expected '" +
                                    IndexManifestOf(ds.id, v.version) + "' (or, ingested before shards, '" +
                                    IndexFileOf(ds.id, v.version) + "')");
  }
  auto ev = log_.ingests.find("dataset:" + ds.name + "@v" + std::to_string(v.version));
  if (ev == log_.ingests.end()) {
    Problem("dataset", subject, subject + ": no ingest event for it in the log");
    return OkStatus();
  }
  const LoggedEvent& e = ev->second;
  if (v.log_index && static_cast<uint64_t>(*v.log_index) != e.index) {
    Problem("dataset", subject, subject + ": log_index is " + std::to_string(*v.log_index) +
                                    ", but its ingest event is log index " + std::to_string(e.index), e.index);
  }
  Compare("dataset", subject, "records_root", v.merkle_root, e, "records_root");
  if (!DetailIs(e, "records", v.records) || !DetailIs(e, "first_record_id", v.first_record_id)) {
    Problem("dataset", subject, subject + ": records " + std::to_string(v.records) + " from id " +
                                    std::to_string(v.first_record_id) + " do not match the ingest event (log index " +
                                    std::to_string(e.index) + "): records " + DetailText(e, "records") +
                                    " from id " + DetailText(e, "first_record_id"), e.index);
  }
  if (ds.shredded_at) return OkStatus();  // the segments are gone with the key
  auto key = c_.vault().GetWrappedKey(store::KeyPurpose::Dataset(ds.id));
  if (!key.ok()) {
    Problem("segment", subject, subject + ": data key: " + key.status().message());
    return OkStatus();
  }
  const std::string context = store::VersionContext(ds.id, v.version);
  CUSTODY_ASSIGN_OR_RETURN(auto segments, c_.catalog().SegmentsOf(v.id));
  uint64_t records = 0;
  for (const auto& seg : segments) {
    Count("segments");
    const std::string file = JoinPath(dir, BaseName(seg.file));
    if (seg.file != file) {
      Problem("segment", seg.file, seg.file + ": expected the segment at '" + file + "'");
    }
    auto contents = store::ReadSegment(c_.env(), c_.VaultPath(file), *key, context, seg.seq);
    if (!contents.ok()) {
      Problem("segment", file, file + ": " + contents.status().message());
      continue;
    }
    records += contents->records.size();
  }
  if (records != static_cast<uint64_t>(v.records)) {
    Problem("segment", subject, subject + ": segments hold " + std::to_string(records) +
                                    " records, expected " + std::to_string(v.records));
  }
  auto cids = store::ReadContentIds(c_.env(), c_.VaultPath(dir), *key, context);
  if (!cids.ok()) {
    Problem("segment", subject, subject + ": content ids: " + cids.status().message());
    return OkStatus();
  }
  std::vector<crypto::Digest> digests;
  for (const auto& cid : *cids) {
    auto d = crypto::DigestFromBytes(cid);
    if (!d.ok()) {
      Problem("segment", subject, subject + ": content ids: " + d.status().message());
      return OkStatus();
    }
    digests.push_back(*d);
  }
  Compare("dataset", subject, "stored content ids' records_root",
          crypto::DigestHex(ledger::MerkleRoot(digests)), e, "records_root");
  return OkStatus();
}

Status Checker::Indexes() {
  CUSTODY_ASSIGN_OR_RETURN(auto versions, c_.catalog().ListVersions(DatasetId(), false));
  std::optional<crypto::SecretBytes> key;
  for (const auto& v : versions) {
    if (v.index_file.empty()) continue;
    if (v.shredded_at && !c_.env()->FileExists(c_.VaultPath(v.index_file))) continue;
    const std::string subject = "dataset " + v.dataset + " v" + std::to_string(v.version);
    auto index = ReadVersionIndex(c_, v);
    if (!index.ok()) {
      Problem("index", v.index_file, index.status().message());
      continue;
    }
    if (!key) {
      auto k = c_.vault().GetWrappedKey(store::KeyPurpose::Index());
      if (!k.ok()) {
        Problem("index", v.index_file, v.index_file + ": index key: " + k.status().message());
        return OkStatus();
      }
      key = std::move(*k);
    }
    // The manifest answers to the ingest entry; each shard to the manifest.
    auto ev = log_.ingests.find("dataset:" + v.dataset + "@v" + std::to_string(v.version));
    if (index->manifest && ev != log_.ingests.end()) {
      Compare("index", index->manifest_file, "index manifest", index->manifest_sha256, ev->second,
              "index_manifest");
    } else if (ev != log_.ingests.end() && !Hash(ev->second, "index_manifest").empty()) {
      // Ingested in shards, now pointed at a one-file index: the manifest
      // check would be skipped.
      Problem("index", v.index_file,
              subject + ": index_file is '" + v.index_file + "', but its ingest event (log index " +
                  std::to_string(ev->second.index) + ") commits to an index manifest",
              ev->second.index);
    }
    for (size_t i = 0; i < index->files.size(); ++i) {
      Count("index_files");
      const std::string& file = index->files[i];
      const std::string where = index->manifest
                                    ? subject + " shard " + std::to_string(index->shards[i]) + " (" + file + ")"
                                    : file;
      if (index->manifest) {
        const sketch::ShardEntry& want = index->manifest->shards[i];
        auto bytes = c_.env()->ReadFileToString(c_.VaultPath(file));
        if (!bytes.ok()) {
          Problem("index", file, where + ": " + bytes.status().message());
          continue;
        }
        const std::string found = sketch::Sha256Hex(*bytes);
        if (found != want.sha256) {
          // Which block changed is what the file's own checksums can tell;
          // a shard replaced whole (consistent checksums) shows in its hash.
          auto m = sketch::Matcher::Open(c_.env(), {c_.VaultPath(file)}, *key);
          Problem("index", file,
                  where + ": does not match its manifest: " +
                      (m.ok() ? "SHA-256 " + Short(found) + ", expected " + Short(want.sha256)
                              : m.status().message()));
          continue;
        }
      }
      auto m = sketch::Matcher::Open(c_.env(), {c_.VaultPath(file)}, *key);
      if (!m.ok()) Problem("index", file, where + ": " + m.status().message());
    }
  }
  return OkStatus();
}

Status Checker::Parties() {
  CUSTODY_ASSIGN_OR_RETURN(auto partners, c_.catalog().partners().List());
  for (const auto& p : partners) {
    Count("partners");
    const std::string subject = "partner " + ToString(p.id);
    auto e = log_.partners.find(p.id.value());
    if (e == log_.partners.end()) {
      Problem("partner", subject, subject + " ('" + p.name + "'): no partner add event for it in the log");
    } else if (!DetailIs(e->second, "name", p.name)) {
      Problem("partner", subject, subject + ": name '" + p.name + "' does not match the partner event (log index " +
                                      std::to_string(e->second.index) + "): expected " + DetailText(e->second, "name"),
              e->second.index);
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto members, c_.catalog().members().List());
  for (const auto& m : members) {
    Count("members");
    const std::string subject = "member " + ToString(m.id);
    auto e = log_.members.find(m.id.value());
    if (e == log_.members.end()) {
      Problem("member", subject, subject + " ('" + m.name + "'): no member add event for it in the log");
      continue;
    }
    const LoggedEvent& ev = e->second;
    if (!DetailIs(ev, "name", m.name) || !DetailIs(ev, "partner", m.partner)) {
      Problem("member", subject, subject + ": name '" + m.name + "' of partner '" + m.partner +
                                     "' does not match the member event (log index " + std::to_string(ev.index) +
                                     "): expected " + DetailText(ev, "name") + " of " + DetailText(ev, "partner"),
              ev.index);
    }
    const std::string found = Sha256Hex(m.public_key);
    const auto expected = LoggedPublicKeyHash(ev.event);
    if (!expected) {
      Older("member", subject, "public key", ev.index);
    } else if (*expected != found) {
      Problem("member", subject, subject + " ('" + m.name + "'): public key hash " + Short(found) +
                                     " does not match the member event (log index " + std::to_string(ev.index) +
                                     "): expected " + Short(*expected), ev.index);
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto grants, c_.catalog().grants().List());
  for (const auto& g : grants) {
    Count("grants");
    const std::string subject = "grant " + ToString(g.id);
    auto e = log_.grants.find(g.id.value());
    if (e == log_.grants.end()) {
      Problem("grant", subject, subject + ": no grant event for it in the log");
      continue;
    }
    const LoggedEvent& ev = e->second;
    const auto fields = nlohmann::json::parse(g.fields_json, nullptr, false);
    if (!DetailIs(ev, "partner", g.partner) || !DetailIs(ev, "version", g.version) ||
        !DetailIs(ev, "fields", fields) ||
        (g.member_id ? !DetailIs(ev, "member", g.member) : ev.event.details.contains("member"))) {
      Problem("grant", subject, subject + ": partner, member, version or fields do not match the grant event (log index " +
                                    std::to_string(ev.index) + ")", ev.index);
    }
    Compare("grant", subject, "selection", Sha256Hex(g.selection_json), ev, "selection");
  }
  return OkStatus();
}

Status Checker::Releases() {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().releases().Holdings(store::ReleaseFilter{}));
  for (const auto& row : rows) {
    const store::ReleaseRow& rel = row.release;
    Count("releases");
    const std::string subject = "release " + ToString(rel.id);
    auto e = log_.releases.find(rel.id.value());
    if (e == log_.releases.end()) {
      Problem("release", subject, subject + ": no release event for it in the log");
      continue;
    }
    const LoggedEvent& ev = e->second;
    if (rel.log_index && static_cast<uint64_t>(*rel.log_index) != ev.index) {
      Problem("release", subject, subject + ": log_index is " + std::to_string(*rel.log_index) +
                                      ", but its release event is log index " + std::to_string(ev.index), ev.index);
    }
    if (!DetailIs(ev, "member_id", rel.member_id.value()) || !DetailIs(ev, "grant_id", rel.grant_id.value()) ||
        !DetailIs(ev, "records", rel.records)) {
      Problem("release", subject, subject + ": member " + ToString(rel.member_id) + ", grant " +
                                      ToString(rel.grant_id) + ", " + std::to_string(rel.records) +
                                      " records do not match the release event (log index " + std::to_string(ev.index) +
                                      "): member " + DetailText(ev, "member_id") + ", grant " +
                                      DetailText(ev, "grant_id") + ", " + DetailText(ev, "records") + " records",
              ev.index);
    }
    Compare("release", subject, "holdings bitmap", Sha256Hex(rel.record_bitmap), ev, "record_bitmap");
    if (rel.bitmap_hash != Sha256Hex(rel.record_bitmap)) {
      Problem("release", subject, subject + ": bitmap_hash column " + Short(rel.bitmap_hash) +
                                      " is not the hash of its bitmap " + Short(Sha256Hex(rel.record_bitmap)));
    }
    auto ids = RecordSet::Deserialize(rel.record_bitmap);
    if (!ids.ok()) {
      Problem("release", subject, subject + ": holdings bitmap: " + ids.status().message());
    } else if (ids->Cardinality() != rel.records) {
      Problem("release", subject, subject + ": holdings bitmap holds " + std::to_string(ids->Cardinality()) +
                                      " records, expected " + std::to_string(rel.records));
    }
    Compare("release", subject, "fingerprint parameters", rel.params_hash, ev, "fingerprint_params");
    auto m = c_.catalog().members().Get(rel.member_id);
    if (!m.ok()) return m.status();
    if (!*m) {
      Problem("release", subject, subject + ": its member " + ToString(rel.member_id) + " is not in the catalog");
    } else {
      Compare("release", subject, "recipient key", Sha256Hex((*m)->public_key), ev, "recipient_key");
    }
  }
  return OkStatus();
}

Status Checker::Canaries() {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().canaries().List());
  CanaryOpener opener(c_);
  std::map<int64_t, crypto::Sha256Hasher> by_release;
  std::map<int64_t, bool> unreadable;  // a release with a canary that cannot be opened
  for (const auto& row : rows) {
    Count("canaries");
    const int64_t rid = row.release_id.value();
    auto canary = opener.Open(row);
    if (!canary.ok()) {
      unreadable[rid] = true;
      if (canary.status().code() == StatusCode::kFailedPrecondition) {
        Count("canaries_shredded");
        continue;
      }
      Problem("canary", "canary " + ToString(row.id), "canary " + ToString(row.id) + ": " + canary.status().message());
      continue;
    }
    auto raw = HexDecode(canary->content_id);
    if (!raw.ok()) {
      Problem("canary", "canary " + ToString(row.id), "canary " + ToString(row.id) + ": content id is not hex");
      unreadable[rid] = true;
      continue;
    }
    by_release[rid].Update(*raw);
  }
  for (const auto& [rid, ev] : log_.releases) {
    if (unreadable.count(rid)) continue;
    auto it = by_release.find(rid);
    const std::string found = crypto::DigestHex(it == by_release.end() ? crypto::Sha256("") : it->second.Finish());
    // A release logged without a catalog row has no canaries to compare.
    auto row = c_.catalog().releases().Holdings(store::ReleaseFilter{.release_id = ReleaseId(rid)});
    if (!row.ok()) return row.status();
    if (row->empty()) continue;
    Compare("canary", "release " + std::to_string(rid), "canaries", found, ev, "canaries");
  }
  return OkStatus();
}

Status Checker::Incidents() {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().incidents().List());
  for (const auto& row : rows) {
    Count("incidents");
    const std::string subject = "incident " + ToString(row.id);
    auto e = log_.incidents.find(row.id.value());
    if (e == log_.incidents.end()) {
      // A crash between the row and its log append is finished or removed by
      // recovery at the next open with the key; what is left has no event.
      Problem("incident", subject, subject + ": no incident event for it in the log");
      continue;
    }
    Compare("incident", subject, "compromised records", row.records_hash, e->second, "records");
    Compare("incident", subject, "trace report", Sha256Hex(row.trace_json), e->second, "trace");
    CUSTODY_ASSIGN_OR_RETURN(auto entries, c_.catalog().incidents().Entries(row.id));
    for (const auto& en : entries) {
      const std::string what = subject + " entry " + std::to_string(en.id);
      auto le = log_.incident_entries.find(en.id);
      if (le == log_.incident_entries.end() || le->second.event.subject != "incident:" + ToString(row.id)) {
        Problem("incident", what, what + ": no incident event for it in the log");
        continue;
      }
      if (!DetailIs(le->second, "action", en.action) || !DetailIs(le->second, "text", en.text)) {
        Problem("incident", what,
                what + ": " + en.action + " '" + en.text + "' does not match the incident event (log index " +
                    std::to_string(le->second.index) + "): expected " + DetailText(le->second, "action") +
                    " " + DetailText(le->second, "text"),
                le->second.index);
      } else if (en.action == "contain" && !(en.step_log_index && DetailIs(le->second, "step", *en.step_log_index))) {
        Problem("incident", what,
                what + ": containment step log entry " +
                    (en.step_log_index ? std::to_string(*en.step_log_index) : std::string("none")) +
                    " does not match the incident event (log index " + std::to_string(le->second.index) +
                    "): expected " + DetailText(le->second, "step"),
                le->second.index);
      }
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto updates, c_.catalog().incidents().Updates(std::nullopt));
  for (const auto& u : updates) {
    Count("incident_updates");
    const std::string subject = "incident " + ToString(u.incident_id) + " update " + std::to_string(u.id);
    auto e = log_.incident_updates.find(u.id);
    if (e == log_.incident_updates.end() || e->second.event.subject != "incident:" + ToString(u.incident_id)) {
      Problem("incident", subject, subject + ": no incident.update event for it in the log");
      continue;
    }
    auto notified = NotifiedFromJson(u.notified_json);
    if (!notified.ok()) {
      Problem("incident", subject, subject + ": notified: " + notified.status().message(), e->second.index);
      continue;
    }
    const IncidentClocks clocks{u.aware_at, u.material_at, u.contained_at, *notified};
    Compare("incident", subject, "clocks", Sha256Hex(UpdateCommitText(clocks)), e->second, "update");
  }
  return OkStatus();
}

// custody serve's tokens: each row has its issue event, which commits to the
// row's hash, role and member; a token revoked in the log is revoked in the
// catalog (clearing revoked_at would bring it back).
Status Checker::Tokens() {
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().tokens().List());
  for (const auto& t : rows) {
    Count("tokens");
    const std::string subject = "token " + ToString(t.id);
    auto e = log_.tokens.find(t.id.value());
    if (e == log_.tokens.end()) {
      Problem("token", subject, subject + ": no issue event for it in the log");
      continue;
    }
    const LoggedEvent& ev = e->second;
    const bool member_ok = t.member_id ? DetailIs(ev, "member_id", t.member_id->value())
                                       : !ev.event.details.contains("member_id");
    if (!DetailIs(ev, "role", std::string(store::TokenRoleName(t.role))) || !member_ok) {
      Problem("token", subject, subject + ": role " + std::string(store::TokenRoleName(t.role)) +
                                    " or member does not match the token event (log index " +
                                    std::to_string(ev.index) + ")", ev.index);
    }
    Compare("token", subject, "token", t.token_hash, ev, "token");
    auto revoked = log_.token_revocations.find(t.id.value());
    if (revoked != log_.token_revocations.end() && !t.revoked_at) {
      Problem("token", subject, subject + ": revoked in the log (log index " +
                                    std::to_string(revoked->second.index) + ") but not in the catalog",
              revoked->second.index);
    }
  }
  return OkStatus();
}

// Answers to served tasks: each row has its task.result event, which commits
// to the answer's hash, task and member.
Status Checker::TaskResults() {
  CUSTODY_ASSIGN_OR_RETURN(auto tasks, c_.catalog().releases().Holdings(store::ReleaseFilter{}));
  std::vector<store::TaskResultRow> rows;
  for (const auto& t : tasks) {
    if (t.release.format != "task") continue;
    CUSTODY_ASSIGN_OR_RETURN(auto answers, c_.catalog().task_results().OfTask(t.release.id));
    for (auto& a : answers) rows.push_back(std::move(a));
  }
  for (const auto& r : rows) {
    Count("task_results");
    const std::string subject = "task result " + ToString(r.id);
    auto e = log_.task_results.find(r.id.value());
    if (e == log_.task_results.end()) {
      Problem("task_result", subject, subject + ": no task.result event for it in the log");
      continue;
    }
    const LoggedEvent& ev = e->second;
    if (!DetailIs(ev, "release_id", r.release_id.value()) || !DetailIs(ev, "member_id", r.member_id.value())) {
      Problem("task_result", subject, subject + ": task or member does not match the task.result event (log index " +
                                          std::to_string(ev.index) + ")", ev.index);
    }
    Compare("task_result", subject, "answer", r.answer_hash, ev, "answer");
  }
  return OkStatus();
}

}  // namespace

Result<CheckReport> CheckVault(Custody& custody) {
  if (!custody.vault().has_master_key()) {
    return FailedPreconditionError("vault check needs the master key (segments and canaries are sealed)");
  }
  CheckReport report;
  // Every kind is in the report, checked or not, so its shape is fixed.
  for (const char* kind : {"log_entries", "datasets", "versions", "segments", "index_files",
                           "partners", "members", "grants", "releases", "canaries",
                           "canaries_shredded", "incidents", "incident_updates", "tokens",
                           "task_results"}) {
    report.checked[kind] = 0;
  }
  CUSTODY_ASSIGN_OR_RETURN(LoggedRows log, IndexLoggedRows(custody));
  Checker k(custody, log, &report);
  CUSTODY_RETURN_IF_ERROR(k.Log());
  CUSTODY_RETURN_IF_ERROR(k.Datasets());
  CUSTODY_RETURN_IF_ERROR(k.Indexes());
  CUSTODY_RETURN_IF_ERROR(k.Parties());
  CUSTODY_RETURN_IF_ERROR(k.Releases());
  CUSTODY_RETURN_IF_ERROR(k.Canaries());
  CUSTODY_RETURN_IF_ERROR(k.Incidents());
  CUSTODY_RETURN_IF_ERROR(k.Tokens());
  CUSTODY_RETURN_IF_ERROR(k.TaskResults());
  return report;
}

}  // namespace custody::core
