#include "custody/core/match/record_texts.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "custody/core/ingest/ingest.h"
#include "custody/format/record.h"

namespace custody::core {

struct VaultRecordTexts::Version {
  store::DatasetVersionInfo info;
  std::vector<store::SegmentInfo> segments;  // by first_record_id
  crypto::SecretBytes key;
  std::string context;
  std::vector<std::string> fields;  // selected field names; empty: all
};


VaultRecordTexts::VaultRecordTexts(Custody& custody, size_t max_segments)
    : custody_(custody), max_segments_(std::max<size_t>(1, max_segments)) {}

VaultRecordTexts::~VaultRecordTexts() = default;

Result<const VaultRecordTexts::Version*> VaultRecordTexts::VersionFor(uint64_t id) {
  for (const auto& v : versions_) {
    if (id >= v->info.first_record_id &&
        id - v->info.first_record_id < static_cast<uint64_t>(v->info.records)) {
      return v.get();
    }
  }
  auto v = std::make_unique<Version>();
  CUSTODY_ASSIGN_OR_RETURN(v->info, custody_.catalog().VersionOfRecord(id));
  if (v->info.shredded_at) {
    return FailedPreconditionError("record " + std::to_string(id) + ": dataset '" +
                                   v->info.dataset + "' was shredded");
  }
  CUSTODY_ASSIGN_OR_RETURN(v->segments, custody_.catalog().SegmentsOf(v->info.id));
  std::sort(v->segments.begin(), v->segments.end(),
            [](const auto& a, const auto& b) { return a.first_record_id < b.first_record_id; });
  CUSTODY_ASSIGN_OR_RETURN(
      v->key, custody_.vault().GetWrappedKey("dataset:" + std::to_string(v->info.dataset_id)));
  v->context = store::VersionContext(v->info.dataset_id, v->info.version);
  if (!v->info.text_fields.empty()) {
    auto j = nlohmann::json::parse(v->info.text_fields, nullptr, false);
    if (!j.is_array()) {
      return DataLossError("catalog: version " + std::to_string(v->info.id) +
                           ": text_fields: expected a JSON array, found " + v->info.text_fields);
    }
    for (const auto& f : j) {
      if (f.is_string()) v->fields.push_back(f.get<std::string>());
    }
  }
  versions_.push_back(std::move(v));
  return versions_.back().get();
}

Result<const store::SegmentContents*> VaultRecordTexts::Segment(const Version& v, uint64_t id) {
  auto it = std::upper_bound(v.segments.begin(), v.segments.end(), id,
                             [](uint64_t x, const store::SegmentInfo& s) {
                               return x < s.first_record_id;
                             });
  if (it == v.segments.begin()) return NotFoundError("record " + std::to_string(id) + ": no segment");
  const store::SegmentInfo& seg = *(it - 1);
  if (id - seg.first_record_id >= seg.count) {
    return NotFoundError("record " + std::to_string(id) + ": no segment");
  }
  for (auto c = cache_.begin(); c != cache_.end(); ++c) {
    if (c->version == &v && c->seq == seg.seq) {
      cache_.splice(cache_.begin(), cache_, c);
      return &cache_.front().contents;
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(auto contents, store::ReadSegment(custody_.env(),
                                                             custody_.VaultPath(seg.file), v.key,
                                                             v.context, seg.seq));
  ++segment_reads_;
  if (contents.first_record_id != seg.first_record_id || contents.records.size() != seg.count) {
    return DataLossError(seg.file + ": segment does not match the catalog (expected records " +
                         std::to_string(seg.first_record_id) + "+" + std::to_string(seg.count) +
                         ")");
  }
  if (cache_.size() >= max_segments_) cache_.pop_back();
  cache_.push_front({&v, seg.seq, std::move(contents)});
  return &cache_.front().contents;
}

Status VaultRecordTexts::Lookup(uint64_t id, std::vector<std::string>* fields) {
  CUSTODY_ASSIGN_OR_RETURN(const Version* v, VersionFor(id));
  CUSTODY_ASSIGN_OR_RETURN(const store::SegmentContents* seg, Segment(*v, id));
  format::ExtractTextFields(seg->records[id - seg->first_record_id], &extracted_);
  fields->clear();
  for (auto& f : extracted_) {
    if (TextFieldSelected(v->fields, f.name)) fields->push_back(std::move(f.value));
  }
  return OkStatus();
}

Status VaultRecordTexts::TextFields(uint64_t id, std::vector<std::string>* fields) {
  ++lookups_;
  Status s = Lookup(id, fields);
  if (!s.ok() && first_error_.ok()) first_error_ = s;
  return s;
}

}  // namespace custody::core
