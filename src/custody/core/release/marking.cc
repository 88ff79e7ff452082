#include "custody/core/release/marking.h"

#include "custody/core/vault/record_fields.h"
#include "custody/core/release/json_fields.h"
#include "custody/format/json_escape.h"

namespace custody::core {

void RecordMarker::MarkedFields(std::string_view canonical, std::vector<size_t>* indices,
                                std::vector<mark::TextField>* fields) {
  format::ExtractTextFields(canonical, &all_);
  indices->clear();
  fields->clear();
  for (size_t i = 0; i < all_.size(); ++i) {
    if (!TextFieldSelected(index_fields_, all_[i].name)) continue;
    indices->push_back(i);
    fields->push_back({all_[i].name, all_[i].value});
  }
}

uint32_t RecordMarker::Apply(RecordId record_id, MemberId member_id, std::string_view canonical,
                             std::string* out) {
  StringValueSpans(canonical, &paths_, &spans_);
  selected_.clear();
  for (const StringValueSpan& v : spans_) {
    const std::string_view name(paths_.data() + v.path_begin, v.path_len);
    if (TextFieldSelected(index_fields_, name)) selected_.push_back(&v);
  }
  out->clear();
  if (selected_.empty()) {
    out->append(canonical);
    return 0;
  }
  // A body without a backslash is its own value; the others are decoded
  // (all of them first: the views below must not move).
  size_t decoded = 0;
  decoded_at_.clear();
  for (const StringValueSpan* v : selected_) {
    const std::string_view body = canonical.substr(v->begin, v->end - v->begin);
    if (body.find('\\') == std::string_view::npos) {
      decoded_at_.push_back(-1);
      continue;
    }
    if (decoded == decoded_.size()) decoded_.emplace_back();
    decoded_[decoded].clear();
    format::AppendJsonUnescaped(body, &decoded_[decoded]);
    decoded_at_.push_back(static_cast<int32_t>(decoded++));
  }
  fields_.clear();
  for (size_t i = 0; i < selected_.size(); ++i) {
    const StringValueSpan* v = selected_[i];
    const std::string_view name(paths_.data() + v->path_begin, v->path_len);
    if (decoded_at_[i] < 0) {
      fields_.push_back({name, canonical.substr(v->begin, v->end - v->begin)});
    } else {
      fields_.push_back({name, decoded_[decoded_at_[i]]});
    }
  }
  marker_->Mark(record_id, member_id, fields_, &marked_);
  size_t copied = 0;
  for (size_t i = 0; i < selected_.size(); ++i) {
    out->append(canonical.substr(copied, selected_[i]->begin - copied));
    format::AppendJsonEscaped(marked_.values[i], out);
    copied = selected_[i]->end;
  }
  out->append(canonical.substr(copied));
  return marked_.slots;
}

uint32_t RecordMarker::ApplyReference(RecordId record_id, MemberId member_id,
                                      std::string_view canonical, std::string* out) {
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
