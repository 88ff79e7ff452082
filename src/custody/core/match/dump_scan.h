// Matching dumps against the vault: the matcher over every committed, not
// shredded dataset version's sketch index, and a scan over dump files that
// hands each readable dump record to a callback. Used by `custody match` and
// `custody trace`.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/match/record_texts.h"
#include "custody/core/vault/custody.h"
#include "custody/format/record.h"
#include "custody/sketch/matcher.h"

namespace custody::core {

struct IndexedVersion {
  std::string path;
  std::string dataset;
  int version = 0;
  int64_t version_id = 0;
};

// The matcher verifies candidates its index cannot settle against the
// decrypted record text (VaultRecordTexts): `custody` must outlive it.
class VaultMatcher {
 public:
  // kFailedPrecondition if the vault has no indexed dataset.
  static Result<std::unique_ptr<VaultMatcher>> Open(Custody& custody);

  const sketch::Matcher& matcher() const { return *matcher_; }
  // The source of record texts for exact verification (also installed as
  // the matcher's default).
  VaultRecordTexts& texts() { return *texts_; }
  // The dataset version of a match's `index`.
  const IndexedVersion& version(uint32_t index) const { return versions_.at(index); }

 private:
  VaultMatcher() = default;
  std::vector<IndexedVersion> versions_;
  std::unique_ptr<sketch::Matcher> matcher_;
  std::unique_ptr<VaultRecordTexts> texts_;
};

struct DumpProblem {
  std::string source;
  uint64_t line = 0;  // 0: the whole dump (corrupt stream)
  std::string error;
};

struct DumpScanStats {
  uint64_t dump_records = 0;
  uint64_t skipped = 0;  // unreadable records (invalid UTF-8, binary, malformed)
  std::vector<DumpProblem> problems;  // the first few, per dump
  std::vector<std::string> empty_dumps;
};

// Reads every dump (format and compression detected from content), skipping
// and reporting unreadable records, and calls `fn(record, text field values)`
// for each readable one. `progress(bytes, records)` is called now and then.
Status ScanDumps(Env* env, const std::vector<std::string>& dumps,
                 const std::function<Status(const format::Record&,
                                            std::span<const std::string_view>)>& fn,
                 DumpScanStats* stats,
                 const std::function<void(const std::string&, uint64_t, uint64_t)>& progress = {});

}  // namespace custody::core
