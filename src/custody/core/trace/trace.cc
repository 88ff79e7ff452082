#include "custody/core/trace/trace.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <thread>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "custody/base/count_format.h"
#include "custody/base/encoding.h"
#include "custody/base/version.h"
#include "custody/core/attribution/exposure.h"
#include "custody/core/attribution/tardos.h"
#include "custody/core/trace/incident.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/sketch/matcher.h"

namespace custody::core {
namespace {

std::string fmt_alpha(double a) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", a);
  return buf;
}

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

namespace {

// Exposure of every holder to the leaked records. Members who share a grant
// are declared linked: they are not independent samples.
Result<attribution::ExposureAnalysis> AnalyzeExposure(const TraceInputs& inputs,
                                                      const std::vector<uint64_t>& leaked) {
  std::vector<std::vector<uint64_t>> held;
  held.reserve(inputs.holders.size());
  std::map<GrantId, std::vector<uint32_t>> by_grant;
  for (size_t i = 0; i < inputs.holders.size(); ++i) {
    held.push_back(inputs.holders[i].held);
    for (const auto& r : inputs.holders[i].releases) {
      by_grant[r.grant_id].push_back(static_cast<uint32_t>(i));
    }
  }
  attribution::ExposureOptions eo;
  for (auto& [g, ms] : by_grant) {
    std::sort(ms.begin(), ms.end());
    ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
    for (size_t a = 0; a < ms.size(); ++a) {
      for (size_t b = a + 1; b < ms.size(); ++b) eo.links.emplace_back(ms[a], ms[b]);
    }
  }
  return attribution::ExposureAnalysis::Create(held, leaked, eo);
}

// A member's canaries: deployed, found in the dump, and the largest chance
// that one of them matches an unrelated record by accident.
struct CanaryCount {
  uint64_t deployed = 0;
  uint64_t found = 0;
  double false_match_probability = 0;
};

std::map<MemberId, CanaryCount> CountCanaries(const TraceInputs& inputs,
                                              const std::set<CanaryId>& canary_found) {
  std::map<MemberId, CanaryCount> by_member;
  for (const auto& c : inputs.canaries) {
    CanaryCount& n = by_member[c.member_id];
    ++n.deployed;
    if (canary_found.count(c.canary_id)) ++n.found;
    n.false_match_probability = std::max(n.false_match_probability, c.false_match_probability);
  }
  return by_member;
}

// What every member's scoring shares: the dump's readable slots, their
// order by record, and the canary counts.
struct DumpEvidence {
  const std::vector<SlotRead>* slots = nullptr;
  std::vector<mark::SlotObservation> obs;  // slots[k].obs, erasure applied
  std::vector<uint32_t> by_record;         // readable slots in record order
  std::map<MemberId, CanaryCount> canaries;
};

// Marks of one member: only slots of records the member received carry its
// code. The member's holdings meet the readable slots in one merge.
Result<std::optional<attribution::TardosResult>> ScoreMarks(const DumpEvidence& dump,
                                                            const Holder& h,
                                                            const mark::Marker& marker) {
  const std::vector<SlotRead>& slots = *dump.slots;
  std::vector<uint8_t> received(slots.size()), symbols(slots.size());
  auto held = h.held.begin();
  for (uint32_t k : dump.by_record) {
    while (held != h.held.end() && *held < slots[k].record_id.value()) ++held;
    if (held == h.held.end()) break;
    if (*held != slots[k].record_id.value()) continue;
    received[k] = 1;
    symbols[k] = marker.MemberSymbol(slots[k].record_id, h.member_id, slots[k].obs.slot_id);
  }
  return attribution::ScoreMemberMarks(dump.obs, received, symbols);
}

// The evidence against holder `i`: exposure, marks and canaries.
Result<attribution::MemberEvidence> ScoreMember(const TraceInputs& inputs, size_t i,
                                                const attribution::ExposureAnalysis& exposure,
                                                const DumpEvidence& dump,
                                                const mark::Marker& marker, MemberScore* ms) {
  const Holder& h = inputs.holders[i];
  ms->holder = &h;
  attribution::MemberEvidence e;
  e.member_id = h.member_id;
  e.partner_id = h.partner_id;
  e.exposure = exposure.ForMember(i);
  CUSTODY_ASSIGN_OR_RETURN(e.marks, ScoreMarks(dump, h, marker));
  ms->slots_scored = e.marks ? e.marks->n_slots : 0;
  auto dc = dump.canaries.find(h.member_id);
  if (dc != dump.canaries.end()) {
    ms->canaries_deployed = dc->second.deployed;
    ms->canaries_found = dc->second.found;
    attribution::CanaryEvidence ce{dc->second.deployed, dc->second.found,
                                   dc->second.false_match_probability};
    CUSTODY_ASSIGN_OR_RETURN(e.canaries, attribution::EvaluateCanaries(ce));
  }
  return e;
}

}  // namespace

Result<Scoring> ScoreMembers(const TraceInputs& inputs, const std::vector<uint64_t>& leaked,
                             std::vector<SlotRead> slots, const std::set<CanaryId>& canary_found,
                             const mark::Marker& marker, double alpha, size_t threads) {
  Scoring out;
  const size_t n = inputs.holders.size();
  CUSTODY_ASSIGN_OR_RETURN(auto exposure, AnalyzeExposure(inputs, leaked));

  // Marks: a slot kind whose rendering is the same across the dump is erased.
  DumpEvidence dump;
  dump.slots = &slots;
  dump.obs.reserve(slots.size());
  for (const auto& s : slots) dump.obs.push_back(s.obs);
  attribution::EraseUniformKinds(dump.obs);
  for (size_t k = 0; k < slots.size(); ++k) {
    slots[k].obs = dump.obs[k];
    if (!slots[k].obs.readable()) {
      ++out.erased_slots;
      continue;
    }
    ++out.readable_slots;
    dump.by_record.push_back(static_cast<uint32_t>(k));
  }
  std::stable_sort(dump.by_record.begin(), dump.by_record.end(), [&](uint32_t a, uint32_t b) {
    return slots[a].record_id < slots[b].record_id;
  });
  dump.canaries = CountCanaries(inputs, canary_found);

  // Each member's evidence is independent of the others': scored on
  // `threads` threads, collected in member order.
  out.members.resize(n);
  std::vector<Result<attribution::MemberEvidence>> per_member(
      n, Result<attribution::MemberEvidence>(InternalError("not scored")));
  ParallelFor(n, threads, [&](size_t i) {
    per_member[i] = ScoreMember(inputs, i, exposure, dump, marker, &out.members[i]);
  });
  std::vector<attribution::MemberEvidence> evidence;
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
// What the scan needs of the vault: every holder's holdings and canaries,
// the indexes and the marker.
struct TraceSetup {
  TraceInputs inputs;
  std::unique_ptr<VaultMatcher> vm;
  std::unique_ptr<mark::Marker> marker;
  std::multimap<uint64_t, size_t> canaries_by_source;  // source record -> canary
  std::map<MemberId, size_t> holder_of_member;         // member id -> holder
};

Result<std::unique_ptr<TraceSetup>> PrepareTrace(Custody& custody, size_t threads) {
  auto setup = std::make_unique<TraceSetup>();
  CUSTODY_ASSIGN_OR_RETURN(setup->inputs, LoadTraceInputs(custody));
  CUSTODY_ASSIGN_OR_RETURN(setup->vm, VaultMatcher::Open(custody, threads));
  CUSTODY_ASSIGN_OR_RETURN(auto mark_key, custody.vault().GetOrCreateWrappedKey(store::KeyPurpose::Mark()));
  CUSTODY_ASSIGN_OR_RETURN(auto marker, mark::Marker::Create(std::move(mark_key)));
  setup->marker = std::make_unique<mark::Marker>(std::move(marker));
  const TraceInputs& in = setup->inputs;
  for (size_t i = 0; i < in.canaries.size(); ++i) {
    setup->canaries_by_source.emplace(in.canaries[i].source_record_id.value(), i);
  }
  for (size_t i = 0; i < in.holders.size(); ++i) setup->holder_of_member[in.holders[i].member_id] = i;
  return setup;
}

// The setup, being prepared (beside the first reads of the dumps).
using OpeningTrace = std::shared_future<Result<std::unique_ptr<TraceSetup>>>;

class TraceWork : public BatchWork {
 public:
  TraceWork(OpeningTrace opening, size_t threads)
      : opening_(std::move(opening)), words_(threads), cands_(ScanSlots(threads)),
        obs_(ScanSlots(threads)) {}

  Status Process(size_t worker, size_t slot, const DumpBatch& batch) override {
    const Result<std::unique_ptr<TraceSetup>>& opened = opening_.get();  // waits, once
    if (!opened.ok()) return opened.status();
    const TraceSetup& setup = **opened;
    if (words_[worker] == nullptr) words_[worker] = setup.vm->NewWords();
    std::vector<std::vector<sketch::MatchResult>>& cands = cands_[slot];
    setup.vm->matcher().MatchBatch(batch.all_fields(), 4, words_[worker].get(), &cands);
    std::vector<RecordObservation>& obs = obs_[slot];
    obs.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      RecordObservation& o = obs[i];
      o.cands.swap(cands[i]);
      o.canary = -1;
      o.slots.clear();
      if (o.cands.empty()) continue;
      o.canary = FindCanary(o.cands, batch.fields(i));
      if (o.canary < 0) o.slots = setup.marker->ReadSlots(RecordId(o.cands.front().record_id), batch.fields(i));
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
  std::set<CanaryId> canary_found;
  std::vector<SlotRead> slots;
  uint64_t matched = 0;
  uint64_t unmatched_count = 0;
  std::vector<std::string> unmatched;  // the first 1,000 places

 private:
  // Once a batch was processed, the setup is ready.
  const TraceSetup& setup() const { return **opening_.get(); }

  // A canary looks like its source record: the canaries of every candidate
  // are tested against the dump record's text.
  int64_t FindCanary(const std::vector<sketch::MatchResult>& cands,
                     std::span<const std::string_view> fields) const {
    const TraceSetup& s = setup();
    for (const auto& c : cands) {
      auto range = s.canaries_by_source.equal_range(c.record_id);
      for (auto it = range.first; it != range.second; ++it) {
        const CanaryRecord& cr = s.inputs.canaries[it->second];
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
    const TraceSetup& s = setup();
    if (o.canary >= 0) {
      const CanaryRecord& cr = s.inputs.canaries[static_cast<size_t>(o.canary)];
      if (canary_found.insert(cr.canary_id).second) {
        CanaryHit hit;
        hit.canary_id = cr.canary_id;
        hit.release_id = cr.release_id;
        hit.source = batch.Where(i);
        auto h = s.holder_of_member.find(cr.member_id);
        if (h != s.holder_of_member.end()) {
          hit.member = s.inputs.holders[h->second].member;
          hit.partner = s.inputs.holders[h->second].partner;
        }
        hits.push_back(hit);
      }
      return;
    }
    const sketch::MatchResult& best = o.cands.front();
    auto [it, fresh] = compromised.try_emplace(best.record_id);
    CompromisedRecord& cr = it->second;
    if (fresh) {
      const IndexedVersion& v = s.vm->version(best.index);
      cr.record_id = RecordId(best.record_id);
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
    for (const auto& s : o.slots) slots.push_back({RecordId(best.record_id), s});
  }

  OpeningTrace opening_;
  std::vector<std::unique_ptr<VaultRecordWords>> words_;              // per worker
  std::vector<std::vector<std::vector<sketch::MatchResult>>> cands_;  // per slot
  std::vector<std::vector<RecordObservation>> obs_;                   // per slot
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
      while (it != compromised->end() && it->record_id.value() < id) ++it;
      if (it == compromised->end()) break;
      if (it->record_id.value() != id) continue;
      it->held_by.push_back(h.member);
      auto& partners = it->partners;
      if (std::find(partners.begin(), partners.end(), h.partner) == partners.end()) {
        partners.push_back(h.partner);
      }
    }
    for (const auto& r : h.releases) {
      auto jt = compromised->begin();
      for (uint64_t id : r.ids) {
        while (jt != compromised->end() && jt->record_id.value() < id) ++jt;
        if (jt == compromised->end()) break;
        if (jt->record_id.value() == id) jt->releases.push_back(r.release_id);
      }
    }
  }
  for (auto& cr : *compromised) std::sort(cr.releases.begin(), cr.releases.end());
}

}  // namespace

namespace {

// What leaked, grouped: compromised records per dataset, partner and member,
// and the releases that carried them.
void SummarizeLeak(const TraceInputs& inputs, TraceReport* report) {
  std::map<ReleaseId, LeakedRelease> by_release;
  for (const auto& cr : report->compromised) {
    ++report->by_dataset[cr.dataset];
    for (const auto& m : cr.held_by) ++report->by_member[m];
    for (const auto& p : cr.partners) ++report->by_partner[p];
    for (ReleaseId r : cr.releases) {
      LeakedRelease& l = by_release[r];
      l.release_id = r;
      ++l.records;
    }
  }
  for (const auto& h : inputs.holders) {
    for (const auto& r : h.releases) {
      auto it = by_release.find(r.release_id);
      if (it == by_release.end()) continue;
      it->second.member = h.member;
      it->second.partner = h.partner;
      it->second.dataset = r.dataset;
      it->second.released_records = r.records;
      it->second.created_at = r.created_at;
    }
  }
  for (auto& [id, l] : by_release) report->releases.push_back(std::move(l));
}

MemberFinding ToFinding(const MemberScore& ms) {
  const attribution::MemberVerdict& v = ms.verdict;
  const attribution::MemberEvidence& e = v.evidence;
  MemberFinding m;
  m.member = ms.holder->member;
  m.member_id = ms.holder->member_id;
  m.partner = ms.holder->partner;
  m.records_held = ms.holder->held.size();
  m.leaked_held = e.exposure ? e.exposure->leaked_held : 0;
  m.kinds_used = v.kinds_used;
  m.log10_p_combined = v.log10_combined;
  m.log10_p_value = v.log10_corrected;
  m.accused = v.accused;
  if (e.exposure) {
    ExposureFinding x;
    x.informative = e.exposure->informative;
    x.leaked_held = e.exposure->leaked_held;
    x.leaked_exclusive = e.exposure->leaked_exclusive;
    x.held = ms.holder->held.size();
    x.log10_p = e.exposure->log10_p;
    if (!x.informative) x.silent_because = SilenceName(e.exposure->silence);
    m.exposure = x;
  }
  if (e.marks) m.marks = MarksFinding{e.marks->n_slots, e.marks->score, e.marks->log10_p};
  m.canaries.deployed = ms.canaries_deployed;
  m.canaries.found = ms.canaries_found;
  if (e.canaries && e.canaries->informative) m.canaries.log10_p = e.canaries->log10_p;
  return m;
}

// True when records leaked, nobody is accused, no canary was found and the
// dump's readable mark slots fit no member's fingerprint even loosely
// (every member's marks p-value above 0.001): no released copy explains it.
bool FitsNoCopy(const TraceReport& r) {
  if (r.compromised.empty() || !r.accused.empty() || !r.canaries_found.empty()) return false;
  if (r.readable_slots == 0) return false;
  for (const MemberFinding& m : r.members) {
    if (m.canaries.found > 0) return false;
    if (m.marks && m.marks->slots > 0 && m.marks->log10_p < -3) return false;
  }
  return true;
}

// Why `m` is or is not accused, in one phrase computed from its evidence.
std::string MemberReason(const MemberFinding& m, const TraceReport& r) {
  const uint64_t leaked = r.compromised.size();
  std::string s = m.leaked_held == 0
                      ? "held none of the " + Counted(leaked, "leaked record")
                      : "held " + WithThousands(m.leaked_held) + " of " + Counted(leaked, "leaked record");
  if (m.canaries.found > 0) {
    s += "; " + WithThousands(m.canaries.found) + " of " + WithThousands(m.canaries.deployed) +
         (m.canaries.deployed == 1 ? " canary" : " canaries") +
         " found";
  }
  if (m.accused) {
    char p[32];
    std::snprintf(p, sizeof(p), "%.2g", PValue(m.log10_p_value));
    return s + "; evidence below the bound " + fmt_alpha(r.alpha) + " (corrected p-value " + p + ")";
  }
  if (m.marks && m.marks->slots > 0) {
    return s + "; no fingerprint evidence above the threshold in " +
           Counted(m.marks->slots, "readable mark slot");
  }
  return s + "; no fingerprint evidence above the threshold";
}

// The verdict in one sentence.
std::string Statement(const TraceReport& r, const attribution::AttributionReport& a, double alpha) {
  if (r.compromised.empty() && r.canaries_found.empty()) {
    return "No record of the vault was found in the dump: nothing was compromised, nobody is accused.";
  }
  if (!r.accused.empty()) {
    std::string s = "Accused at a false-accusation bound of " + fmt_alpha(alpha) + ": ";
    for (size_t i = 0; i < r.accused.size(); ++i) s += (i ? ", " : "") + r.accused[i];
    return s + "; no other member is accused at this bound.";
  }
  if (r.fits_no_copy) {
    return "The evidence cannot decide, and nobody is accused: " +
           Counted(r.compromised.size(), "record") +
           " of the vault leaked, but the dump fits no fingerprinted copy (no member's marks fit its "
           "readable mark slots and no canary was found): a leak from the lab's own copy, or from a path custody did "
           "not record.";
  }
  if (!a.has_information) {
    return "The evidence cannot decide: " +
           (a.undecidable_reason.empty() ? std::string("no evidence kind is informative")
                                         : a.undecidable_reason) + ".";
  }
  return "The evidence cannot decide: no member's combined bound is below " + fmt_alpha(alpha) +
         ", so nobody is accused.";
}

// Appends the `trace` event: the dump's hash, the compromised list's hash, the
// verdict. Returns its log index.
Result<uint64_t> LogTrace(Custody& custody, const TraceReport& r) {
  ledger::Event ev;
  ev.type = ledger::event_type::kTrace;
  ev.subject = "dump:" + r.dump_sha256.substr(0, 16);
  ev.details = {{"dump_records", r.dump_records},
                {"compromised", r.compromised.size()},
                {"canaries_found", r.canaries_found.size()},
                {"accused", r.accused},
                {"decided", r.decided},
                {"alpha_log10", static_cast<int>(std::lround(std::log10(r.alpha)))}};
  ev.hashes["dump"] = r.dump_sha256;
  ev.hashes["compromised"] = r.compromised_sha256;
  return custody.Commit(ev);
}

}  // namespace

Result<TraceReport> Trace(Custody& custody, const TraceOptions& options) {
  if (options.dumps.empty()) return InvalidArgumentError("trace: expected at least one DUMP");
  if (!(options.alpha > 0 && options.alpha < 1)) {
    return InvalidArgumentError("trace: alpha: expected a number in (0, 1), found " +
                                fmt_alpha(options.alpha));
  }
  ScanOptions scan;
  scan.threads = options.threads;
  scan.max_json_depth = options.max_json_depth;
  scan.format = options.format;
  scan.progress = options.progress;
  const size_t threads = ScanThreads(scan);

  // Match and read marks. With more than one thread, the holdings, canaries
  // and indexes load beside the first reads of the dumps.
  OpeningTrace opening =
      std::async(threads > 1 ? std::launch::async : std::launch::deferred,
                 [&custody, threads] { return PrepareTrace(custody, threads); })
          .share();
  DumpScanStats stats;
  TraceWork work(opening, threads);
  const Status scanned = ScanDumpBatches(custody.env(), options.dumps, scan, &work, &stats);
  CUSTODY_RETURN_IF_ERROR(opening.get().status());  // an unusable vault comes first
  CUSTODY_RETURN_IF_ERROR(scanned);
  const TraceInputs& inputs = opening.get().value()->inputs;
  const mark::Marker& marker = *opening.get().value()->marker;
  // The dumps' hash reads them again: with more than one thread, beside the
  // scoring below rather than after it.
  std::future<Result<std::string>> dump_hash = std::async(
      threads > 1 ? std::launch::async : std::launch::deferred,
      [&] { return HashFiles(custody.env(), options.dumps); });

  TraceReport report;
  report.dumps = options.dumps;
  report.dump_records = stats.dump_records;
  report.matched = work.matched;
  report.unmatched = work.unmatched_count;
  report.unmatched_sources = std::move(work.unmatched);
  report.skipped = stats.skipped;
  report.problems = std::move(stats.problems);
  report.empty_dumps = std::move(stats.empty_dumps);
  report.canaries_found = std::move(work.hits);
  report.compromised = Sorted(&work.compromised);
  AttachHolders(inputs, &report.compromised);
  SummarizeLeak(inputs, &report);

  // Score.
  std::vector<uint64_t> leaked;
  leaked.reserve(report.compromised.size());
  for (const auto& cr : report.compromised) leaked.push_back(cr.record_id.value());
  CUSTODY_ASSIGN_OR_RETURN(Scoring scoring,
                           ScoreMembers(inputs, leaked, std::move(work.slots), work.canary_found,
                                        marker, options.alpha, threads));
  report.readable_slots = scoring.readable_slots;
  report.erased_slots = scoring.erased_slots;
  report.members_tested = scoring.report.members_tested;
  for (const auto& ms : scoring.members) {
    report.members.push_back(ToFinding(ms));
    if (ms.verdict.accused) report.accused.push_back(ms.holder->member);
  }
  report.alpha = options.alpha;
  report.decided = scoring.report.decided;
  if (!report.decided) report.undecidable_reason = scoring.report.undecidable_reason;
  report.created_at = custody.clock()->Now();
  report.vault_id = custody.vault().config().vault_id;
  report.custody_version = kCustodyVersion;
  report.fits_no_copy = FitsNoCopy(report);
  for (MemberFinding& m : report.members) m.reason = MemberReason(m, report);
  report.statement = Statement(report, scoring.report, options.alpha);

  // Commit to it.
  CUSTODY_ASSIGN_OR_RETURN(report.dump_sha256, dump_hash.get());
  report.compromised_sha256 = CompromisedHash(std::move(leaked));
  CUSTODY_ASSIGN_OR_RETURN(report.log_index, LogTrace(custody, report));
  return report;
}

}  // namespace custody::core
