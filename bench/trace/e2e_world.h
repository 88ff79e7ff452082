// The end-to-end trace benchmark's world, in memory: a generated corpus
// indexed with the real sketch index and matcher, 50 partners x 2 members
// with keyed-random grants and optional canaries, members' copies written by
// the real mark module (coalitions merge copies record by record or slot by
// slot), leaks made by the real leak simulator, and each dump traced as
// `custody trace` does it (match, canary check, read slots, ScoreMembers).
// Nothing here reads ../shared or a vault; the only file is the dump, in a
// temporary directory.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/trace/trace.h"
#include "custody/mark/canary.h"
#include "custody/mark/mark.h"
#include "custody/sketch/leak_simulator.h"
#include "custody/sketch/matcher.h"

namespace custody::bench_trace {

// One indexed record: its id and text fields (name, value).
struct CorpusRecord {
  uint64_t id = 0;
  std::vector<std::string> names;
  std::vector<std::string> values;
};

// The generated dataset, its sketch index, and the keys of one run.
class Corpus {
 public:
  // `records` generated records (ids 1..records) plus `unrelated` records of
  // another seed for mixing into dumps.
  static Result<std::unique_ptr<Corpus>> Create(uint64_t records, uint64_t unrelated,
                                                uint64_t seed);
  ~Corpus();

  const std::vector<CorpusRecord>& records() const { return records_; }
  const CorpusRecord& record(uint64_t id) const { return records_.at(id - 1); }
  const std::vector<sketch::SimRecord>& unrelated() const { return unrelated_; }
  const mark::Marker& marker() const { return *marker_; }
  const mark::CanaryMaker& canary_maker() const { return *canary_maker_; }
  const sketch::Matcher& matcher() const { return *matcher_; }
  // Mean robust slots written per record (one member's copy).
  double mean_slots() const { return mean_slots_; }

 private:
  class Texts;
  Corpus() = default;
  std::vector<CorpusRecord> records_;
  std::vector<sketch::SimRecord> unrelated_;
  std::unique_ptr<mark::Marker> marker_;
  std::unique_ptr<mark::CanaryMaker> canary_maker_;
  std::unique_ptr<Texts> texts_;
  std::unique_ptr<sketch::CandidateWords> words_;
  std::unique_ptr<sketch::Matcher> matcher_;
  double mean_slots_ = 0;
};

struct WorldOptions {
  uint32_t partners = 50;
  uint32_t members_per_partner = 2;
  double grant_fraction = 0.2;      // share of the dataset in each grant
  bool per_member_grants = false;   // false: one grant per partner, shared by its members
  double canary_rate = 0;           // 0: no canaries; else mark::CanaryCount's rate
};

// One canary as its member's release carries it.
struct CanaryCopy {
  uint64_t canary_id = 0;
  uint64_t member_id = 0;
  uint64_t source_record_id = 0;
  std::vector<std::string> values;  // the canary's text fields (unmarked)
};

// Who holds what in one trial. Member ids are 1..members; partner ids 1..partners.
struct World {
  core::TraceInputs inputs;
  std::vector<CanaryCopy> canaries;  // same order as inputs.canaries
  std::map<uint64_t, std::vector<size_t>> canaries_of_member;
  std::multimap<uint64_t, size_t> canaries_by_source;
};

// Builds the grants (keyed random samples) and canaries of one trial.
Result<World> MakeWorld(const Corpus& corpus, const WorldOptions& options, uint64_t seed);

enum class Merge : uint8_t { kInterleave, kMajority, kRandom };

struct LeakPlan {
  std::vector<uint64_t> colluders;  // member ids
  Merge merge = Merge::kInterleave;
  uint64_t records = 100;           // items taken from the coalition's copies
  sketch::LeakOptions leak;         // the attack (seed set by MakeDump)
};

struct Dump {
  std::string contents;
  uint64_t copied = 0;           // records (and canaries) taken from the copies
  uint64_t canaries = 0;         // canaries among them
  uint64_t leaked_in_dump = 0;   // copied records that survived the attack's subset
  uint64_t merged_records = 0;   // records built by a per-slot merge of 2+ copies
};

// Draws the coalition's leak and renders the dump (format and edits of `plan.leak`).
Result<Dump> MakeDump(const Corpus& corpus, const World& world, const LeakPlan& plan,
                      uint64_t seed);

struct TraceOutcome {
  uint64_t dump_records = 0;
  uint64_t matched = 0;
  uint64_t compromised = 0;
  uint64_t canaries_found = 0;
  uint64_t readable_slots = 0;
  std::vector<uint64_t> accused;  // member ids
  std::map<uint64_t, double> log10_p;  // member id -> corrected log10 p-value
};

// Traces `dump_path` as `custody trace` does, against the in-memory world.
Result<TraceOutcome> TraceDump(const Corpus& corpus, const World& world,
                               const std::string& dump_path, double alpha);

}  // namespace custody::bench_trace
