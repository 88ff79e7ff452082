#include "custody/core/match/result_json.h"

#include "custody/format/json_writer.h"

namespace custody::core {

using format::AppendJsonDouble;
using format::AppendJsonText;
using format::AppendJsonUint;

void ResultJsonWriter::Append(const DumpRecordMatch& r, std::string* out) {
  if (r.source != source_) {
    source_ = r.source;
    // "FILE: as a JSON string without its closing quote.
    escaped_.clear();
    AppendJsonText(source_ + ":", &escaped_);
    escaped_.pop_back();
  }
  out->append("{\"source\":");
  out->append(escaped_);
  AppendJsonUint(r.line, out);
  out->append("\",\"match\":");
  if (!r.match) {
    out->append("null}");
    return;
  }
  if (r.version->dataset != dataset_) {
    dataset_ = r.version->dataset;
    dataset_json_.clear();
    AppendJsonText(dataset_, &dataset_json_);
  }
  out->append("{\"containment\":");
  AppendJsonDouble(r.match->containment, out);
  out->append(",\"dataset\":");
  out->append(dataset_json_);
  out->append(",\"kind\":\"");
  out->append(sketch::MatchKindName(r.match->kind));
  out->append("\",\"record_id\":");
  AppendJsonUint(r.match->record_id, out);
  out->append(",\"similarity\":");
  AppendJsonDouble(r.match->similarity, out);
  out->append(r.unverified ? ",\"verified\":false,\"version\":" : ",\"verified\":true,\"version\":");
  AppendJsonUint(static_cast<uint64_t>(r.version->version), out);
  out->append("}}");
}

}  // namespace custody::core
