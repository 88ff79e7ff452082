// Seeded leak simulation; see simulation.h.
#include "custody/core/attribution/simulation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "custody/core/attribution/exposure.h"
#include "custody/core/attribution/tardos.h"
#include "custody/mark/tardos.h"

namespace custody::core::attribution {
namespace {

// k distinct elements of `from`, uniformly (partial Fisher-Yates on a copy).
std::vector<uint64_t> Sample(std::vector<uint64_t> from, uint64_t k,
                             std::mt19937_64& rng) {
  k = std::min<uint64_t>(k, from.size());
  for (uint64_t i = 0; i < k; ++i) {
    const uint64_t j = i + rng() % (from.size() - i);
    std::swap(from[i], from[j]);
  }
  from.resize(k);
  std::sort(from.begin(), from.end());
  return from;
}

}  // namespace

double Uniform01(std::mt19937_64& rng) { return mark::UnitInterval(rng()); }

double ArcsineBias(std::mt19937_64& rng, double t) { return mark::ArcsineBias(rng(), t); }

int GsmSlotCount(std::mt19937_64& rng) {
  // Shares in 0.1 % (docs/marks.md, "Measured on gsm8k"); the >= 10 tail is
  // spread evenly over 10, 11 and 12 slots.
  static constexpr int kPerMille[] = {157, 206, 192, 144, 104, 64, 44, 28, 22, 12, 9, 9, 9};
  int u = static_cast<int>(rng() % 1000);
  for (int k = 0; k < 13; ++k) {
    if (u < kPerMille[k]) return k;
    u -= kPerMille[k];
  }
  return 12;
}

std::vector<SimAttack> StandardAttacks() {
  std::vector<SimAttack> a(7);
  a[0].name = "none";
  a[1].name = "normalize";  // NFKC, case fold, whitespace, quote uncurling
  a[1].fragile_kinds = 1;
  a[2].name = "shuffle+subset";  // order is irrelevant; subsetting is the sweep
  a[3].name = "paraphrase-light";
  a[3].erase = 0.3;
  a[4].name = "variant-edits";
  a[4].flip = 0.1;
  a[5].name = "kind-normalize";
  a[5].normalized_kinds = 2;
  a[6].name = "combined";
  a[6].fragile_kinds = 1;
  a[6].erase = 0.3;
  a[6].flip = 0.1;
  a[6].normalized_kinds = 2;
  return a;
}

Result<SimOutcome> RunTrial(const SimWorld& world, const SimTrial& trial,
                            uint64_t seed) {
  const uint32_t members = world.partners * world.members_per_partner;
  if (members == 0 || trial.colluders == 0 || trial.colluders > members) {
    return InvalidArgumentError("simulation: colluders: expected 1.." +
                                std::to_string(members) + ", found " +
                                std::to_string(trial.colluders));
  }
  if (world.slot_kinds == 0 || world.slot_kinds >= mark::kNumSlotKinds) {
    return InvalidArgumentError("simulation: slot_kinds: expected 1.." +
                                std::to_string(mark::kNumSlotKinds - 1) + ", found " +
                                std::to_string(world.slot_kinds));
  }
  std::mt19937_64 rng(seed);
  // Grants.
  std::vector<uint64_t> all(world.dataset_records);
  std::iota(all.begin(), all.end(), 0);
  const auto grant_size = static_cast<uint64_t>(
      std::llround(world.partner_grant_fraction * world.dataset_records));
  std::vector<std::vector<uint64_t>> held(members);
  ExposureOptions exposure_options;
  for (uint32_t p = 0; p < world.partners; ++p) {
    const std::vector<uint64_t> grant = Sample(all, grant_size, rng);
    const auto share = static_cast<uint64_t>(
        std::llround(world.member_share * static_cast<double>(grant.size())));
    for (uint32_t i = 0; i < world.members_per_partner; ++i) {
      const uint32_t m = p * world.members_per_partner + i;
      held[m] = world.member_share >= 1.0 ? grant : Sample(grant, share, rng);
      if (world.link_partner_members) {
        for (uint32_t j = 0; j < i; ++j) {
          exposure_options.links.emplace_back(p * world.members_per_partner + j, m);
        }
      }
    }
  }
  // Coalition and leaked records.
  SimOutcome out;
  std::vector<uint64_t> ids(members);
  std::iota(ids.begin(), ids.end(), 0);
  for (uint64_t c : Sample(ids, trial.colluders, rng)) {
    out.colluders.push_back(static_cast<uint32_t>(c));
  }
  std::vector<uint64_t> pool;
  for (uint32_t c : out.colluders) pool.insert(pool.end(), held[c].begin(), held[c].end());
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  const std::vector<uint64_t> leaked = Sample(pool, trial.leaked_records, rng);
  // Slots of the leaked records, members' codewords and the dump's symbols.
  std::vector<SlotObservation> slots;
  std::vector<uint64_t> slot_record;
  std::vector<std::vector<uint8_t>> symbols(members);
  std::poisson_distribution<int> poisson(
      world.poisson_slots_per_record > 0 ? world.poisson_slots_per_record : 1.0);
  for (uint64_t r : leaked) {
    std::vector<uint32_t> holders;
    for (uint32_t c : out.colluders) {
      if (std::binary_search(held[c].begin(), held[c].end(), r)) holders.push_back(c);
    }
    const uint32_t copy = holders[rng() % holders.size()];  // interleaving
    const int n = world.poisson_slots_per_record > 0 ? poisson(rng) : GsmSlotCount(rng);
    for (int s = 0; s < n; ++s) {
      SlotObservation o;
      o.slot_id = slots.size();
      o.bias = ArcsineBias(rng, world.bias_cutoff);
      const auto kind = static_cast<uint32_t>(rng() % world.slot_kinds);
      o.kind = static_cast<mark::SlotKind>(1 + kind);
      const int flip = static_cast<int>(rng() & 1);  // the slot's keyed rendering flip
      for (uint32_t m = 0; m < members; ++m) {
        symbols[m].push_back(Uniform01(rng) < o.bias ? 1 : 0);
      }
      int y = symbols[copy].back();
      if (trial.merge == Merge::kRandom) {
        y = symbols[holders[rng() % holders.size()]].back();
      } else if (trial.merge == Merge::kMajority) {
        uint32_t ones = 0;
        for (uint32_t h : holders) ones += symbols[h].back();
        const uint32_t zeros = static_cast<uint32_t>(holders.size()) - ones;
        y = ones > zeros ? 1 : ones < zeros ? 0 : static_cast<int>(rng() & 1);
      }
      // The attack, on renderings as a dump shows them.
      int rendering = y ^ flip;
      const SimAttack& a = trial.attack;
      if (kind < a.fragile_kinds || Uniform01(rng) < a.erase) {
        rendering = -1;
      } else if (kind < a.fragile_kinds + a.normalized_kinds) {
        rendering = 0;
      } else if (Uniform01(rng) < a.flip) {
        rendering = static_cast<int>(rng() & 1);
      }
      o.rendering = static_cast<int8_t>(rendering);
      o.symbol = static_cast<int8_t>(rendering < 0 ? -1 : rendering ^ flip);
      slots.push_back(o);
      slot_record.push_back(r);
    }
  }
  // What trace does with a dump's slots and each holder's codeword.
  EraseUniformKinds(slots);
  for (const SlotObservation& o : slots) out.readable_slots += o.readable();
  CUSTODY_ASSIGN_OR_RETURN(ExposureAnalysis exposure,
                           ExposureAnalysis::Create(held, leaked, exposure_options));
  std::vector<MemberEvidence> evidence(members);
  for (uint32_t m = 0; m < members; ++m) {
    evidence[m].member_id = MemberId(m);
    evidence[m].partner_id = PartnerId(m / world.members_per_partner);
    evidence[m].exposure = exposure.ForMember(m);
    std::vector<uint8_t> received(slots.size());
    for (size_t k = 0; k < slots.size(); ++k) {
      received[k] = std::binary_search(held[m].begin(), held[m].end(), slot_record[k]);
    }
    CUSTODY_ASSIGN_OR_RETURN(evidence[m].marks, ScoreMemberMarks(slots, received, symbols[m]));
  }
  CUSTODY_ASSIGN_OR_RETURN(out.report, Attribute(evidence, trial.options));
  for (const MemberVerdict& v : out.report.members) {
    if (!v.accused) continue;
    const auto m = static_cast<uint32_t>(v.member_id.value());
    out.accused.push_back(m);
    if (std::find(out.colluders.begin(), out.colluders.end(), m) != out.colluders.end()) {
      out.detected = true;
    } else {
      ++out.innocents_accused;
    }
  }
  return out;
}

}  // namespace custody::core::attribution
