#include "custody/core/release/task.h"

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/release/canary_make.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/json_fields.h"
#include "custody/core/release/release.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

constexpr char kTaskFormat[] = "task";
constexpr char kTaskShuffle[] = "none (one record per task)";

// The key an answer to a task of `dataset_id` is sealed with.
Result<crypto::SecretBytes> AnswerKey(Custody& c, DatasetId dataset_id) {
  CUSTODY_ASSIGN_OR_RETURN(auto data_key,
                           c.vault().GetWrappedKey(store::KeyPurpose::Dataset(dataset_id)));
  return crypto::DeriveKey(data_key, "custody task answer");
}

std::string AnswerContext(ReleaseId task_id) { return "custody task answer|task:" + ToString(task_id); }

// One request's work inside a batch.
struct Pending {
  size_t request = 0;
  ServedTask task;
  store::ReleaseRow row;
  nlohmann::json params;
  std::string params_hash;
  Member member;
  Partner partner;
  std::optional<StoredCanary> canary;  // a canary task
  GrantId grant;                        // for the canary's seal key
};

}  // namespace

Result<std::unique_ptr<TaskServer>> TaskServer::Create(Custody& c, const TaskOptions& options) {
  if (!c.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; no task can be served");
  }
  if (!(options.canary_rate >= 0.0 && options.canary_rate <= 0.5)) {
    return InvalidArgumentError("canary_rate: expected a share in [0, 0.5], found " +
                                std::to_string(options.canary_rate));
  }
  CUSTODY_ASSIGN_OR_RETURN(auto mark_key, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Mark()));
  CUSTODY_ASSIGN_OR_RETURN(auto canary_key, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Canary()));
  CUSTODY_ASSIGN_OR_RETURN(auto selection_key,
                           c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Selection()));
  CUSTODY_ASSIGN_OR_RETURN(auto marker, mark::Marker::Create(mark_key.Clone()));
  CUSTODY_ASSIGN_OR_RETURN(auto canary_maker, mark::CanaryMaker::Create(mark_key));
  auto server = std::unique_ptr<TaskServer>(new TaskServer(c, options, std::move(marker),
                                                           std::move(canary_maker), std::move(mark_key),
                                                           std::move(canary_key), std::move(selection_key)));
  // Releases after this one were made after the server started (a grant's
  // state read later reads them all anyway).
  CUSTODY_ASSIGN_OR_RETURN(server->seen_through_, c.catalog().releases().LastId());
  return server;
}

Result<std::optional<StoredCanary>> TaskServer::MakeCanary(GrantState& g, const Member& m,
                                                           const RecordSet& taken) {
  if (!tags_backfilled_) {
    CUSTODY_RETURN_IF_ERROR(BackfillCanaryTags(c_, canary_key_));
    tags_backfilled_ = true;
  }
  if (!g.canary_ready) {
    CUSTODY_ASSIGN_OR_RETURN(auto data_key,
                             c_.vault().GetWrappedKey(store::KeyPurpose::Dataset(g.grant.dataset_id)));
    g.seal_key = CanarySealKey(data_key);
    CUSTODY_RETURN_IF_ERROR(AddDatasetContentIds(c_, g.grant.dataset_id, &g.taken));
    g.canary_ready = true;
  }
  CanaryContext cx{&canary_maker_, &canary_key_, &g.seal_key, g.record_marker.get(), &g.taken};
  const uint64_t span = g.end - g.first;
  std::string projected;
  // Sources: random records of the version not served under the grant
  // (any record once every one was).
  constexpr int kTries = 16;
  constexpr int kCanariesPerSourceSegment = 64;
  if (span == 0) return std::optional<StoredCanary>();
  SegmentRecords& seg = g.canary_sources;
  if (seg.records.empty() || g.canary_source_uses >= kCanariesPerSourceSegment) {
    CUSTODY_ASSIGN_OR_RETURN(seg, ReadSegmentOf(c_, RecordId(g.first + crypto::RandomUint64() % span)));
    g.canary_source_uses = 0;
    if (seg.records.empty()) return std::optional<StoredCanary>();
  }
  ++g.canary_source_uses;
  for (int k = 0; k < kTries; ++k) {
    const uint64_t id = seg.first_record_id + crypto::RandomUint64() % seg.records.size();
    if (id < g.first || id >= g.end) continue;
    if (k < kTries / 2 && (g.served.Contains(id) || taken.Contains(id))) continue;
    projected.clear();
    ProjectFields(seg.records[id - seg.first_record_id], g.grant.fields, &projected);
    CUSTODY_ASSIGN_OR_RETURN(auto sc, PrepareCanary(c_, cx, m.id, RecordId(id), projected,
                                                    crypto::RandomUint64() >> 1));
    if (sc) return sc;
  }
  return std::optional<StoredCanary>();
}

Result<TaskServer::GrantState*> TaskServer::StateOf(GrantId grant_id, BatchReads* batch) {
  auto it = grants_.find(grant_id);
  if (it != grants_.end()) {
    // The grant's status may have changed since (revoked, expired): reread
    // it, once a batch.
    if (!batch->refreshed.insert(grant_id).second) return it->second.get();
    CUSTODY_ASSIGN_OR_RETURN(Grant fresh, GetGrant(c_, grant_id));
    it->second->grant.status = fresh.status;
    it->second->grant.revoked_at = fresh.revoked_at;
    return it->second.get();
  }
  auto g = std::make_unique<GrantState>();
  CUSTODY_ASSIGN_OR_RETURN(g->grant, GetGrant(c_, grant_id));
  CUSTODY_ASSIGN_OR_RETURN(auto version, c_.catalog().GetVersion(g->grant.version_id));
  if (version.shredded_at) {
    return FailedPreconditionError("dataset '" + g->grant.dataset + "' was shredded; nothing can be served");
  }
  CUSTODY_ASSIGN_OR_RETURN(g->index_fields, IndexFieldsOf(version));
  g->first = version.first_record_id;
  g->end = version.first_record_id + static_cast<uint64_t>(version.records);
  g->cursor = g->first;
  CUSTODY_ASSIGN_OR_RETURN(auto sel, Selector::Create(selection_key_, g->grant.selection));
  g->selector = std::make_unique<Selector>(std::move(sel));
  g->record_marker = std::make_unique<RecordMarker>(&marker_, g->index_fields);
  // What was served under this grant before (verified against the log).
  HoldingsQuery q;
  q.partner_id = g->grant.partner_id;
  CUSTODY_ASSIGN_OR_RETURN(auto releases, ListReleases(c_, q));
  for (const auto& r : releases) {
    if (r.grant_id == grant_id && r.format == kTaskFormat) g->served.UnionWith(r.ids);
  }
  GrantState* out = g.get();
  grants_.emplace(grant_id, std::move(g));
  batch->refreshed.insert(grant_id);
  return out;
}

Result<TaskServer::GrantState*> TaskServer::PickGrant(const TaskRequest& r, const Member& m,
                                                      const Partner& p, Time now, BatchReads* batch) {
  if (r.grant_id.valid()) {
    auto g = StateOf(r.grant_id, batch);
    if (!g.ok()) return g.status();
    const Grant& grant = (*g)->grant;
    // Another partner's (or member's) grant does not exist for this member.
    if (grant.partner_id != m.partner_id || (grant.member_id && *grant.member_id != m.id)) {
      return NotFoundError("no grant " + ToString(r.grant_id) + " for member '" + m.name + "'");
    }
    CUSTODY_RETURN_IF_ERROR(CheckReleasable(grant, m, p, now));
    return *g;
  }
  auto listed = batch->grants.find(p.id);
  if (listed == batch->grants.end()) {
    CUSTODY_ASSIGN_OR_RETURN(auto all, ListGrants(c_, p.name));
    listed = batch->grants.emplace(p.id, std::move(all)).first;
  }
  const std::vector<Grant>& grants = listed->second;
  Status last = FailedPreconditionError("member '" + m.name + "' has no active grant");
  for (const auto& grant : grants) {
    if (grant.member_id && *grant.member_id != m.id) continue;
    Status ok = CheckReleasable(grant, m, p, now);
    if (!ok.ok()) {
      if (ok.message().find("member '") != std::string::npos ||
          ok.message().find("partner '") != std::string::npos) {
        return ok;  // about the member or partner: no grant helps
      }
      continue;
    }
    CUSTODY_ASSIGN_OR_RETURN(GrantState * g, StateOf(grant.id, batch));
    if (g->cursor < g->end) return g;
    last = OutOfRangeError("every record of grant " + ToString(grant.id) + " was served");
  }
  return last;
}

Result<std::string_view> TaskServer::RecordText(GrantState& g, uint64_t id) {
  SegmentRecords& s = g.segment;
  if (s.records.empty() || id < s.first_record_id || id - s.first_record_id >= s.records.size()) {
    CUSTODY_ASSIGN_OR_RETURN(s, ReadSegmentOf(c_, RecordId(id)));
    if (id < s.first_record_id || id - s.first_record_id >= s.records.size()) {
      return DataLossError("record " + std::to_string(id) + " is not in the segment the catalog names");
    }
  }
  return std::string_view(s.records[id - s.first_record_id]);
}

Status TaskServer::MarkRecord(GrantState& g, uint64_t id, ServedTask* t, store::ReleaseRow* row) {
  auto stored = RecordText(g, id);
  if (!stored.ok()) return stored.status().WithPrefix("task of grant " + ToString(g.grant.id));
  // The release path: project to the grant's fields, then mark.
  std::string projected;
  ProjectFields(*stored, g.grant.fields, &projected);
  t->record_id = RecordId(id);
  t->record.clear();
  t->slots = g.record_marker->Apply(t->record_id, t->member_id, projected, &t->record);
  RecordSet one;
  CUSTODY_RETURN_IF_ERROR(one.Add(id));
  row->records = 1;
  row->record_bitmap = one.Serialize();
  row->bitmap_hash = Sha256Hex(row->record_bitmap);
  row->file_hash = Sha256Hex(t->record);
  return OkStatus();
}

Status TaskServer::CatchUpServed() {
  store::ReleaseFilter f;
  f.after_id = seen_through_;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().releases().Holdings(f));
  for (const auto& h : rows) {
    const store::ReleaseRow& r = h.release;
    if (r.id > seen_through_) seen_through_ = r.id;
    if (r.format == kTaskFormat && options_.on_other_task) options_.on_other_task(r);
    auto it = grants_.find(r.grant_id);
    if (r.format != kTaskFormat || it == grants_.end()) continue;
    CUSTODY_ASSIGN_OR_RETURN(RecordSet ids, RecordSet::Deserialize(r.record_bitmap));
    it->second->served.UnionWith(ids);
  }
  return OkStatus();
}

std::optional<uint64_t> TaskServer::NextRecord(GrantState& g, const RecordSet& taken) {
  for (; g.cursor < g.end; ++g.cursor) {
    const uint64_t id = g.cursor;
    if (g.served.Contains(id) || taken.Contains(id)) continue;
    if (!g.selector->Contains(RecordId(id))) continue;
    return id;
  }
  return std::nullopt;
}

Result<std::vector<Result<ServedTask>>> TaskServer::ServeBatch(std::span<const TaskRequest> requests,
                                                               const Admit& admit) {
  if (!c_.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; no task can be served");
  }
  const Time now = c_.clock()->Now();
  std::vector<Result<ServedTask>> out(requests.size(), Result<ServedTask>(InternalError("not served")));
  std::vector<Pending> pending;
  // Cursors before the batch: restored if the commit fails.
  std::map<GrantId, uint64_t> cursors;
  std::map<GrantId, RecordSet> taken;  // records given out in this batch, by grant
  BatchReads batch;
  // What other processes served since the last batch (checked again under
  // the catalog's write lock below): fewer records taken twice to redo.
  if (c_.vault().shared()) CUSTODY_RETURN_IF_ERROR(CatchUpServed());
  for (size_t i = 0; i < requests.size(); ++i) {
    const TaskRequest& r = requests[i];
    auto m = GetMember(c_, r.member_id);
    if (!m.ok()) {
      out[i] = m.status();
      continue;
    }
    auto known = batch.partners.find(m->partner_id);
    if (known == batch.partners.end()) {
      auto read = GetPartner(c_, m->partner_id);
      if (!read.ok()) {
        out[i] = read.status();
        continue;
      }
      known = batch.partners.emplace(m->partner_id, std::move(*read)).first;
    }
    Result<Partner> p(known->second);
    auto g = PickGrant(r, *m, *p, now, &batch);
    if (!g.ok()) {
      out[i] = g.status();
      continue;
    }
    GrantState& gs = **g;
    if (admit) {
      Status admitted = admit(i, gs.grant);
      if (!admitted.ok()) {
        out[i] = admitted;
        continue;
      }
    }
    cursors.emplace(gs.grant.id, gs.cursor);
    auto next = NextRecord(gs, taken[gs.grant.id]);
    if (!next) {
      out[i] = OutOfRangeError("every record of grant " + ToString(gs.grant.id) + " was served");
      continue;
    }
    Pending pd;
    pd.request = i;
    pd.grant = gs.grant.id;
    if (options_.canary_rate > 0 &&
        static_cast<double>(crypto::RandomUint64() >> 11) * 0x1p-53 < options_.canary_rate) {
      CUSTODY_ASSIGN_OR_RETURN(pd.canary, MakeCanary(gs, *m, taken[gs.grant.id]));
    }
    pd.member = std::move(*m);
    pd.partner = std::move(*p);
    ServedTask& t = pd.task;
    t.grant_id = gs.grant.id;
    t.member_id = pd.member.id;
    t.dataset = gs.grant.dataset;
    t.version = gs.grant.version;
    t.created_at = now;
    pd.row.grant_id = gs.grant.id;
    pd.row.member_id = pd.member.id;
    pd.row.created_at = now;
    pd.row.format = kTaskFormat;
    pd.row.encrypted = false;
    if (pd.canary) {
      // Marked as a release marks its canaries: under the source's id.
      t.record_id = pd.canary->source_record_id;
      t.canary = true;
      t.slots = gs.record_marker->Apply(t.record_id, t.member_id, pd.canary->record, &t.record);
      pd.row.records = 0;
      pd.row.record_bitmap = RecordSet().Serialize();
      pd.row.bitmap_hash = Sha256Hex(pd.row.record_bitmap);
      pd.row.file_hash = Sha256Hex(t.record);
    } else {
      CUSTODY_RETURN_IF_ERROR(taken[gs.grant.id].Add(*next));
      CUSTODY_RETURN_IF_ERROR(MarkRecord(gs, *next, &pd.task, &pd.row));
    }
    pending.push_back(std::move(pd));
  }
  if (pending.empty()) return out;
  // A shared vault: the records another process served meanwhile, read
  // under the catalog's write lock, are not served again; a task that took
  // one takes the next unserved record instead (or none is left).
  auto catch_up = [&]() -> Status {
    CUSTODY_RETURN_IF_ERROR(CatchUpServed());
    std::vector<Pending> kept;
    for (Pending& pd : pending) {
      GrantState& gs = *grants_.at(pd.grant);
      if (pd.canary || !gs.served.Contains(pd.task.record_id.value())) {
        kept.push_back(std::move(pd));
        continue;
      }
      auto next = NextRecord(gs, taken[gs.grant.id]);
      if (!next) {
        out[pd.request] = OutOfRangeError("every record of grant " + ToString(gs.grant.id) + " was served");
        continue;
      }
      CUSTODY_RETURN_IF_ERROR(taken[gs.grant.id].Add(*next));
      CUSTODY_RETURN_IF_ERROR(MarkRecord(gs, *next, &pd.task, &pd.row));
      kept.push_back(std::move(pd));
    }
    pending = std::move(kept);
    return OkStatus();
  };

  store::ReleaseTable& releases = c_.catalog().releases();
  auto first = LoggedChanges(
      c_,
      [&](std::vector<ledger::Event>* events) -> Status {
        if (c_.vault().shared()) CUSTODY_RETURN_IF_ERROR(catch_up());
        for (Pending& pd : pending) {
          CUSTODY_ASSIGN_OR_RETURN(pd.task.task_id, releases.Insert(pd.row));
          GrantState& gs = *grants_.at(pd.task.grant_id);
          const uint64_t canaries = pd.canary ? 1 : 0;
          std::string canary_hash = crypto::DigestHex(crypto::Sha256(""));
          if (pd.canary) {
            CanaryContext cx{&canary_maker_, &canary_key_, &gs.seal_key, gs.record_marker.get(), &gs.taken};
            CUSTODY_RETURN_IF_ERROR(InsertCanary(c_, cx, pd.task.task_id, &*pd.canary));
            CUSTODY_ASSIGN_OR_RETURN(std::string raw, HexDecode(pd.canary->content_id));
            canary_hash = crypto::DigestHex(crypto::Sha256(raw));
          }
          FingerprintInputs in;
          in.mark_key = &mark_key_;
          in.bias_cutoff = marker_.options().bias_cutoff;
          in.member_id = pd.member.id;
          in.release_id = pd.task.task_id;
          in.grant = &gs.grant;
          in.canary_rate = options_.canary_rate;
          in.canaries = canaries;
          in.shuffle = kTaskShuffle;
          in.marked_fields = &gs.index_fields;
          pd.params = FingerprintParams(in);
          pd.params_hash = Sha256Hex(pd.params.dump());
          CUSTODY_RETURN_IF_ERROR(releases.SetCanaries(pd.task.task_id, canaries, pd.params_hash));
          const TaskRequest& r = requests[pd.request];
          ledger::Event ev;
          ev.type = ledger::event_type::kRelease;
          ev.subject = "release:" + ToString(pd.task.task_id);
          ev.actor = r.actor;
          ev.details = {{"release_id", pd.task.task_id},
                        {"grant_id", gs.grant.id},
                        {"member", pd.member.name},
                        {"member_id", pd.member.id},
                        {"partner", pd.partner.name},
                        {"dataset", gs.grant.dataset},
                        {"version", gs.grant.version},
                        {"records", pd.row.records},
                        {"canaries", canaries},
                        {"format", kTaskFormat},
                        {"encrypted", false},
                        {"request_id", r.request_id},
                        {"fingerprint", pd.params}};
          ev.hashes["fingerprint_params"] = pd.params_hash;
          ev.hashes["record_bitmap"] = pd.row.bitmap_hash;
          ev.hashes["recipient_key"] = Sha256Hex(pd.member.public_key);
          ev.hashes["canaries"] = canary_hash;
          ev.hashes["record"] = pd.row.file_hash;
          events->push_back(std::move(ev));
        }
        return OkStatus();
      },
      [&](uint64_t first) -> Status {
        for (size_t k = 0; k < pending.size(); ++k) {
          pending[k].task.log_index = first + k;
          CUSTODY_RETURN_IF_ERROR(releases.SetLogIndex(pending[k].task.task_id,
                                                       static_cast<int64_t>(first + k)));
        }
        return OkStatus();
      });
  if (!first.ok()) {
    for (const auto& [id, cursor] : cursors) grants_.at(id)->cursor = cursor;
    return first.status();
  }
  for (Pending& pd : pending) {
    GrantState& gs = *grants_.at(pd.task.grant_id);
    if (!pd.canary) CUSTODY_RETURN_IF_ERROR(gs.served.Add(pd.task.record_id.value()));
    // Every release below these ids was read by catch_up or written here.
    if (c_.vault().shared() && pd.task.task_id > seen_through_) seen_through_ = pd.task.task_id;
    out[pd.request] = std::move(pd.task);
  }
  return out;
}

Result<TaskAnswer> TaskServer::StoreAnswer(MemberId member_id, ReleaseId task_id,
                                           std::string_view answer, const std::string& request_id,
                                           const std::string& actor) {
  if (answer.empty()) return InvalidArgumentError("answer: expected a non-empty answer");
  if (answer.size() > kMaxAnswerBytes) {
    return InvalidArgumentError("answer: expected at most " + std::to_string(kMaxAnswerBytes) +
                                " bytes, found " + std::to_string(answer.size()));
  }
  store::ReleaseFilter f;
  f.release_id = task_id;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().releases().Holdings(f));
  if (rows.empty() || rows[0].release.member_id != member_id ||
      rows[0].release.format != kTaskFormat) {
    return NotFoundError("no task " + ToString(task_id) + " of this member");
  }
  const store::ReleaseRow& rel = rows[0].release;
  CUSTODY_ASSIGN_OR_RETURN(auto ids, RecordSet::Deserialize(rel.record_bitmap));
  const std::vector<uint64_t> held = ids.ToVector();
  RecordId record_id;
  if (held.size() == 1) {
    record_id = RecordId(held[0]);
  } else if (held.empty() && rel.canaries == 1) {
    // A canary task: the answer is linked to the canary's source record.
    CUSTODY_ASSIGN_OR_RETURN(auto canaries, c_.catalog().canaries().List());
    for (const auto& row : canaries) {
      if (row.release_id == task_id) record_id = row.source_record_id;
    }
  }
  if (!record_id.valid()) {
    return DataLossError("task " + ToString(task_id) + ": expected one record or one canary, found " +
                         std::to_string(held.size()) + " records and " + std::to_string(rel.canaries) +
                         " canaries");
  }
  CUSTODY_ASSIGN_OR_RETURN(Grant grant, GetGrant(c_, rel.grant_id));
  CUSTODY_ASSIGN_OR_RETURN(auto key, AnswerKey(c_, grant.dataset_id));
  store::TaskResultRow row;
  row.release_id = task_id;
  row.member_id = member_id;
  row.record_id = record_id;
  row.created_at = c_.clock()->Now();
  CUSTODY_ASSIGN_OR_RETURN(row.sealed, crypto::AeadSeal(key, answer, AnswerContext(task_id)));
  row.answer_hash = Sha256Hex(answer);
  TaskAnswer a;
  a.task_id = task_id;
  a.answer_hash = row.answer_hash;
  CUSTODY_ASSIGN_OR_RETURN(a.log_index, LoggedChange(c_, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(a.id, c_.catalog().task_results().Insert(row));
    ev->type = kTaskResultEvent;
    ev->subject = "release:" + ToString(task_id);
    ev->actor = actor;
    ev->details = {{"task_result_id", a.id},
                   {"release_id", task_id},
                   {"member_id", member_id},
                   {"grant_id", rel.grant_id},
                   {"request_id", request_id},
                   {"bytes", answer.size()}};
    ev->hashes["answer"] = a.answer_hash;
    return OkStatus();
  }));
  CUSTODY_RETURN_IF_ERROR(c_.catalog().task_results().SetLogIndex(a.id, static_cast<int64_t>(a.log_index)));
  return a;
}

Result<std::string> TaskServer::OpenAnswer(ReleaseId task_id, const std::string& sealed) {
  store::ReleaseFilter f;
  f.release_id = task_id;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c_.catalog().releases().Holdings(f));
  if (rows.empty()) return NotFoundError("no task " + ToString(task_id));
  CUSTODY_ASSIGN_OR_RETURN(Grant grant, GetGrant(c_, rows[0].release.grant_id));
  CUSTODY_ASSIGN_OR_RETURN(auto key, AnswerKey(c_, grant.dataset_id));
  return crypto::AeadOpen(key, sealed, AnswerContext(task_id));
}

}  // namespace custody::core
