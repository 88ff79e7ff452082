// The end-to-end trace benchmark's world; see e2e_world.h.
#include "e2e_world.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "custody/base/env.h"
#include "custody/core/match/dump_scan.h"
#include "custody/format/corpus_generator.h"
#include "custody/format/record.h"
#include "custody/sketch/candidate_texts.h"
#include "custody/sketch/index_builder.h"

namespace custody::bench_trace {
namespace {

// The fields of a generated record that are indexed and marked (its id and
// topic are left out, as a dataset version's text_fields would).
constexpr std::string_view kTextFields[] = {"prompt", "response"};

// Virtual member ids used to render a per-slot merge (never real members).
constexpr uint64_t kVirtualBase = uint64_t{1} << 48;
// Records with more slots than this fall back to one colluder's copy.
constexpr size_t kMaxMergeSlots = 16;

crypto::SecretBytes KeyFrom(std::mt19937_64& rng) {
  std::string k(32, '\0');
  for (char& c : k) c = static_cast<char>(rng() & 0xff);
  return crypto::SecretBytes::FromBytes(k);
}

std::vector<std::string_view> Views(const std::vector<std::string>& values) {
  return {values.begin(), values.end()};
}

std::vector<mark::TextField> MarkFields(const CorpusRecord& r, const std::vector<std::string>& values) {
  std::vector<mark::TextField> f;
  for (size_t i = 0; i < values.size(); ++i) f.push_back({r.names[i], values[i]});
  return f;
}

// k distinct elements of `from`, uniformly (partial Fisher-Yates), sorted.
std::vector<uint64_t> Sample(std::vector<uint64_t> from, uint64_t k, std::mt19937_64& rng) {
  k = std::min<uint64_t>(k, from.size());
  for (uint64_t i = 0; i < k; ++i) std::swap(from[i], from[i + rng() % (from.size() - i)]);
  from.resize(k);
  std::sort(from.begin(), from.end());
  return from;
}

bool Holds(const std::vector<uint64_t>& sorted, uint64_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

}  // namespace

class Corpus::Texts : public sketch::CandidateTexts {
 public:
  explicit Texts(const std::vector<CorpusRecord>* records) : records_(records) {}
  Status TextFields(uint64_t record_id, std::vector<std::string>* fields) override {
    if (record_id == 0 || record_id > records_->size()) {
      return NotFoundError("record " + std::to_string(record_id) + ": not in the corpus");
    }
    *fields = (*records_)[record_id - 1].values;
    return OkStatus();
  }

 private:
  const std::vector<CorpusRecord>* records_;
};

Corpus::~Corpus() = default;

Result<std::unique_ptr<Corpus>> Corpus::Create(uint64_t records, uint64_t unrelated, uint64_t seed) {
  auto c = std::unique_ptr<Corpus>(new Corpus());
  auto pick = [](const std::string& json, CorpusRecord* out) {
    std::vector<format::TextField> all;
    format::ExtractTextFields(json, &all);
    for (const auto& f : all) {
      if (std::find(std::begin(kTextFields), std::end(kTextFields), f.name) == std::end(kTextFields)) continue;
      out->names.push_back(f.name);
      out->values.push_back(f.value);
    }
  };
  format::CorpusGenerator gen(seed);
  std::string json;
  c->records_.resize(records);
  for (uint64_t i = 0; i < records; ++i) {
    gen.Next(&json);
    c->records_[i].id = i + 1;
    pick(json, &c->records_[i]);
  }
  format::CorpusGenerator other(seed ^ 0x5deece66dULL);
  for (uint64_t i = 0; i < unrelated; ++i) {
    other.Next(&json);
    CorpusRecord r;
    pick(json, &r);
    sketch::SimRecord s;
    for (size_t k = 0; k < r.names.size(); ++k) s.fields.emplace_back(r.names[k], r.values[k]);
    c->unrelated_.push_back(std::move(s));
  }

  std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + 1);
  crypto::SecretBytes mark_key = KeyFrom(rng);
  crypto::SecretBytes index_key = KeyFrom(rng);
  CUSTODY_ASSIGN_OR_RETURN(auto marker, mark::Marker::Create(mark_key.Clone()));
  c->marker_ = std::make_unique<mark::Marker>(std::move(marker));
  CUSTODY_ASSIGN_OR_RETURN(auto maker, mark::CanaryMaker::Create(mark_key));
  c->canary_maker_ = std::make_unique<mark::CanaryMaker>(std::move(maker));

  sketch::IndexBuilderOptions io;
  io.label = "generated@v1";
  CUSTODY_ASSIGN_OR_RETURN(auto builder, sketch::IndexBuilder::Create(index_key, io));
  uint64_t slots = 0;
  for (const CorpusRecord& r : c->records_) {
    std::vector<std::string_view> v = Views(r.values);
    CUSTODY_RETURN_IF_ERROR(builder->Add(r.id, v));
    slots += c->marker_->Mark(RecordId(r.id), MemberId(1), MarkFields(r, r.values)).slots;
  }
  c->mean_slots_ = records ? static_cast<double>(slots) / static_cast<double>(records) : 0;
  CUSTODY_ASSIGN_OR_RETURN(std::string index, builder->Serialize());
  CUSTODY_ASSIGN_OR_RETURN(c->matcher_, sketch::Matcher::FromBuffers({std::move(index)}, index_key));
  c->texts_ = std::make_unique<Texts>(&c->records_);
  c->words_ = c->matcher_->WordsFromTexts(c->texts_.get());
  c->matcher_->set_words(c->words_.get());
  return c;
}

Result<World> MakeWorld(const Corpus& corpus, const WorldOptions& o, uint64_t seed) {
  if (o.partners == 0 || o.members_per_partner == 0 || !(o.grant_fraction > 0 && o.grant_fraction <= 1)) {
    return InvalidArgumentError("world: expected partners, members and a grant fraction in (0, 1]");
  }
  std::mt19937_64 rng(seed);
  const uint64_t n = corpus.records().size();
  std::vector<uint64_t> all(n);
  for (uint64_t i = 0; i < n; ++i) all[i] = i + 1;
  const auto grant_size = static_cast<uint64_t>(o.grant_fraction * static_cast<double>(n) + 0.5);
  World w;
  uint64_t canary_id = 0;
  for (uint32_t p = 0; p < o.partners; ++p) {
    std::vector<uint64_t> grant = Sample(all, grant_size, rng);
    for (uint32_t i = 0; i < o.members_per_partner; ++i) {
      core::Holder h;
      const uint64_t mid = uint64_t{p} * o.members_per_partner + i + 1;
      h.member_id = MemberId(static_cast<int64_t>(mid));
      h.member = "m" + std::to_string(mid);
      h.partner_id = PartnerId(p + 1);
      h.partner = "p" + std::to_string(p + 1);
      h.held = o.per_member_grants && i > 0 ? Sample(all, grant_size, rng) : grant;
      core::HolderRelease rel;
      rel.release_id = ReleaseId(static_cast<int64_t>(mid));
      rel.grant_id = GrantId(static_cast<int64_t>(o.per_member_grants ? 1000000 + mid : p + 1));
      rel.dataset = "generated";
      rel.records = h.held.size();
      rel.sampled = true;
      rel.ids = h.held;
      h.releases.push_back(std::move(rel));
      // Canaries from records this member does not hold.
      const size_t want = o.canary_rate > 0 ? mark::CanaryCount(h.held.size(), o.canary_rate) : 0;
      // Their own generator, so the grants are the same with or without canaries.
      std::mt19937_64 crng(seed ^ (mid * 0x9e3779b97f4a7c15ULL));
      std::set<uint64_t> used;
      for (uint64_t k = 0, made = 0; made < want && k < 16 * want + 64; ++k) {
        const uint64_t src = 1 + crng() % n;
        if (Holds(h.held, src) || !used.insert(src).second) continue;
        const CorpusRecord& r = corpus.record(src);
        auto c = corpus.canary_maker().Make(MarkFields(r, r.values), h.member_id, (mid << 20) | k);
        if (!c) continue;
        ++made;
        core::CanaryRecord cr;
        cr.canary_id = CanaryId(static_cast<int64_t>(++canary_id));
        cr.member_id = h.member_id;
        cr.release_id = ReleaseId(static_cast<int64_t>(mid));
        cr.source_record_id = RecordId(src);
        cr.substitutions = c->substitutions;
        cr.false_match_probability = c->false_match_probability;
        w.canaries_by_source.emplace(src, w.canaries.size());
        w.canaries_of_member[mid].push_back(w.canaries.size());
        w.canaries.push_back({static_cast<uint64_t>(cr.canary_id.value()), mid, src, std::move(c->values)});
        w.inputs.canaries.push_back(std::move(cr));
      }
      w.inputs.holders.push_back(std::move(h));
    }
  }
  return w;
}

Result<Dump> MakeDump(const Corpus& corpus, const World& world, const LeakPlan& plan, uint64_t seed) {
  if (plan.colluders.empty()) return InvalidArgumentError("leak: expected at least one colluder");
  std::mt19937_64 rng(seed);
  const mark::Marker& marker = corpus.marker();
  auto holder = [&](uint64_t member) -> const core::Holder& {
    return world.inputs.holders.at(member - 1);
  };
  // The coalition's items: records (id > 0) and canaries (id = 0, canary index).
  struct Item {
    uint64_t record_id;
    size_t canary;
  };
  std::vector<uint64_t> pool;
  for (uint64_t m : plan.colluders) {
    const auto& held = holder(m).held;
    pool.insert(pool.end(), held.begin(), held.end());
  }
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  std::vector<Item> items;
  for (uint64_t id : pool) items.push_back({id, 0});
  for (uint64_t m : plan.colluders) {
    auto it = world.canaries_of_member.find(m);
    if (it == world.canaries_of_member.end()) continue;
    for (size_t c : it->second) items.push_back({0, c});
  }
  const uint64_t k = std::min<uint64_t>(plan.records, items.size());
  for (uint64_t i = 0; i < k; ++i) std::swap(items[i], items[i + rng() % (items.size() - i)]);
  items.resize(k);

  Dump d;
  std::vector<sketch::SimRecord> copies;
  copies.reserve(k);
  std::vector<uint64_t> holders;
  for (const Item& item : items) {
    const bool is_canary = item.record_id == 0;
    const uint64_t rid = is_canary ? world.canaries[item.canary].source_record_id : item.record_id;
    const CorpusRecord& r = corpus.record(rid);
    const std::vector<std::string>& text = is_canary ? world.canaries[item.canary].values : r.values;
    holders.clear();
    if (is_canary) {
      holders.push_back(world.canaries[item.canary].member_id);
      ++d.canaries;
    } else {
      for (uint64_t m : plan.colluders) {
        if (Holds(holder(m).held, rid)) holders.push_back(m);
      }
    }
    uint64_t writer = holders[rng() % holders.size()];
    if (plan.merge != Merge::kInterleave && holders.size() > 1) {
      // Per-slot merge: the symbol each slot gets, then a virtual member
      // whose keyed symbols are exactly those, so Mark renders the merge.
      std::vector<uint64_t> slot_ids;
      for (const auto& o : marker.ReadSlots(RecordId(rid), Views(text))) {
        if (std::find(slot_ids.begin(), slot_ids.end(), o.slot_id) == slot_ids.end()) {
          slot_ids.push_back(o.slot_id);
        }
      }
      if (!slot_ids.empty() && slot_ids.size() <= kMaxMergeSlots) {
        std::vector<bool> target;
        for (uint64_t s : slot_ids) {
          if (plan.merge == Merge::kRandom) {
            target.push_back(marker.MemberSymbol(RecordId(rid), MemberId(holders[rng() % holders.size()]), s));
          } else {
            size_t ones = 0;
            for (uint64_t h : holders) ones += marker.MemberSymbol(RecordId(rid), MemberId(h), s);
            const size_t zeros = holders.size() - ones;
            target.push_back(ones != zeros ? ones > zeros : (rng() & 1) != 0);
          }
        }
        uint64_t v = kVirtualBase + (rng() >> 20);
        for (;; ++v) {
          size_t s = 0;
          while (s < slot_ids.size() && marker.MemberSymbol(RecordId(rid), MemberId(v), slot_ids[s]) == target[s]) ++s;
          if (s == slot_ids.size()) break;
        }
        writer = v;
        ++d.merged_records;
      }
    }
    mark::MarkedRecord m = marker.Mark(RecordId(rid), MemberId(writer), MarkFields(r, text));
    if (writer >= kVirtualBase) {
      // The merge must read back as the colluders' chosen symbols.
      for (const auto& o : marker.ReadSlots(RecordId(rid), Views(m.values))) {
        const int want = marker.MemberSymbol(RecordId(rid), MemberId(writer), o.slot_id) ? 1 : 0;
        if (o.symbol >= 0 && o.symbol != want) {
          return InternalError("merge of record " + std::to_string(rid) + ": slot " +
                               std::to_string(o.slot_id) + ": expected symbol " + std::to_string(want) +
                               ", found " + std::to_string(o.symbol));
        }
      }
    }
    sketch::SimRecord sr;
    for (size_t i = 0; i < m.values.size(); ++i) sr.fields.emplace_back(r.names[i], std::move(m.values[i]));
    copies.push_back(std::move(sr));
  }
  d.copied = copies.size();
  sketch::LeakOptions lo = plan.leak;
  lo.seed = rng();
  sketch::LeakResult leak = sketch::SimulateLeak(copies, corpus.unrelated(), lo);
  for (const auto& t : leak.truth) d.leaked_in_dump += t.source >= 0;
  d.contents = std::move(leak.dump);
  return d;
}

Result<TraceOutcome> TraceDump(const Corpus& corpus, const World& world, const std::string& dump_path,
                               double alpha) {
  const sketch::Matcher& matcher = corpus.matcher();
  const mark::Marker& marker = corpus.marker();
  TraceOutcome out;
  std::set<uint64_t> compromised;
  std::set<CanaryId> canary_found;
  std::vector<core::SlotRead> slots;
  core::DumpScanStats stats;
  CUSTODY_RETURN_IF_ERROR(core::ForEachDumpRecord(
      Env::Default(), {dump_path},
      [&](const core::DumpBatch& batch, size_t i) -> Status {
        std::span<const std::string_view> fields = batch.fields(i);
        std::vector<sketch::MatchResult> cands = matcher.Candidates(fields, 4);
        if (cands.empty()) return OkStatus();
        ++out.matched;
        for (const auto& c : cands) {
          auto range = world.canaries_by_source.equal_range(c.record_id);
          for (auto it = range.first; it != range.second; ++it) {
            const core::CanaryRecord& cr = world.inputs.canaries[it->second];
            if (!mark::CanaryEvidence(cr.substitutions, fields).is_match) continue;
            canary_found.insert(cr.canary_id);
            return OkStatus();
          }
        }
        const uint64_t best = cands.front().record_id;
        compromised.insert(best);
        for (auto& o : marker.ReadSlots(RecordId(best), fields)) slots.push_back({RecordId(best), o});
        return OkStatus();
      },
      &stats));
  out.dump_records = stats.dump_records;
  out.compromised = compromised.size();
  out.canaries_found = canary_found.size();
  const std::vector<uint64_t> leaked(compromised.begin(), compromised.end());
  CUSTODY_ASSIGN_OR_RETURN(core::Scoring scoring,
                           core::ScoreMembers(world.inputs, leaked, std::move(slots), canary_found,
                                              marker, alpha));
  out.readable_slots = scoring.readable_slots;
  for (const auto& ms : scoring.members) {
    const auto mid = static_cast<uint64_t>(ms.holder->member_id.value());
    out.log10_p[mid] = ms.verdict.log10_corrected;
    if (ms.verdict.accused) out.accused.push_back(mid);
  }
  return out;
}

}  // namespace custody::bench_trace
