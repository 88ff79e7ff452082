// A seeded, self-contained simulation of leaks for calibrating and
// benchmarking attribution: partners and members receive random grants, every
// released record carries mark slots with arcsine-distributed Tardos biases,
// a leaker (or a coalition merging its copies) leaks a subset, attacks erase
// or alter slots, and the attribution library judges every member.
// Slot counts per record follow the distribution measured on gsm8k by the mark
// module (docs/marks.md), or a Poisson law; nothing here touches real data or
// files.
// Thread-safety: pure functions of their arguments (each trial owns its RNG).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/attribution/attribution.h"

namespace custody::core::attribution {

struct SimWorld {
  uint32_t partners = 50;
  uint32_t members_per_partner = 2;
  uint64_t dataset_records = 7473;     // gsm8k train size
  double partner_grant_fraction = 0.2; // each partner's grant: random sample
  double member_share = 1.0;           // each member's share of the partner's grant
  // Readable slots per record: 0 draws from the measured gsm8k distribution
  // (mean 2.84, docs/marks.md); a positive value draws Poisson(mean).
  double poisson_slots_per_record = 0;
  uint32_t slot_kinds = 10;            // variant families, 1..10 (gsm8k: 10 kinds)
  double bias_cutoff = 0.01;           // arcsine biases in [t, 1 - t] (mark default)
  bool link_partner_members = true;    // declare partner-mates as linked
};

enum class Merge : uint8_t { kInterleave, kMajority, kRandom };

// An attack on the dump's mark slots (applied after the coalition's merge).
struct SimAttack {
  std::string name = "none";
  double erase = 0;          // each slot independently unreadable (light paraphrase)
  double flip = 0;           // each slot independently set to a random symbol
  uint32_t fragile_kinds = 0;  // kinds 0..n-1 erased (normalization kills them)
  uint32_t normalized_kinds = 0;  // the next n kinds forced to one rendering across the dump
};

// The attack list of the robustness benchmark: each attack alone, then all.
std::vector<SimAttack> StandardAttacks();

struct SimTrial {
  SimAttack attack;
  uint32_t colluders = 1;
  Merge merge = Merge::kInterleave;
  uint64_t leaked_records = 200;
  AttributionOptions options;
};

struct SimOutcome {
  std::vector<uint32_t> colluders;     // member indices
  std::vector<uint32_t> accused;       // member indices
  bool detected = false;               // some colluder accused
  uint32_t innocents_accused = 0;
  uint64_t readable_slots = 0;
  AttributionReport report;
};

// Draws a slot count from the measured gsm8k distribution of robust slots
// per record (0: 15.7%, 1: 20.6%, ..., >= 10: 2.7%, spread over 10..12).
int GsmSlotCount(std::mt19937_64& rng);

// Draws a Tardos bias from the arcsine density on [t, 1 - t].
double ArcsineBias(std::mt19937_64& rng, double t);

// Uniform double in [0, 1) from 53 random bits (portable across libraries).
double Uniform01(std::mt19937_64& rng);

// Runs one seeded trial. Errors: kInvalidArgument for impossible settings.
Result<SimOutcome> RunTrial(const SimWorld& world, const SimTrial& trial,
                            uint64_t seed);

}  // namespace custody::core::attribution
