#include "custody/core/trace/trace.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "custody/base/encoding.h"
#include "custody/core/attribution/exposure.h"
#include "custody/core/attribution/tardos.h"
#include "custody/core/trace/incident.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/mark/tardos.h"
#include "custody/sketch/matcher.h"

namespace custody::core {
namespace {

std::string fmt_alpha(double a) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", a);
  return buf;
}

double PValue(double log10_p) { return log10_p < -320 ? 0.0 : std::pow(10.0, log10_p); }

std::string SilenceName(attribution::ExposureSilence s) {
  switch (s) {
    case attribution::ExposureSilence::kNone: return "";
    case attribution::ExposureSilence::kNothingInScope: return "no leaked record is held by this member and another";
    case attribution::ExposureSilence::kIdenticalSet: return "another member received exactly the same records";
    case attribution::ExposureSilence::kDegenerate: return "every member holds every leaked record";
  }
  return "";
}

Result<std::string> HashFiles(Env* env, const std::vector<std::string>& files) {
  crypto::Sha256Hasher h;
  std::string buf(1 << 16, '\0');
  for (const auto& f : files) {
    CUSTODY_ASSIGN_OR_RETURN(auto in, env->NewSequentialFile(f));
    while (true) {
      CUSTODY_ASSIGN_OR_RETURN(size_t n, in->Read(buf.size(), buf.data()));
      if (n == 0) break;
      h.Update(std::string_view(buf.data(), n));
    }
  }
  return crypto::DigestHex(h.Finish());
}

// Calls fn(i) for i in [0, n) on up to `threads` threads (fn must be safe
// to run concurrently for distinct i).
void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
  threads = std::min(std::max<size_t>(threads, 1), n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

}  // namespace

Result<Scoring> ScoreMembers(const TraceInputs& inputs, const std::vector<uint64_t>& leaked,
                             std::vector<SlotRead> slots, const std::set<uint64_t>& canary_found,
                             const mark::Marker& marker, double alpha, size_t threads) {
  Scoring out;
  const size_t n = inputs.holders.size();
  // Exposure. Members who share a grant are not independent samples.
  std::vector<std::vector<uint64_t>> held;
  held.reserve(n);
  std::map<uint64_t, std::vector<uint32_t>> by_grant;
  for (size_t i = 0; i < n; ++i) {
    held.push_back(inputs.holders[i].held);
    for (const auto& r : inputs.holders[i].releases) by_grant[r.grant_id].push_back(static_cast<uint32_t>(i));
  }
  attribution::ExposureOptions eo;
  for (auto& [g, ms] : by_grant) {
    std::sort(ms.begin(), ms.end());
    ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
    for (size_t a = 0; a < ms.size(); ++a) {
      for (size_t b = a + 1; b < ms.size(); ++b) eo.links.emplace_back(ms[a], ms[b]);
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto exposure, attribution::ExposureAnalysis::Create(held, leaked, eo));

  // Marks: a slot kind whose rendering is the same across the dump is erased.
  std::vector<mark::SlotObservation> obs;
  obs.reserve(slots.size());
  for (const auto& s : slots) obs.push_back(s.obs);
  mark::EraseUniformKinds(&obs);
  for (size_t i = 0; i < slots.size(); ++i) slots[i].obs = obs[i];
  for (const auto& s : slots) (s.obs.symbol < 0 ? out.erased_slots : out.readable_slots)++;

  // Canaries per member.
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> canaries;  // member -> (deployed, found)
  std::map<uint64_t, double> canary_fmp;
  for (const auto& c : inputs.canaries) {
    auto& dc = canaries[c.member_id];
    ++dc.first;
    if (canary_found.count(c.canary_id)) ++dc.second;
    canary_fmp[c.member_id] = std::max(canary_fmp[c.member_id], c.false_match_probability);
  }

  std::vector<attribution::MemberEvidence> evidence;
  out.members.resize(n);
  // The readable slots in record order, so each member's holdings are
  // matched against them in one merge (not a search per slot).
  std::vector<uint32_t> by_record;
  for (size_t k = 0; k < slots.size(); ++k) {
    if (slots[k].obs.symbol >= 0) by_record.push_back(static_cast<uint32_t>(k));
  }
  std::stable_sort(by_record.begin(), by_record.end(), [&](uint32_t a, uint32_t b) {
    return slots[a].record_id < slots[b].record_id;
  });
  // Each member's evidence is independent of the others': scored on
  // `threads` threads, collected in member order.
  std::vector<Result<attribution::MemberEvidence>> per_member(
      n, Result<attribution::MemberEvidence>(InternalError("not scored")));
  auto score_member = [&](size_t i) {
    const Holder& h = inputs.holders[i];
    MemberScore& ms = out.members[i];
    ms.holder = &h;
    attribution::MemberEvidence e;
    e.member_id = h.member_id;
    e.partner_id = h.partner_id;
    e.exposure = exposure.ForMember(i);
    std::vector<char> held_slot(slots.size());
    auto held = h.held.begin();
    for (uint32_t k : by_record) {
      while (held != h.held.end() && *held < slots[k].record_id) ++held;
      if (held == h.held.end()) break;
      held_slot[k] = *held == slots[k].record_id;
    }
    // Marks: only slots of records this member received carry its code.
    std::vector<attribution::SlotObservation> mine;
    std::vector<uint8_t> symbols;
    for (size_t k = 0; k < slots.size(); ++k) {
      const SlotRead& s = slots[k];
      if (!held_slot[k]) continue;
      attribution::SlotObservation a;
      a.bias = s.obs.bias;
      a.observed = s.obs.symbol ? attribution::SlotSymbol::k1 : attribution::SlotSymbol::k0;
      a.kind = static_cast<uint32_t>(s.obs.kind);
      mine.push_back(a);
      symbols.push_back(marker.MemberSymbol(h.member_id, s.record_id, s.obs.slot_id) ? 1 : 0);
    }
    ms.slots_scored = mine.size();
    if (!mine.empty()) {
      auto t = attribution::TardosScore(mine, symbols);
      if (!t.ok()) return per_member[i] = t.status(), void();
      e.marks = *t;
    }
    auto dc = canaries.find(h.member_id);
    if (dc != canaries.end()) {
      ms.canaries_deployed = dc->second.first;
      ms.canaries_found = dc->second.second;
      attribution::CanaryEvidence ce{dc->second.first, dc->second.second,
                                     canary_fmp.find(h.member_id)->second};
      auto cr = attribution::EvaluateCanaries(ce);
      if (!cr.ok()) return per_member[i] = cr.status(), void();
      e.canaries = *cr;
    }
    per_member[i] = std::move(e);
  };
  ParallelFor(n, threads, score_member);
  for (auto& r : per_member) {
    CUSTODY_RETURN_IF_ERROR(r.status());
    evidence.push_back(std::move(r).value());
  }
  attribution::AttributionOptions ao;
  ao.alpha = alpha;
  CUSTODY_ASSIGN_OR_RETURN(out.report, attribution::Attribute(evidence, ao));
  for (size_t i = 0; i < n; ++i) out.members[i].verdict = out.report.members[i];
  return out;
}

namespace {

// What one dump record tells trace: its candidates (best first), the canary
// it is (if any), and the marks read from it against its best candidate.
struct RecordObservation {
  std::vector<sketch::MatchResult> cands;
  int64_t canary = -1;  // index into TraceInputs::canaries
  std::vector<mark::SlotObservation> slots;
};

// Matches and reads each batch on worker threads; folds in dump order, so
// the result does not depend on the thread count.
class TraceWork : public BatchWork {
 public:
  TraceWork(const VaultMatcher& vm, const TraceInputs& inputs, const mark::Marker& marker,
            size_t threads)
      : vm_(vm), inputs_(inputs), marker_(marker), cands_(ScanSlots(threads)),
        obs_(ScanSlots(threads)) {
    for (size_t t = 0; t < threads; ++t) words_.push_back(vm.NewWords());
    for (size_t i = 0; i < inputs.canaries.size(); ++i) {
      canaries_by_source_.emplace(inputs.canaries[i].source_record_id, i);
    }
    for (size_t i = 0; i < inputs.holders.size(); ++i) {
      holder_of_member_[inputs.holders[i].member_id] = i;
    }
  }

  Status Process(size_t worker, size_t slot, const DumpBatch& batch) override {
    std::vector<std::vector<sketch::MatchResult>>& cands = cands_[slot];
    vm_.matcher().MatchBatch(batch.all_fields(), 4, words_[worker].get(), &cands);
    std::vector<RecordObservation>& obs = obs_[slot];
    obs.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      RecordObservation& o = obs[i];
      o.cands.swap(cands[i]);
      o.canary = -1;
      o.slots.clear();
      if (o.cands.empty()) continue;
      o.canary = FindCanary(o.cands, batch.fields(i));
      if (o.canary < 0) o.slots = marker_.ReadSlots(o.cands.front().record_id, batch.fields(i));
    }
    return OkStatus();
  }

  Status Fold(size_t slot, const DumpBatch& batch) override {
    const std::vector<RecordObservation>& obs = obs_[slot];
    for (size_t i = 0; i < batch.size(); ++i) Fold(obs[i], batch, i);
    return OkStatus();
  }

  // Compromised records by id while scanning (Sorted() orders them after).
  std::unordered_map<uint64_t, CompromisedRecord> compromised;
  std::vector<CanaryHit> hits;
  std::set<uint64_t> canary_found;
  std::vector<SlotRead> slots;
  uint64_t matched = 0;
  uint64_t unmatched_count = 0;
  nlohmann::json unmatched = nlohmann::json::array();

 private:
  // A canary looks like its source record: the canaries of every candidate
  // are tested against the dump record's text.
  int64_t FindCanary(const std::vector<sketch::MatchResult>& cands,
                     std::span<const std::string_view> fields) const {
    for (const auto& c : cands) {
      auto range = canaries_by_source_.equal_range(c.record_id);
      for (auto it = range.first; it != range.second; ++it) {
        const CanaryRecord& cr = inputs_.canaries[it->second];
        if (mark::CanaryEvidence(cr.substitutions, fields).is_match) {
          return static_cast<int64_t>(it->second);
        }
      }
    }
    return -1;
  }

  void Fold(const RecordObservation& o, const DumpBatch& batch, size_t i) {
    if (o.cands.empty()) {
      ++unmatched_count;
      if (unmatched.size() < 1000) unmatched.push_back(batch.Where(i));
      return;
    }
    ++matched;
    if (o.canary >= 0) {
      const CanaryRecord& cr = inputs_.canaries[static_cast<size_t>(o.canary)];
      if (canary_found.insert(cr.canary_id).second) {
        CanaryHit hit;
        hit.canary_id = cr.canary_id;
        hit.release_id = cr.release_id;
        hit.source = batch.Where(i);
        auto h = holder_of_member_.find(cr.member_id);
        if (h != holder_of_member_.end()) {
          hit.member = inputs_.holders[h->second].member;
          hit.partner = inputs_.holders[h->second].partner;
        }
        hits.push_back(hit);
      }
      return;
    }
    const sketch::MatchResult& best = o.cands.front();
    auto [it, fresh] = compromised.try_emplace(best.record_id);
    CompromisedRecord& cr = it->second;
    if (fresh) {
      const IndexedVersion& v = vm_.version(best.index);
      cr.record_id = best.record_id;
      cr.dataset = v.dataset;
      cr.version = v.version;
      cr.kind = std::string(sketch::MatchKindName(best.kind));
      cr.similarity = best.similarity;
      cr.source = batch.Where(i);
      cr.unverified = v.shredded;
    } else if (best.similarity > cr.similarity) {
      cr.kind = std::string(sketch::MatchKindName(best.kind));
      cr.similarity = best.similarity;
    }
    ++cr.occurrences;
    for (const auto& s : o.slots) slots.push_back({best.record_id, s});
  }

  const VaultMatcher& vm_;
  const TraceInputs& inputs_;
  const mark::Marker& marker_;
  std::vector<std::unique_ptr<VaultRecordWords>> words_;
  std::vector<std::vector<std::vector<sketch::MatchResult>>> cands_;  // per slot
  std::vector<std::vector<RecordObservation>> obs_;                   // per slot
  std::multimap<uint64_t, size_t> canaries_by_source_;
  std::map<uint64_t, size_t> holder_of_member_;
};

// The compromised records in id order.
std::vector<CompromisedRecord> Sorted(std::unordered_map<uint64_t, CompromisedRecord>* by_id) {
  std::vector<CompromisedRecord> out;
  out.reserve(by_id->size());
  for (auto& [id, cr] : *by_id) out.push_back(std::move(cr));
  by_id->clear();
  std::sort(out.begin(), out.end(),
            [](const CompromisedRecord& a, const CompromisedRecord& b) { return a.record_id < b.record_id; });
  return out;
}

// Fills each compromised record's holders, their partners and the releases
// that carried it: one merge of each holding with the sorted leaked ids.
void AttachHolders(const TraceInputs& inputs, std::vector<CompromisedRecord>* compromised) {
  for (const auto& h : inputs.holders) {
    auto it = compromised->begin();
    for (uint64_t id : h.held) {
      while (it != compromised->end() && it->record_id < id) ++it;
      if (it == compromised->end()) break;
      if (it->record_id != id) continue;
      it->held_by.push_back(h.member);
      auto& partners = it->partners;
      if (std::find(partners.begin(), partners.end(), h.partner) == partners.end()) {
        partners.push_back(h.partner);
      }
    }
    for (const auto& r : h.releases) {
      auto jt = compromised->begin();
      for (uint64_t id : r.ids) {
        while (jt != compromised->end() && jt->record_id < id) ++jt;
        if (jt == compromised->end()) break;
        if (jt->record_id == id) jt->releases.push_back(r.release_id);
      }
    }
  }
  for (auto& cr : *compromised) std::sort(cr.releases.begin(), cr.releases.end());
}

}  // namespace

Result<TraceResult> Trace(Custody& custody, const TraceOptions& options) {
  if (options.dumps.empty()) return InvalidArgumentError("trace: expected at least one DUMP");
  if (!(options.alpha > 0 && options.alpha < 1)) {
    return InvalidArgumentError("--alpha: expected a number in (0, 1)");
  }
  CUSTODY_ASSIGN_OR_RETURN(TraceInputs inputs, LoadTraceInputs(custody));
  CUSTODY_ASSIGN_OR_RETURN(auto vm, VaultMatcher::Open(custody));
  CUSTODY_ASSIGN_OR_RETURN(auto mark_key, custody.vault().GetOrCreateWrappedKey("mark"));
  CUSTODY_ASSIGN_OR_RETURN(auto marker, mark::Marker::Create(std::move(mark_key)));

  DumpScanStats stats;
  ScanOptions scan;
  scan.threads = options.threads;
  scan.progress = options.progress;
  TraceWork work(*vm, inputs, marker, ScanThreads(scan));
  CUSTODY_RETURN_IF_ERROR(ScanDumpBatches(custody.env(), options.dumps, scan, &work, &stats));
  std::vector<CompromisedRecord> compromised = Sorted(&work.compromised);
  std::vector<CanaryHit>& hits = work.hits;
  const std::set<uint64_t>& canary_found = work.canary_found;
  std::vector<SlotRead>& slots = work.slots;
  const uint64_t matched = work.matched;
  const uint64_t unmatched_count = work.unmatched_count;
  nlohmann::json& unmatched = work.unmatched;

  AttachHolders(inputs, &compromised);
  std::vector<uint64_t> leaked;
  leaked.reserve(compromised.size());
  for (const auto& cr : compromised) leaked.push_back(cr.record_id);
  CUSTODY_ASSIGN_OR_RETURN(Scoring scoring, ScoreMembers(inputs, leaked, slots, canary_found, marker,
                                                       options.alpha, ScanThreads(scan)));

  // ---- The report ----------------------------------------------------------
  nlohmann::json comp = nlohmann::json::array();
  std::map<std::string, uint64_t> by_dataset, by_partner, by_member;
  std::map<uint64_t, nlohmann::json> by_release;
  for (const auto& cr : compromised) {
    const uint64_t id = cr.record_id;
    comp.push_back({{"record_id", id},
                    {"dataset", cr.dataset},
                    {"version", cr.version},
                    {"kind", cr.kind},
                    {"similarity", cr.similarity},
                    {"verified", !cr.unverified},
                    {"source", cr.source},
                    {"occurrences", cr.occurrences},
                    {"releases", cr.releases},
                    {"held_by", cr.held_by}});
    ++by_dataset[cr.dataset];
    for (const auto& m : cr.held_by) ++by_member[m];
    for (const auto& p : cr.partners) ++by_partner[p];
    for (uint64_t r : cr.releases) {
      auto& j = by_release[r];
      j["release"] = r;
      j["records"] = j.value("records", 0) + 1;
    }
  }
  for (const auto& h : inputs.holders) {
    for (const auto& r : h.releases) {
      auto it = by_release.find(r.release_id);
      if (it == by_release.end()) continue;
      it->second["member"] = h.member;
      it->second["partner"] = h.partner;
      it->second["dataset"] = r.dataset;
      it->second["released_records"] = r.records;
      it->second["created_at"] = FormatRfc3339(r.created_at);
    }
  }
  nlohmann::json releases = nlohmann::json::array();
  for (auto& [id, j] : by_release) releases.push_back(j);

  nlohmann::json members = nlohmann::json::array();
  std::vector<std::string> accused;
  nlohmann::json accused_detail = nlohmann::json::array();
  for (const auto& ms : scoring.members) {
    const auto& v = ms.verdict;
    nlohmann::json ev = nlohmann::json::object();
    const auto& e = v.evidence;
    if (e.exposure) {
      ev["exposure"] = {{"informative", e.exposure->informative},
                        {"leaked_held", e.exposure->leaked_held},
                        {"leaked_exclusive", e.exposure->leaked_exclusive},
                        {"held", ms.holder->held.size()},
                        {"log10_p", e.exposure->log10_p},
                        {"p_value", PValue(e.exposure->log10_p)}};
      if (!e.exposure->informative) ev["exposure"]["silent_because"] = SilenceName(e.exposure->silence);
    }
    if (e.marks) {
      ev["marks"] = {{"informative", e.marks->n_slots > 0},
                     {"slots", e.marks->n_slots},
                     {"score", e.marks->score},
                     {"log10_p", e.marks->log10_p},
                     {"p_value", PValue(e.marks->log10_p)}};
    } else {
      ev["marks"] = {{"informative", false}, {"slots", 0}, {"silent_because", "no readable slot in the leaked records this member held"}};
    }
    ev["canaries"] = {{"deployed", ms.canaries_deployed}, {"found", ms.canaries_found}};
    if (e.canaries && e.canaries->informative) {
      ev["canaries"]["log10_p"] = e.canaries->log10_p;
      ev["canaries"]["p_value"] = PValue(e.canaries->log10_p);
    }
    members.push_back({{"member", ms.holder->member},
                       {"member_id", ms.holder->member_id},
                       {"partner", ms.holder->partner},
                       {"records_held", ms.holder->held.size()},
                       {"leaked_held", e.exposure ? e.exposure->leaked_held : 0},
                       {"kinds_used", v.kinds_used},
                       {"log10_p_combined", v.log10_combined},
                       {"log10_p_value", v.log10_corrected},
                       {"p_value", PValue(v.log10_corrected)},
                       {"accused", v.accused},
                       {"evidence", ev}});
    if (v.accused) {
      accused.push_back(ms.holder->member);
      accused_detail.push_back({{"member", ms.holder->member}, {"partner", ms.holder->partner},
                                {"p_value", PValue(v.log10_corrected)}, {"log10_p_value", v.log10_corrected}});
    }
  }
  nlohmann::json canary_hits = nlohmann::json::array();
  for (const auto& h : hits) {
    canary_hits.push_back({{"canary", h.canary_id}, {"member", h.member}, {"partner", h.partner},
                           {"release", h.release_id}, {"source", h.source}});
  }
  std::string statement;
  if (compromised.empty() && hits.empty()) {
    statement = "No record of the vault was found in the dump: nothing was compromised, nobody is accused.";
  } else if (!accused.empty()) {
    statement = "Accused at a false-accusation bound of " + fmt_alpha(options.alpha) + ": ";
    for (size_t i = 0; i < accused.size(); ++i) statement += (i ? ", " : "") + accused[i];
    statement += "; every other member is cleared at this bound.";
  } else if (!scoring.report.has_information) {
    statement = "The evidence cannot decide: " + (scoring.report.undecidable_reason.empty()
                    ? std::string("no evidence kind is informative") : scoring.report.undecidable_reason) + ".";
  } else {
    statement = "The evidence cannot decide: no member's combined bound is below " + fmt_alpha(options.alpha) +
                ", so nobody is accused.";
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : stats.problems) {
    problems.push_back({{"source", p.source}, {"line", p.line ? nlohmann::json(p.line) : nlohmann::json()},
                        {"error", p.error}});
  }
  CUSTODY_ASSIGN_OR_RETURN(std::string dump_hash, HashFiles(custody.env(), options.dumps));
  const std::string compromised_hash = CompromisedHash(leaked);

  TraceResult result;
  result.accused = accused;
  result.decided = scoring.report.decided;
  result.json = {{"dumps", options.dumps},
                 {"dump_sha256", dump_hash},
                 {"dump_records", stats.dump_records},
                 {"matched", matched},
                 {"unmatched", unmatched_count},
                 {"unmatched_sources", unmatched},
                 {"skipped", stats.skipped},
                 {"problems", problems},
                 {"empty_dumps", stats.empty_dumps},
                 {"compromised_count", compromised.size()},
                 {"compromised", comp},
                 {"compromised_sha256", compromised_hash},
                 {"by_dataset", by_dataset},
                 {"by_partner", by_partner},
                 {"by_member", by_member},
                 {"releases", releases},
                 {"canaries_found", canary_hits},
                 {"slots", {{"readable", scoring.readable_slots}, {"erased", scoring.erased_slots}}},
                 {"members_tested", scoring.report.members_tested},
                 {"members", members},
                 {"accused", accused},
                 {"accused_detail", accused_detail},
                 {"alpha", options.alpha},
                 {"decided", scoring.report.decided},
                 {"statement", statement}};
  if (!scoring.report.decided) result.json["undecidable_reason"] = scoring.report.undecidable_reason;

  ledger::Event ev;
  ev.type = ledger::event_type::kTrace;
  ev.subject = "dump:" + dump_hash.substr(0, 16);
  ev.details = {{"dump_records", stats.dump_records},
                {"compromised", compromised.size()},
                {"canaries_found", hits.size()},
                {"accused", accused},
                {"alpha_log10", static_cast<int>(std::lround(std::log10(options.alpha)))}};
  ev.hashes["dump"] = dump_hash;
  ev.hashes["compromised"] = compromised_hash;
  CUSTODY_ASSIGN_OR_RETURN(uint64_t log_index, custody.Commit(ev));
  result.json["log_index"] = log_index;
  return result;
}

}  // namespace custody::core
