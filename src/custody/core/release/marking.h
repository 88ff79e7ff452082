// RecordMarker: applies a member's variant marks to a canonical JSON record,
// on the text fields the dataset version indexes for matching (the version's
// text_fields; all string fields when empty), so the slots a trace reads from
// a dump are the slots written here. Everything outside those slots — other
// fields, numbers, <<...>> annotations — is copied byte for byte.
// Thread-safety: one instance per thread (it reuses scratch buffers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/ids.h"
#include "custody/core/release/json_fields.h"
#include "custody/format/record.h"
#include "custody/mark/mark.h"

namespace custody::core {

class RecordMarker {
 public:
  // `marker` must outlive this object. `index_fields` as in
  // DatasetVersionInfo::text_fields (empty: every string field).
  RecordMarker(const mark::Marker* marker, std::vector<std::string> index_fields)
      : marker_(marker), index_fields_(std::move(index_fields)) {}

  // Replaces `*out` with member `member_id`'s copy of `canonical`, marked as
  // record `record_id`; returns the number of slots written. Walks the record
  // once: values without escapes are marked where they lie, and only the
  // marked fields are decoded and re-escaped.
  uint32_t Apply(RecordId record_id, MemberId member_id, std::string_view canonical,
                 std::string* out);

  // The same, the plain way: MarkedFields, Marker::Mark, ReplaceStringValues.
  // The reference Apply is tested against.
  uint32_t ApplyReference(RecordId record_id, MemberId member_id, std::string_view canonical,
                          std::string* out);

  // The marked text fields of `canonical`: their ordinal among the record's
  // string values and their values.
  void MarkedFields(std::string_view canonical, std::vector<size_t>* indices,
                    std::vector<mark::TextField>* fields);

 private:
  const mark::Marker* marker_;
  std::vector<std::string> index_fields_;
  std::vector<format::TextField> all_;
  std::vector<size_t> indices_;
  std::vector<mark::TextField> fields_;
  // Apply's scratch, reused across records.
  std::string paths_;
  std::vector<StringValueSpan> spans_;
  std::vector<const StringValueSpan*> selected_;
  std::vector<std::string> decoded_;
  std::vector<int32_t> decoded_at_;  // per selected value: index in decoded_, or -1
  mark::MarkedRecord marked_;
};

}  // namespace custody::core
