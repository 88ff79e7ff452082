// Holdings: who holds what, from the catalog's releases — for exposure
// queries and for trace/attribution. For every member who ever received
// data: the union of released record ids (a RecordSet), and per release its
// grant, time, dataset version, counts and whether the grant's selection was
// a keyed random sample (exposure p-values are meaningful only then). The
// canaries with their owners are in canary_store.h (LoadCanaries).
// A release counts from the moment its catalog row exists (before its log
// entry and file; docs/releases.md), so holdings err towards exposure.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/record_set.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

struct ReleaseSummary {
  int64_t release_id = 0;
  int64_t grant_id = 0;
  int64_t member_id = 0;
  int64_t created_at = 0;
  std::string dataset;
  int version = 0;
  int64_t version_id = 0;
  uint64_t records = 0;
  uint64_t canaries = 0;
  std::string format;
  bool encrypted = false;
  // The grant's selection kind ("all", "sample", "shard", "ids"); for
  // "sample", the fraction.
  std::string selection;
  bool random_sample = false;
  double sample_fraction = 1.0;
  std::string bitmap_hash;
  std::string params_hash;
  std::string file_hash;  // "" if the file was never completed
  std::optional<int64_t> log_index;  // unset if the log entry is missing
  RecordSet ids;  // exact record ids released (canaries excluded)
};

struct MemberHoldings {
  int64_t member_id = 0;
  std::string member;
  int64_t partner_id = 0;
  std::string partner;
  RecordSet ids;  // union over `releases`
  std::vector<ReleaseSummary> releases;  // oldest first
};

struct HoldingsQuery {
  // Only releases created at or before this time (Unix seconds).
  std::optional<int64_t> at;
  // Only these (0: all).
  int64_t member_id = 0;
  int64_t partner_id = 0;
  int64_t release_id = 0;
};

// Every release matching `q`, oldest first.
Result<std::vector<ReleaseSummary>> ListReleases(Custody& custody, const HoldingsQuery& q = {});

// Holdings of every member with at least one matching release, by member id.
Result<std::vector<MemberHoldings>> LoadHoldings(Custody& custody, const HoldingsQuery& q = {});

}  // namespace custody::core
