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

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/record_set.h"
#include "custody/core/vault/custody.h"

namespace custody::core {

struct ReleaseSummary {
  ReleaseId release_id;
  GrantId grant_id;
  MemberId member_id;
  Time created_at;
  std::string dataset;
  int version = 0;
  VersionId version_id;
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
  MemberId member_id;
  std::string member;
  PartnerId partner_id;
  std::string partner;
  RecordSet ids;  // union over `releases`
  std::vector<ReleaseSummary> releases;  // oldest first
};

struct HoldingsQuery {
  // Only releases created at or before this time.
  std::optional<Time> at;
  // Only these (invalid: all).
  MemberId member_id;
  PartnerId partner_id;
  ReleaseId release_id;
};

// Every release matching `q`, oldest first. Each release's stored record
// bitmap is checked against its release event in the custody log: kDataLoss
// naming the release, the log index and the expected and found hashes if it
// differs, or if the log holds no event for the release.
Result<std::vector<ReleaseSummary>> ListReleases(Custody& custody, const HoldingsQuery& q = {});

// Holdings of every member with at least one matching release, by member id.
Result<std::vector<MemberHoldings>> LoadHoldings(Custody& custody, const HoldingsQuery& q = {});

}  // namespace custody::core
