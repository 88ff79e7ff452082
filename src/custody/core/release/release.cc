#include "custody/core/release/release.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <cstring>

#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/vault/record_fields.h"
#include "custody/core/vault/content_id_set.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/release/canary_make.h"
#include "custody/core/release/canary_store.h"
#include "custody/core/release/file_key.h"
#include "custody/core/release/holdings.h"
#include "custody/core/release/json_fields.h"
#include "custody/core/release/marking.h"
#include "custody/core/release/release_file.h"
#include "custody/core/release/shuffle.h"
#include "custody/core/vault/records.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/mark/mark.h"
#include "custody/store/catalog.h"
#include "custody/store/segment.h"

namespace custody::core {
namespace {

struct Item {
  uint64_t record_id = 0;
  std::string_view canonical;  // projected, unmarked; in a TextArena
};

// Holds the projected text of every released record, back to back in large
// blocks: one allocation per block instead of one per record, and neighbours
// in record order stay neighbours in memory.
class TextArena {
 public:
  // Returns a copy of `text` that lives as long as the arena.
  std::string_view Add(std::string_view text) {
    if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < text.size()) {
      blocks_.emplace_back();
      blocks_.back().reserve(std::max(kBlock, text.size()));
    }
    std::string& b = blocks_.back();
    const size_t start = b.size();
    b.append(text);  // within capacity: earlier views stay valid
    return std::string_view(b).substr(start);
  }

 private:
  static constexpr size_t kBlock = size_t{4} << 20;
  std::vector<std::string> blocks_;
};

struct Candidate {
  uint64_t rank = 0;
  uint64_t record_id = 0;
  bool released = false;   // the record is released here: its text is an item's
  std::string_view item;   // released: the item's projected text
  std::string owned;       // otherwise: a copy of the projected text
  std::string_view canonical() const { return released ? item : std::string_view(owned); }
  bool operator<(const Candidate& o) const { return rank < o.rank; }
};

std::string RateText(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", rate);
  return buf;
}

std::string Le64(uint64_t v) {
  std::string s;
  PutFixed64(&s, v);
  return s;
}

void AddColumns(std::string_view canonical, std::vector<std::string>* columns) {
  for (auto& k : TopLevelKeys(canonical)) {
    if (std::find(columns->begin(), columns->end(), k) == columns->end()) columns->push_back(k);
  }
}

}  // namespace

Result<std::vector<std::string>> IndexFieldsOf(const store::DatasetVersionInfo& version) {
  std::vector<std::string> out;
  auto tf = nlohmann::json::parse(version.text_fields, nullptr, false);
  if (!tf.is_array()) {
    return DataLossError("catalog dataset_versions row " + ToString(version.id) +
                         ": text_fields: expected a JSON array");
  }
  for (const auto& f : tf) {
    if (!f.is_string()) {
      return DataLossError("catalog dataset_versions row " + ToString(version.id) +
                           ": text_fields: expected field names (strings)");
    }
    out.push_back(f.get<std::string>());
  }
  return out;
}

nlohmann::json FingerprintParams(const FingerprintInputs& in) {
  const Grant& grant = *in.grant;
  return {{"v", 1},
          {"mark_key_id", HexEncode(crypto::Prf(*in.mark_key, "custody mark key id", 16))},
          {"bias_cutoff", RateText(in.bias_cutoff)},
          {"member_id", in.member_id},
          {"release_id", in.release_id},
          {"grant_id", grant.id},
          {"canary_rate", RateText(in.canary_rate)},
          {"canaries", in.canaries},
          {"shuffle", in.shuffle},
          {"selection", SelectionToJson(grant.selection, false)},
          {"marked_fields", *in.marked_fields},
          {"fields", grant.fields}};
}

Status CheckReleasable(const Grant& g, const Member& m, const Partner& p, Time now) {
  const std::string grant = "grant " + ToString(g.id);
  if (g.status == store::GrantStatus::kRevoked) {
    return FailedPreconditionError(grant + " was revoked on " + FormatRfc3339(g.revoked_at.value_or(Time())) +
                                   "; it releases nothing");
  }
  if (now >= g.expires_at) {
    return FailedPreconditionError(grant + " expired on " + FormatRfc3339(g.expires_at) +
                                   "; it releases nothing");
  }
  if (p.status != PartnerStatus::kActive) {
    return FailedPreconditionError("partner '" + p.name + "' is " +
                                   std::string(store::PartnerStatusName(p.status)) +
                                   "; nothing is released to it");
  }
  if (m.status != MemberStatus::kActive) {
    return FailedPreconditionError("member '" + m.name + "' was revoked on " +
                                   FormatRfc3339(m.revoked_at.value_or(Time())) + "; nothing is released to them");
  }
  if (m.partner_id != g.partner_id) {
    return FailedPreconditionError("member '" + m.name + "' belongs to partner '" + m.partner + "', not to " +
                                   grant + "'s partner '" + g.partner + "'");
  }
  if (g.member_id && *g.member_id != m.id) {
    return FailedPreconditionError(grant + " is for member '" + g.member + "' only, not '" + m.name + "'");
  }
  return OkStatus();
}

namespace {

// Step 1: what is released to whom, checked.
struct ReleasePlan {
  Grant grant;
  Member member;
  Partner partner;
  store::DatasetVersionInfo version;
  std::vector<std::string> index_fields;  // the version's text fields (empty: all)
  Time now;
};

Result<ReleasePlan> PlanRelease(Custody& c, const ReleaseOptions& o) {
  if (o.out.empty()) return InvalidArgumentError("out: expected a file path");
  if (!(o.canary_rate >= 0.0 && o.canary_rate <= 0.5)) {
    return InvalidArgumentError("canary_rate: expected a share in [0, 0.5], found " + RateText(o.canary_rate));
  }
  if (!c.vault().has_master_key()) {
    return FailedPreconditionError("the vault is open read-only; nothing can be released");
  }
  ReleasePlan plan;
  CUSTODY_ASSIGN_OR_RETURN(plan.grant, GetGrant(c, o.grant_id));
  CUSTODY_ASSIGN_OR_RETURN(plan.member, FindMember(c, o.member));
  CUSTODY_ASSIGN_OR_RETURN(plan.partner, GetPartner(c, plan.grant.partner_id));
  plan.now = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(CheckReleasable(plan.grant, plan.member, plan.partner, plan.now));
  if (o.encrypt) {
    Status usable = crypto::CheckX25519PublicKey(plan.member.public_key);
    if (!usable.ok()) {
      return usable.WithPrefix("member '" + plan.member.name + "': cannot encrypt to their key");
    }
  }
  // The catalog row must be the one the log committed to: a key swapped in
  // the catalog would redirect an encrypted release to someone else.
  CUSTODY_RETURN_IF_ERROR(CheckMemberKeyLogged(c, plan.member));
  CUSTODY_ASSIGN_OR_RETURN(plan.version, c.catalog().GetVersion(plan.grant.version_id));
  if (plan.version.shredded_at) {
    return FailedPreconditionError("dataset '" + plan.grant.dataset + "' was shredded; nothing can be released");
  }
  CUSTODY_ASSIGN_OR_RETURN(plan.index_fields, IndexFieldsOf(plan.version));
  return plan;
}

// The vault keys a release uses (created on first use).
struct ReleaseKeys {
  crypto::SecretBytes mark, canary, selection, release;
  crypto::SecretBytes canary_seal;  // CanarySealKey of the released dataset
};

Result<ReleaseKeys> LoadReleaseKeys(Custody& c, DatasetId dataset_id) {
  ReleaseKeys k;
  CUSTODY_ASSIGN_OR_RETURN(auto data_key, c.vault().GetWrappedKey(store::KeyPurpose::Dataset(dataset_id)));
  k.canary_seal = CanarySealKey(data_key);
  CUSTODY_ASSIGN_OR_RETURN(k.mark, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Mark()));
  CUSTODY_ASSIGN_OR_RETURN(k.canary, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Canary()));
  CUSTODY_ASSIGN_OR_RETURN(k.selection, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Selection()));
  CUSTODY_ASSIGN_OR_RETURN(k.release, c.vault().GetOrCreateWrappedKey(store::KeyPurpose::Release()));
  return k;
}

// The canary source candidates with the lowest keyed ranks, at most
// `capacity` of them (a max-heap on rank: the worst on top).
class CandidatePool {
 public:
  explicit CandidatePool(size_t capacity) : capacity_(capacity) {}

  // False when no canary is wanted (capacity 0): nothing need be offered.
  bool wanted() const { return capacity_ > 0; }

  // Offers a record; `selected` records lend the released item's text.
  void Offer(uint64_t rank, uint64_t id, std::string_view projected, bool selected) {
    if (capacity_ == 0) return;
    if (heap_.size() == capacity_) {
      if (rank >= heap_.top().rank) return;
      heap_.pop();
    }
    Candidate cand;
    cand.rank = rank;
    cand.record_id = id;
    cand.released = selected;
    if (selected) {
      cand.item = projected;
    } else {
      cand.owned.assign(projected);
    }
    heap_.push(std::move(cand));
  }

  // The candidates, lowest rank first; empties the pool.
  std::vector<Candidate> TakeSorted() {
    std::vector<Candidate> out;
    while (!heap_.empty()) {
      out.push_back(std::move(const_cast<Candidate&>(heap_.top())));
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  size_t capacity_;
  std::priority_queue<Candidate> heap_;
};

// Step 2: the granted records (projected to the grant's fields) and the
// canary source candidates, in one pass over the version.
struct SelectedRecords {
  TextArena texts;
  std::vector<Item> items;
  RecordSet ids;
  std::vector<std::string> columns;   // CSV: the union of top-level keys
  std::vector<Candidate> sources;     // canary sources, lowest rank first
};

Result<SelectedRecords> SelectRecords(Custody& c, const ReleasePlan& plan, const ReleaseKeys& keys,
                                const ReleaseOptions& o) {
  const Grant& grant = plan.grant;
  CUSTODY_ASSIGN_OR_RETURN(auto selector, Selector::Create(keys.selection, grant.selection));
  // Records this member already holds cannot be canary sources.
  HoldingsQuery hq;
  hq.member_id = plan.member.id;
  CUSTODY_ASSIGN_OR_RETURN(auto held, LoadHoldings(c, hq));
  RecordSet given;
  for (const auto& h : held) given.UnionWith(h.ids);
  // The candidate pool is bounded by an estimate of the release size.
  const uint64_t expected = std::max<uint64_t>(1, static_cast<uint64_t>(plan.version.records));
  CandidatePool pool(o.canary_rate > 0 ? 16 * mark::CanaryCount(expected, o.canary_rate) + 64 : 0);
  const crypto::SecretBytes rank_key =
      crypto::DeriveKey(keys.release, "canary-source|member:" + ToString(plan.member.id));
  SelectedRecords sel;
  sel.items.reserve(static_cast<size_t>(plan.version.records));
  std::string projected_buf;
  CUSTODY_RETURN_IF_ERROR(ForEachRecord(c, grant.dataset, grant.version, [&](RecordId record_id, std::string_view rec) -> Status {
    const uint64_t id = record_id.value();
    std::string_view projected = rec;  // no field list: the whole record
    if (!grant.fields.empty()) {
      projected_buf.clear();
      ProjectFields(rec, grant.fields, &projected_buf);
      projected = projected_buf;
    }
    const bool selected = selector.Contains(record_id);
    if (selected) {
      CUSTODY_RETURN_IF_ERROR(sel.ids.Add(id));
      if (o.format == format::OutputFormat::kCsv) AddColumns(projected, &sel.columns);
      projected = sel.texts.Add(projected);
      sel.items.push_back({id, projected});
    }
    // Records the member never received come first (top bit clear); only
    // when too few exist (a grant of nearly everything) are records of this
    // or an earlier release of theirs used.
    if (pool.wanted()) {
      uint64_t rank = crypto::Prf64(rank_key, Le64(id)) >> 1;
      if (selected || given.Contains(id)) rank |= uint64_t{1} << 63;
      pool.Offer(rank, id, projected, selected);
    }
    return OkStatus();
  }));
  if (sel.items.empty()) {
    return FailedPreconditionError("grant " + ToString(grant.id) + " selects no records of " +
                                   grant.dataset + " v" + std::to_string(grant.version));
  }
  sel.sources = pool.TakeSorted();
  return sel;
}

// What the record and write steps share: the plan, the keys, the selection
// and the marking machinery.
struct ReleaseContext {
  const ReleaseOptions& o;
  const ReleasePlan& plan;
  const ReleaseKeys& keys;
  SelectedRecords& sel;
  mark::Marker marker;
  mark::CanaryMaker canary_maker;
  RecordMarker record_marker;
  std::vector<StoredCanary> made;  // the canaries of this release
  std::optional<crypto::SecretBytes> file_key;  // an encrypted release's (file_key.h)
};

// Step 3a (inside the logged change): up to `want` canaries, keyed
// substitutions of the candidate sources, lowest rank first (PrepareCanary:
// each differs from every record and canary in `taken` and from every
// earlier canary). Adds each canary's content id to `canary_hash`.
Status MakeCanaries(Custody& c, ReleaseContext& x, ReleaseId release_id, size_t want,
                    ContentIdSet* taken, crypto::Sha256Hasher* canary_hash) {
  x.made.clear();
  CanaryContext cx{&x.canary_maker, &x.keys.canary, &x.keys.canary_seal, &x.record_marker, taken};
  for (size_t k = 0; k < x.sel.sources.size() && x.made.size() < want; ++k) {
    const Candidate& src = x.sel.sources[k];
    const uint64_t index = (static_cast<uint64_t>(release_id.value()) << 20) | k;
    CUSTODY_ASSIGN_OR_RETURN(auto sc, PrepareCanary(c, cx, x.plan.member.id, RecordId(src.record_id),
                                                    src.canonical(), index));
    if (!sc) continue;
    CUSTODY_RETURN_IF_ERROR(InsertCanary(c, cx, release_id, &*sc));
    auto raw = HexDecode(sc->content_id);
    if (!raw.ok()) return raw.status();
    canary_hash->Update(*raw);
    x.made.push_back(std::move(*sc));
  }
  return OkStatus();
}

// The fingerprint parameters a release commits to (their hash is logged).
nlohmann::json ReleaseFingerprint(const ReleaseContext& x, const ReleaseResult& r) {
  FingerprintInputs in;
  in.mark_key = &x.keys.mark;
  in.bias_cutoff = x.marker.options().bias_cutoff;
  in.member_id = x.plan.member.id;
  in.release_id = r.release_id;
  in.grant = &x.plan.grant;
  in.canary_rate = x.o.canary_rate;
  in.canaries = r.canaries;
  in.shuffle = "prf(release key, release_id)";
  in.marked_fields = &x.plan.index_fields;
  return FingerprintParams(in);
}

// Step 3: the release row, its canaries and the release event, committed
// together (LoggedChange) before any file exists.
Status RecordRelease(Custody& c, ReleaseContext& x, ReleaseResult* r) {
  const size_t want = mark::CanaryCount(x.sel.items.size(), x.o.canary_rate);
  ContentIdSet taken;
  if (want > 0) {
    CUSTODY_RETURN_IF_ERROR(AddDatasetContentIds(c, x.plan.grant.dataset_id, &taken));
    CUSTODY_RETURN_IF_ERROR(BackfillCanaryTags(c, x.keys.canary));
  }
  const std::string bitmap = x.sel.ids.Serialize();
  r->bitmap_hash = crypto::DigestHex(crypto::Sha256(bitmap));
  store::ReleaseTable& releases = c.catalog().releases();
  CUSTODY_ASSIGN_OR_RETURN(r->log_index, LoggedChange(c, [&](ledger::Event* ev) -> Status {
    store::ReleaseRow row;
    row.grant_id = x.plan.grant.id;
    row.member_id = x.plan.member.id;
    row.created_at = x.plan.now;
    row.format = r->format;
    row.encrypted = x.o.encrypt;
    row.records = x.sel.items.size();
    row.record_bitmap = bitmap;
    row.bitmap_hash = r->bitmap_hash;
    row.out_path = x.o.out;
    CUSTODY_ASSIGN_OR_RETURN(r->release_id, releases.Insert(row));
    crypto::Sha256Hasher canary_hash;
    CUSTODY_RETURN_IF_ERROR(MakeCanaries(c, x, r->release_id, want, &taken, &canary_hash));
    r->canaries = x.made.size();
    const nlohmann::json params = ReleaseFingerprint(x, *r);
    r->params_hash = crypto::DigestHex(crypto::Sha256(params.dump()));
    CUSTODY_RETURN_IF_ERROR(releases.SetCanaries(r->release_id, r->canaries, r->params_hash));
    const Grant& grant = x.plan.grant;
    ev->type = ledger::event_type::kRelease;
    ev->subject = "release:" + ToString(r->release_id);
    ev->details = {{"release_id", r->release_id},
                   {"grant_id", grant.id},
                   {"member", x.plan.member.name},
                   {"member_id", x.plan.member.id},
                   {"partner", x.plan.partner.name},
                   {"dataset", grant.dataset},
                   {"version", grant.version},
                   {"records", r->records},
                   {"canaries", r->canaries},
                   {"format", r->format},
                   {"encrypted", x.o.encrypt},
                   {"fingerprint", params}};
    ev->hashes["fingerprint_params"] = r->params_hash;
    ev->hashes["record_bitmap"] = r->bitmap_hash;
    ev->hashes["recipient_key"] = Sha256Hex(x.plan.member.public_key);
    ev->hashes["canaries"] = crypto::DigestHex(canary_hash.Finish());
    if (x.o.encrypt) {
      // Derived, not random, so the member can be handed it again.
      CUSTODY_ASSIGN_OR_RETURN(auto data_key,
                               c.vault().GetWrappedKey(store::KeyPurpose::Dataset(grant.dataset_id)));
      x.file_key = DeriveReleaseFileKey(data_key, r->release_id);
      ev->hashes["file_key_check"] = FileKeyCheck(*x.file_key);
    }
    return OkStatus();
  }));
  return releases.SetLogIndex(r->release_id, static_cast<int64_t>(r->log_index));
}

// Step 4: the member's file, marked records and canaries in keyed order, into
// `output` (reserved before step 3; its hash is then recorded on the release
// row).
Status WriteReleaseFile(ReleaseContext& x, std::unique_ptr<OutputFile> output, ReleaseResult* r) {
  const std::vector<Item>& items = x.sel.items;
  const std::vector<StoredCanary>& made = x.made;
  for (const auto& sc : made) {
    if (x.o.format == format::OutputFormat::kCsv) AddColumns(sc.record, &x.sel.columns);
  }
  const std::vector<uint32_t> order =
      KeyedPermutation(ShuffleKey(x.keys.release, r->release_id), items.size() + made.size());
  std::optional<std::string> pk;
  if (x.o.encrypt) pk = x.plan.member.public_key;
  CUSTODY_ASSIGN_OR_RETURN(auto file, ReleaseFile::Create(std::move(output), x.o.format,
                                                          x.sel.columns, pk,
                                                          x.file_key ? &*x.file_key : nullptr));
  std::string marked;
  // The order is a keyed shuffle, so every record would start with cache
  // misses: fetch the item a few records ahead, and its text when it is next
  // but a few.
  auto text_of = [&](uint32_t i) -> std::string_view {
    return i >= items.size() ? std::string_view(made[i - items.size()].record) : items[i].canonical;
  };
  constexpr size_t kItemAhead = 16, kTextAhead = 8;
  for (size_t j = 0; j < order.size(); ++j) {
    if (j + kItemAhead < order.size() && order[j + kItemAhead] < items.size()) {
      __builtin_prefetch(&items[order[j + kItemAhead]]);
    }
    if (j + kTextAhead < order.size()) {
      const std::string_view ahead = text_of(order[j + kTextAhead]);
      for (size_t off = 0; off < ahead.size(); off += 64) __builtin_prefetch(ahead.data() + off);
    }
    const uint32_t i = order[j];
    const bool is_canary = i >= items.size();
    const RecordId rid =
        is_canary ? made[i - items.size()].source_record_id : RecordId(items[i].record_id);
    r->slots += x.record_marker.Apply(rid, x.plan.member.id, text_of(i), &marked);
    CUSTODY_RETURN_IF_ERROR(file->Write(marked));
  }
  CUSTODY_RETURN_IF_ERROR(file->Finish());
  r->file_hash = file->file_hash();
  r->bytes = file->bytes_written();
  return OkStatus();
}

}  // namespace

Result<ReleaseResult> Release(Custody& c, const ReleaseOptions& o) {
  CUSTODY_ASSIGN_OR_RETURN(ReleasePlan plan, PlanRelease(c, o));
  OutputOptions out_options;
  out_options.overwrite = o.overwrite;
  CUSTODY_ASSIGN_OR_RETURN(auto output, OutputFile::Create(c.env(), o.out, out_options));
  CUSTODY_ASSIGN_OR_RETURN(ReleaseKeys keys, LoadReleaseKeys(c, plan.grant.dataset_id));
  CUSTODY_ASSIGN_OR_RETURN(SelectedRecords sel, SelectRecords(c, plan, keys, o));
  CUSTODY_ASSIGN_OR_RETURN(auto marker, mark::Marker::Create(keys.mark.Clone()));
  CUSTODY_ASSIGN_OR_RETURN(auto canary_maker, mark::CanaryMaker::Create(keys.mark));
  ReleaseContext x{o, plan, keys, sel, std::move(marker), std::move(canary_maker),
                   RecordMarker(nullptr, plan.index_fields), {}};
  x.record_marker = RecordMarker(&x.marker, plan.index_fields);

  ReleaseResult r;
  r.grant_id = plan.grant.id;
  r.member_id = plan.member.id;
  r.member = plan.member.name;
  r.partner = plan.partner.name;
  r.dataset = plan.grant.dataset;
  r.version = plan.grant.version;
  r.records = sel.items.size();
  r.format = o.format == format::OutputFormat::kCsv ? "csv" : "jsonl";
  r.encrypted = o.encrypt;
  r.out = o.out;
  r.created_at = plan.now;
  CUSTODY_RETURN_IF_ERROR(RecordRelease(c, x, &r));
  Status written = WriteReleaseFile(x, std::move(output), &r);
  if (!written.ok()) {
    return written.WithPrefix("release " + ToString(r.release_id) + " logged, file not written");
  }
  CUSTODY_RETURN_IF_ERROR(c.catalog().releases().SetFileHash(r.release_id, r.file_hash));
  return r;
}

}  // namespace custody::core
