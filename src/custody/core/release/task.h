// Tasks: records served one at a time to a member (`custody serve`, POST
// /v1/tasks/next). A served task is a release of one record: a `releases`
// row (format "task") with its one-record bitmap, its fingerprint parameters
// and a `release` event in the custody log, so holdings, exposure, trace and
// `vault check` treat served records exactly as released ones. The record is
// marked with the member's fingerprint by the release marking path
// (RecordMarker::Apply on the record projected to the grant's fields).
//
// Group commit: ServeBatch takes the requests of many clients and commits
// them together — every task's rows in one catalog transaction and every
// task's event in one log batch (one fsync) — and returns only once all of
// it is durable, so a task handed to a client is never lost by a crash.
//
// Which record: a grant's records are handed out in record-id order, each
// once per grant (labeling work is split between a partner's members); a
// grant whose records were all served is exhausted. Canaries are mixed in
// at the release rate: with probability canary_rate a task is the member's
// canary instead (made by the release path, canary_make.h, from a record of
// the version not yet served under the grant), a release row with no
// record and one canary; the member cannot tell it from a record.
//
// Over a shared vault (several custody serve processes) a batch reads,
// under the catalog's write lock, the tasks the other processes served
// since its last batch, so no record is served twice under a grant.
// Thread-safety: one thread at a time (as Custody).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/release/marking.h"
#include "custody/core/vault/content_id_set.h"
#include "custody/core/vault/custody.h"
#include "custody/core/vault/record_set.h"
#include "custody/core/vault/records.h"
#include "custody/mark/canary.h"
#include "custody/mark/mark.h"

namespace custody::core {

struct TaskRequest {
  MemberId member_id;
  GrantId grant_id;        // invalid: the member's first active grant with records left
  std::string request_id;  // logged with the task
  std::string actor;       // who asked (e.g. "token:3 member:alice"); logged
};

struct TaskOptions {
  double canary_rate = mark::kDefaultCanaryRate;  // share of tasks that are canaries, in [0, 0.5]
  // A shared vault (several servers on one catalog): called from ServeBatch,
  // before any request of the batch is admitted, for every task another
  // process served since this server last looked (its release row), so
  // per-member and per-grant counts can include the other servers' tasks.
  std::function<void(const store::ReleaseRow&)> on_other_task;
};

struct ServedTask {
  ReleaseId task_id;  // the task's release row
  GrantId grant_id;
  MemberId member_id;
  RecordId record_id;  // for a canary: its source record
  bool canary = false;  // never told to the member
  std::string dataset;
  int version = 0;
  std::string record;  // the member's marked copy (canonical JSON)
  uint32_t slots = 0;  // variant-mark slots written
  uint64_t log_index = 0;
  Time created_at;
};

struct TaskAnswer {
  TaskResultId id;
  ReleaseId task_id;
  uint64_t log_index = 0;
  std::string answer_hash;  // hex SHA-256 of the answer
};

class TaskServer {
 public:
  // Loads the vault's mark, canary and selection keys. kFailedPrecondition if
  // the vault is open without its master key; kInvalidArgument for a canary
  // rate outside [0, 0.5].
  static Result<std::unique_ptr<TaskServer>> Create(Custody& custody, const TaskOptions& options = {});

  // Serves one task per request and commits them all together. The outer
  // Result fails if the commit failed (then no request got a task); each
  // inner Result is that request's task or why it got none:
  // kFailedPrecondition (member, grant or partner not active, per
  // CheckReleasable; no active grant), kNotFound (unknown member or grant;
  // a grant of another member or partner is reported as not found),
  // kOutOfRange (every record of the grant was served), or what `admit`
  // returned. `admit(i, grant)` is asked, once the grant of request i is
  // known and before a record is taken, whether it may be served (limits);
  // empty: always.
  using Admit = std::function<Status(size_t request, const Grant& grant)>;
  Result<std::vector<Result<ServedTask>>> ServeBatch(std::span<const TaskRequest> requests,
                                                     const Admit& admit = {});

  // Stores `answer` to task `task_id` from `member_id`, sealed under a key
  // derived from the dataset's data key (a shred destroys the answers with
  // the records), with a `task.result` log event. kNotFound if the task is
  // not a task of this member; kInvalidArgument for an empty answer or one
  // over kMaxAnswerBytes.
  static constexpr size_t kMaxAnswerBytes = 1 << 20;
  Result<TaskAnswer> StoreAnswer(MemberId member_id, ReleaseId task_id, std::string_view answer,
                                 const std::string& request_id, const std::string& actor);

  // Opens a stored answer (for tests and the lab's own reading).
  Result<std::string> OpenAnswer(ReleaseId task_id, const std::string& sealed);

 private:
  struct GrantState {
    Grant grant;
    std::vector<std::string> index_fields;
    uint64_t first = 0, end = 0;  // the version's record ids [first, end)
    uint64_t cursor = 0;          // no unserved record below it
    RecordSet served;             // served as tasks under this grant
    std::unique_ptr<Selector> selector;
    std::unique_ptr<RecordMarker> record_marker;
    // The segment the cursor is in, decrypted (records are read in order).
    SegmentRecords segment;
    // Canaries: loaded at the first one. Their sources are drawn from one
    // random segment of the version for kCanariesPerSourceSegment canaries,
    // then from another (a segment decode per canary would cost more than
    // the rest of a batch).
    SegmentRecords canary_sources;
    int canary_source_uses = 0;
    bool canary_ready = false;
    crypto::SecretBytes seal_key;   // CanarySealKey of the dataset
    ContentIdSet taken;             // the dataset's records and the canaries made here
  };
  // Member `m`'s canary from a source record of `g`, for a task, or nullopt
  // (no source gave one; a real record is served instead).
  Result<std::optional<StoredCanary>> MakeCanary(GrantState& g, const Member& m, const RecordSet& taken);
  TaskServer(Custody& custody, const TaskOptions& options, mark::Marker marker,
             mark::CanaryMaker canary_maker, crypto::SecretBytes mark_key,
             crypto::SecretBytes canary_key, crypto::SecretBytes selection_key)
      : c_(custody), options_(options), marker_(std::move(marker)),
        canary_maker_(std::move(canary_maker)), mark_key_(std::move(mark_key)),
        canary_key_(std::move(canary_key)), selection_key_(std::move(selection_key)) {}
  // What one batch reads once: partners and each partner's grants (a batch
  // holds the vault, so they cannot change while it is served).
  struct BatchReads {
    std::map<PartnerId, Partner> partners;
    std::map<PartnerId, std::vector<Grant>> grants;
    std::set<GrantId> refreshed;  // grant states whose status was reread
  };
  Result<GrantState*> StateOf(GrantId grant_id, BatchReads* batch);
  // The grant a request is served from, checked against member and partner.
  Result<GrantState*> PickGrant(const TaskRequest& r, const Member& m, const Partner& p, Time now,
                                BatchReads* batch);
  // The stored text of record `id` of `g`, from its cached segment.
  Result<std::string_view> RecordText(GrantState& g, uint64_t id);
  // The next unserved record of `g` at or above its cursor, or nullopt.
  std::optional<uint64_t> NextRecord(GrantState& g, const RecordSet& taken);
  // Makes `*t` (whose member is set) the task of record `id` of `g`: the
  // record projected and marked, and `*row`'s record fields.
  Status MarkRecord(GrantState& g, uint64_t id, ServedTask* t, store::ReleaseRow* row);
  // Adds the records of the tasks made since seen_through_ (by another
  // process, over a shared vault) to their grants' served sets.
  Status CatchUpServed();

  Custody& c_;
  TaskOptions options_;
  mark::Marker marker_;
  mark::CanaryMaker canary_maker_;
  crypto::SecretBytes mark_key_;
  crypto::SecretBytes canary_key_;
  bool tags_backfilled_ = false;
  crypto::SecretBytes selection_key_;
  std::map<GrantId, std::unique_ptr<GrantState>> grants_;
  ReleaseId seen_through_;  // releases up to this id are in the served sets
};

// The event type of a stored task answer.
inline constexpr char kTaskResultEvent[] = "task.result";

}  // namespace custody::core
