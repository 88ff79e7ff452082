// Building the incident report's data; see incident_report.h. Rendering is
// in incident_render.cc.
#include "custody/core/response/incident_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "custody/base/count_format.h"
#include "custody/base/output_file.h"
#include "custody/base/version.h"
#include "custody/core/audit/partner_report.h"
#include "custody/core/exposure/exposure.h"
#include "custody/core/response/regulatory_clocks.h"
#include "custody/core/trace/incident.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/ledger/merkle.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

using nlohmann::json;

json TimeOrNull(const std::optional<Time>& t) { return t ? json(FormatRfc3339(*t)) : json(); }

std::string Hex(const ledger::Hash& h) { return crypto::DigestHex(h); }

// What a log event is, in a few words, for the timeline.
std::string Describe(const ledger::Event& ev) {
  const auto d = [&](const char* k) {
    auto it = ev.details.find(k);
    return it == ev.details.end() ? std::string() : it->is_string() ? it->get<std::string>() : it->dump();
  };
  namespace t = ledger::event_type;
  if (ev.type == t::kTrace) return "trace of the dump: " + d("compromised") + " compromised records";
  if (ev.type == t::kIncidentUpdate) {
    std::string set;
    for (const char* k : {"aware_at", "material_at", "contained_at"}) {
      if (ev.details.contains(k)) set += (set.empty() ? "" : ", ") + std::string(k) + " " + d(k);
    }
    const auto n = ev.details.find("notified");
    if (n != ev.details.end() && n->is_object()) {
      for (const auto& [name, at] : n->items()) {
        set += (set.empty() ? "" : ", ") + name + " sent " + (at.is_string() ? at.get<std::string>() : at.dump());
      }
    }
    return "clocks: " + set;
  }
  if (ev.type == t::kIncident) {
    const std::string a = d("action");
    if (a.empty()) return "incident opened: " + d("title");
    if (a == "contain") return "containment recorded: " + d("text") + " (step at log entry " + d("step") + ")";
    if (a == "close") return "incident closed: " + d("text");
    return "note: " + d("text");
  }
  if (ev.type == t::kRevoke) return "revoked " + d("what") + " " + ev.subject.substr(ev.subject.find(':') + 1);
  if (ev.type == t::kPartner) return "partner " + d("name") + " " + d("action");
  if (ev.type == t::kShred) return "dataset " + d("dataset") + " shredded";
  if (ev.type == t::kRelease) return "release " + d("release_id") + " to " + ev.subject.substr(ev.subject.find(':') + 1);
  return ev.type + " " + ev.subject;
}

// The sensitivity word of dataset `name` ("unknown" if it is not in the catalog).
Result<std::string> SensitivityOf(Custody& c, const std::string& name, bool* shredded) {
  CUSTODY_ASSIGN_OR_RETURN(auto ds, c.catalog().FindDataset(name));
  if (!ds) return std::string("unknown");
  *shredded = ds->shredded_at.has_value();
  CUSTODY_ASSIGN_OR_RETURN(auto s, c.catalog().audits().GetSensitivity(ds->id));
  return std::string(store::SensitivityName(s));
}

// Scope: what leaked, from the frozen trace, and what each holder held as
// of the incident's opening (exposure). No wall-clock time.
Result<json> Scope(Custody& c, const Incident& inc) {
  const TraceReport& tr = inc.trace;
  std::map<std::string, std::map<std::string, uint64_t>> kinds_by_dataset;
  std::map<std::string, uint64_t> kinds;
  uint64_t unverified = 0;
  for (const auto& r : tr.compromised) {
    ++kinds_by_dataset[r.dataset][r.kind];
    ++kinds[r.kind];
    if (r.unverified) ++unverified;
  }
  json datasets = json::array();
  for (const auto& [name, n] : tr.by_dataset) {
    bool shredded = false;
    CUSTODY_ASSIGN_OR_RETURN(std::string tier, SensitivityOf(c, name, &shredded));
    auto& k = kinds_by_dataset[name];
    datasets.push_back({{"dataset", name},
                        {"records", n},
                        {"exact", k["exact"]},
                        {"near", k["near"]},
                        {"fragment", k["fragment"]},
                        {"sensitivity", tier},
                        {"vault_copy", shredded ? "ciphertext, key destroyed" : "recoverable"}});
  }
  std::map<ReleaseId, bool> encrypted;
  json members = json::array();
  for (const auto& [name, n] : tr.by_member) {
    CUSTODY_ASSIGN_OR_RETURN(HolderExposure h, ExposureOfMember(c, name, inc.created_at));
    for (const auto& rs : h.release_list) encrypted[rs.release_id] = rs.encrypted;
    members.push_back({{"member", name}, {"partner", h.partner}, {"leaked", n}, {"held", h.records},
                       {"releases", h.releases}});
  }
  json partners = json::array();
  for (const auto& [name, n] : tr.by_partner) {
    CUSTODY_ASSIGN_OR_RETURN(HolderExposure h, ExposureOfPartner(c, name, inc.created_at));
    partners.push_back({{"partner", name}, {"leaked", n}, {"held", h.records}, {"releases", h.releases}});
  }
  json releases = json::array();
  for (const auto& r : tr.releases) {
    const auto it = encrypted.find(r.release_id);
    const bool enc = it != encrypted.end() && it->second;
    releases.push_back({{"release", r.release_id.value()}, {"member", r.member}, {"partner", r.partner},
                        {"dataset", r.dataset}, {"released", r.released_records}, {"leaked", r.records},
                        {"delivered", enc ? "ciphertext (sealed to the member's key)" : "plaintext"}});
  }
  // Each compromised record once: delivered in plaintext by at least one
  // release that carried it, or only ever as ciphertext (sealed to a
  // member's key), or by no recorded release at all.
  uint64_t plaintext = 0, ciphertext = 0, unreleased = 0;
  for (const auto& r : tr.compromised) {
    bool plain = false;
    for (ReleaseId id : r.releases) {
      const auto it = encrypted.find(id);
      plain = plain || it == encrypted.end() || !it->second;
    }
    if (r.releases.empty()) ++unreleased;
    else (plain ? plaintext : ciphertext) += 1;
  }
  return json{{"compromised", tr.compromised.size()},
              {"records_sha256", inc.records_hash},
              {"dump_sha256", tr.dump_sha256},
              {"dump_records", tr.dump_records},
              {"matched", tr.matched},
              {"exact", kinds["exact"]},
              {"near", kinds["near"]},
              {"fragment", kinds["fragment"]},
              {"unverified", unverified},
              {"delivered_plaintext", plaintext},
              {"delivered_ciphertext_only", ciphertext},
              {"in_no_release", unreleased},
              {"exposure_as_of", FormatRfc3339(inc.created_at)},
              {"datasets", datasets},
              {"partners", partners},
              {"members", members},
              {"releases", releases},
              {"canaries_found", tr.canaries_found.size()}};
}

json Attribution(const TraceReport& tr) {
  json members = json::array();
  for (const auto& m : tr.members) {
    json j = {{"member", m.member},
              {"partner", m.partner},
              {"accused", m.accused},
              {"log10_p", m.log10_p_value},
              {"p", PValue(m.log10_p_value)},
              {"kinds_used", m.kinds_used},
              {"records_held", m.records_held},
              {"leaked_held", m.leaked_held},
              {"reason", m.reason},
              {"canaries_found", m.canaries.found},
              {"canaries_deployed", m.canaries.deployed}};
    j["exposure_log10_p"] = m.exposure && m.exposure->informative ? json(m.exposure->log10_p) : json();
    j["marks_slots"] = m.marks ? m.marks->slots : 0;
    j["marks_log10_p"] = m.marks && m.marks->slots > 0 ? json(m.marks->log10_p) : json();
    members.push_back(j);
  }
  json limits = json::array();
  limits.push_back("Not accused is not cleared: a member whose evidence stays above the bound may still have leaked.");
  limits.push_back("p-values are Bonferroni-corrected over the " + std::to_string(tr.members_tested) +
                   " members tested; the bound holds for each accusation, not for the dump's provenance.");
  if (tr.fits_no_copy) {
    limits.push_back("No released copy fits the dump: the leak may come from the lab's own copy or a path "
                     "custody did not record.");
  }
  if (!tr.decided && !tr.undecidable_reason.empty()) limits.push_back(tr.undecidable_reason);
  if (tr.erased_slots > 0) {
    limits.push_back(std::to_string(tr.erased_slots) + " fingerprint slots were erased in the dump (edited or removed).");
  }
  const bool collusion = tr.accused.size() > 1;
  return {{"method",
           "exposure sets (who held the leaked records), per-recipient fingerprint marks (Tardos scores) "
           "and canary records, combined per member and corrected for the number of members tested"},
          {"alpha", tr.alpha},
          {"false_accusation_bound",
           "each accused member's corrected p-value is at most alpha: the chance that an innocent member "
           "shows evidence this strong"},
          {"decided", tr.decided},
          {"statement", tr.statement},
          {"accused", tr.accused},
          {"collusion", collusion},
          {"collusion_note", collusion ? "several members are accused: their copies were combined or each leaked"
                                       : "one member or none accused; a coalition diluting its marks lowers "
                                         "every member's evidence, it does not frame an outsider"},
          {"members_tested", tr.members_tested},
          {"readable_slots", tr.readable_slots},
          {"erased_slots", tr.erased_slots},
          {"members", members},
          {"limits", limits},
          {"trace_log_index", tr.log_index ? json(*tr.log_index) : json()}};
}

// The evidence: the signed checkpoint, and for every cited log entry its
// leaf hash and inclusion proof against the checkpoint's tree, verified.
Result<json> Evidence(Custody& c, const Incident& inc, const std::string& trace_json,
                      const std::set<int64_t>& cited) {
  const ledger::CustodyLog& log = c.log();
  const ledger::LogStatus st = log.status();
  const uint64_t size = st.checkpoint_size;
  CUSTODY_ASSIGN_OR_RETURN(ledger::Hash root, log.RootAt(size));
  json entries = json::array();
  for (int64_t idx : cited) {
    const auto i = static_cast<uint64_t>(idx);
    json e = {{"log_index", idx}};
    if (i >= size) {
      e["proved"] = false;
      e["note"] = "after the signed checkpoint (size " + std::to_string(size) + ")";
      entries.push_back(e);
      continue;
    }
    CUSTODY_ASSIGN_OR_RETURN(std::string data, log.ReadEntry(i));
    const ledger::Hash leaf = ledger::HashLeaf(data);
    CUSTODY_ASSIGN_OR_RETURN(auto proof, log.InclusionProof(i, size));
    const Status ok = ledger::VerifyInclusion(i, size, leaf, proof, root);
    if (!ok.ok()) return ok.WithPrefix("log entry " + std::to_string(i) + ": inclusion proof");
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(log, i));
    json p = json::array();
    for (const auto& h : proof) p.push_back(Hex(h));
    e["type"] = ev.type;
    e["subject"] = ev.subject;
    e["leaf_hash"] = Hex(leaf);
    e["proof"] = p;
    e["proved"] = true;
    entries.push_back(e);
  }
  return json{{"log_origin", log.origin()},
              {"checkpoint_size", size},
              {"root", Hex(root)},
              {"checkpoint", st.checkpoint},
              {"hashes",
               {{"dump_sha256", inc.trace.dump_sha256},
                {"compromised_sha256", inc.records_hash},
                {"trace_report_sha256", crypto::DigestHex(crypto::Sha256(trace_json))}}},
              {"entries", entries},
              {"verify", "custody log verify; custody log prove INDEX (RFC 6962 inclusion proofs, "
                         "docs/formats/log.md)"}};
}

}  // namespace

Result<IncidentReportFormat> ParseIncidentReportFormat(std::string_view word) {
  if (word == "json") return IncidentReportFormat::kJson;
  if (word == "md") return IncidentReportFormat::kMarkdown;
  if (word == "html") return IncidentReportFormat::kHtml;
  return InvalidArgumentError("format: expected html, md or json, found '" + std::string(word) + "'");
}

Result<nlohmann::json> BuildIncidentReport(Custody& c, IncidentId id, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(Incident inc, GetIncident(c, id));
  CUSTODY_ASSIGN_OR_RETURN(auto row, c.catalog().incidents().Get(id));
  const std::string trace_json = row ? row->trace_json : ToJson(inc.trace);
  const TraceReport& tr = inc.trace;

  // Timeline: every log entry of the incident, the trace and the steps.
  std::set<int64_t> cited;
  if (tr.log_index) cited.insert(static_cast<int64_t>(*tr.log_index));
  if (inc.log_index) cited.insert(*inc.log_index);
  for (const auto& u : inc.updates) cited.insert(u.log_index);
  for (const auto& e : inc.entries) {
    cited.insert(e.log_index);
    if (e.step_log_index) cited.insert(*e.step_log_index);
  }
  json events = json::array();
  for (int64_t idx : cited) {
    CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(c.log(), static_cast<uint64_t>(idx)));
    events.push_back({{"log_index", idx}, {"time", FormatRfc3339(ev.time)}, {"type", ev.type},
                      {"actor", ev.actor}, {"what", Describe(ev)}});
  }
  const IncidentClocks& k = inc.clocks;
  const std::optional<Time> gdpr = k.aware_at ? std::optional<Time>(GdprArt33Deadline(*k.aware_at)) : std::nullopt;
  const std::optional<Time> sec = k.material_at ? std::optional<Time>(Sec8kDeadline(*k.material_at)) : std::nullopt;
  auto notified = [&](const std::string& n) {
    auto it = k.notified.find(n);
    return it == k.notified.end() ? std::optional<Time>() : std::optional<Time>(it->second);
  };
  json clocks = json::array();
  clocks.push_back({{"notice", kNoticeGdprArt33},
                    {"regulation", "GDPR Art. 33: notify the supervisory authority"},
                    {"rule", "72 hours from awareness"},
                    {"starts", TimeOrNull(k.aware_at)},
                    {"deadline", TimeOrNull(gdpr)},
                    {"notified_at", TimeOrNull(notified(kNoticeGdprArt33))},
                    {"status", NoticeStatus(gdpr, notified(kNoticeGdprArt33), now, true)}});
  clocks.push_back({{"notice", kNoticeSec8k},
                    {"regulation", "SEC Form 8-K Item 1.05: disclose a material cybersecurity incident"},
                    {"rule", "4 business days from the materiality determination (Sat/Sun skipped; US federal "
                             "holidays not modeled)"},
                    {"starts", TimeOrNull(k.material_at)},
                    {"deadline", TimeOrNull(sec)},
                    {"notified_at", TimeOrNull(notified(kNoticeSec8k))},
                    {"status", NoticeStatus(sec, notified(kNoticeSec8k), now, true)}});
  for (const auto& [name, at] : k.notified) {
    if (name == kNoticeGdprArt33 || name == kNoticeSec8k) continue;
    clocks.push_back({{"notice", name}, {"regulation", "recorded notice"}, {"rule", "no deadline modeled"},
                      {"starts", json()}, {"deadline", json()}, {"notified_at", FormatRfc3339(at)},
                      {"status", NoticeStatus(std::nullopt, at, now, false)}});
  }

  CUSTODY_ASSIGN_OR_RETURN(json scope, Scope(c, inc));

  // Impact (NIST SP 800-61r2, section 3.2.6: functional, information and
  // recoverability impact categories).
  bool restricted = false;
  for (const auto& d : scope["datasets"]) restricted = restricted || d["sensitivity"] == "restricted";
  json info = json::array();
  if (!tr.compromised.empty()) info.push_back("Proprietary Breach");
  if (restricted) info.push_back("Privacy Breach");
  if (info.empty()) info.push_back("None");
  const bool leaked = !tr.compromised.empty();
  json impact = {
      {"functional", "None"},
      {"information", info},
      {"proprietary_breach", leaked},
      {"privacy_breach", restricted},
      {"privacy_basis", restricted ? "a compromised dataset is tiered restricted (personal or regulated data)"
                                   : "no compromised dataset is tiered restricted; if one holds personal data, set its tier "
                                     "(custody dataset set-sensitivity D restricted)"},
      {"recoverability", leaked ? "Not Recoverable" : "Regular"},
      {"recoverability_basis", leaked ? "copies outside custody cannot be recalled: containment stops further "
                                        "releases, it does not undo the leak"
                                      : "nothing leaked"}};

  json steps = json::array();
  json notes = json::array();
  std::optional<IncidentEntry> closing;
  for (const auto& e : inc.entries) {
    if (e.action == "contain") {
      steps.push_back({{"time", FormatRfc3339(e.created_at)}, {"actor", e.actor}, {"what", e.text},
                       {"step_log_index", e.step_log_index ? json(*e.step_log_index) : json()},
                       {"log_index", e.log_index}});
    } else if (e.action == "note") {
      notes.push_back({{"time", FormatRfc3339(e.created_at)}, {"actor", e.actor}, {"text", e.text},
                       {"log_index", e.log_index}});
    } else if (e.action == "close") {
      closing = e;
    }
  }
  json containment = {{"steps", steps}, {"contained_at", TimeOrNull(k.contained_at)}};

  std::set<std::string> partner_names;
  for (const auto& [p, n] : tr.by_partner) partner_names.insert(p);
  for (const auto& m : tr.members) {
    if (m.accused) partner_names.insert(m.partner);
  }
  json partners = json::array();
  for (const std::string& p : partner_names) {
    CUSTODY_ASSIGN_OR_RETURN(json pr, audit::PartnerReportJson(c, p, now));
    partners.push_back({{"partner", p}, {"status", pr["status"]}, {"posture", pr["posture"]},
                        {"history", pr["history"]}, {"risk", pr["risk"]}});
  }

  CUSTODY_ASSIGN_OR_RETURN(json evidence, Evidence(c, inc, trace_json, cited));

  json open_items = json::array();
  for (const auto& cl : clocks) {
    if (cl["status"] != "met") {
      open_items.push_back(cl["notice"].get<std::string>() + ": " + cl["status"].get<std::string>());
    }
  }
  if (steps.empty() && leaked) open_items.push_back("no containment recorded (custody incident contain)");
  if (!k.contained_at) open_items.push_back("containment time not recorded (incident update --contained-at)");

  std::string accused;
  for (const auto& a : tr.accused) accused += (accused.empty() ? "" : ", ") + a;
  json summary = {
      {"statement", tr.statement},
      {"compromised", tr.compromised.size()},
      {"datasets", tr.by_dataset.size()},
      {"partners", tr.by_partner.size()},
      {"accused", tr.accused},
      {"status", inc.closed ? "closed" : "open"},
      {"containment_steps", steps.size()},
      {"text", Counted(tr.compromised.size(), "record") + " of ours leaked (" +
                   Counted(tr.by_dataset.size(), "dataset") + ", released to " +
                   Counted(tr.by_partner.size(), "partner") + "); " +
                   (accused.empty() ? std::string("nobody is accused") : "accused: " + accused) + "; " +
                   Counted(steps.size(), "containment step") + " recorded; incident " +
                   (inc.closed ? "closed." : "open.")}};

  json closure = {{"status", inc.closed ? "closed" : "open"},
                  {"closed_at", closing ? json(FormatRfc3339(closing->created_at)) : json()},
                  {"resolution", closing ? json(closing->text) : json()},
                  {"close_log_index", closing ? json(closing->log_index) : json()},
                  {"notes", notes},
                  {"open_items", open_items}};

  return json{{"format", kIncidentReportFormat},
              {"version", kIncidentReportVersion},
              {"header",
               {{"incident", id.value()},
                {"title", inc.title},
                {"opened_at", FormatRfc3339(inc.created_at)},
                {"generated_at", FormatRfc3339(now)},
                {"custody_version", kCustodyVersion},
                {"vault_id", c.vault().config().vault_id},
                {"incident_log_index", inc.log_index ? json(*inc.log_index) : json()}}},
              {"summary", summary},
              {"timeline",
               {{"events", events},
                {"clocks", clocks},
                {"aware_at", TimeOrNull(k.aware_at)},
                {"material_at", TimeOrNull(k.material_at)},
                {"contained_at", TimeOrNull(k.contained_at)},
                {"holidays_modeled", false}}},
              {"scope", scope},
              {"attribution", Attribution(tr)},
              {"impact", impact},
              {"containment", containment},
              {"obligations", clocks},
              {"partners", partners},
              {"evidence", evidence},
              {"closure", closure}};
}

std::string RenderIncidentReport(const nlohmann::json& report, IncidentReportFormat format) {
  switch (format) {
    case IncidentReportFormat::kJson: return report.dump(2) + "\n";
    case IncidentReportFormat::kMarkdown: return RenderIncidentMarkdown(report);
    case IncidentReportFormat::kHtml: return RenderIncidentHtml(report);
  }
  return "";
}

Status WriteIncidentReport(Custody& c, IncidentId id, IncidentReportFormat format, const std::string& path,
                           bool overwrite, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(nlohmann::json report, BuildIncidentReport(c, id, now));
  OutputOptions oo;
  oo.overwrite = overwrite;
  oo.mode = 0600;
  CUSTODY_ASSIGN_OR_RETURN(auto out, OutputFile::Create(c.env(), path, oo));
  CUSTODY_RETURN_IF_ERROR(out->file()->Append(RenderIncidentReport(report, format)));
  return out->Commit();
}

}  // namespace custody::core
