#include "custody/core/release/marking.h"

#include "custody/core/ingest/ingest.h"
#include "custody/core/release/json_fields.h"

namespace custody::core {

void RecordMarker::MarkedFields(std::string_view canonical, std::vector<size_t>* indices,
                                std::vector<mark::TextField>* fields) {
  format::ExtractTextFields(canonical, &all_);
  indices->clear();
  fields->clear();
  for (size_t i = 0; i < all_.size(); ++i) {
    bool selected = index_fields_.empty();
    for (const auto& f : index_fields_) {
      if (FieldUnder(all_[i].name, f)) {
        selected = true;
        break;
      }
    }
    if (!selected) continue;
    indices->push_back(i);
    fields->push_back({all_[i].name, all_[i].value});
  }
}

uint32_t RecordMarker::Apply(uint64_t record_id, uint64_t member_id, std::string_view canonical,
                             std::string* out) {
  MarkedFields(canonical, &indices_, &fields_);
  out->clear();
  if (indices_.empty()) {
    out->append(canonical);
    return 0;
  }
  mark::MarkedRecord m = marker_->Mark(record_id, member_id, fields_);
  ReplaceStringValues(canonical, indices_, m.values, out);
  return m.slots;
}

}  // namespace custody::core
