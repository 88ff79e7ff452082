#include "custody/core/match/match_json.h"

#include "custody/format/json_writer.h"

namespace custody::core {

using format::AppendJsonDouble;
using format::AppendJsonText;
using format::AppendJsonUint;

nlohmann::json MatchSummaryToJson(const MatchSummary& s) {
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : s.scan.problems) {
    bad.push_back({{"source", b.source},
                   {"line", b.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(b.line)},
                   {"error", b.error}});
  }
  nlohmann::json best = nlohmann::json::array();
  for (const auto& b : s.best) {
    best.push_back({{"source", b.where}, {"record_id", b.record_id}, {"dataset", b.dataset},
                    {"version", b.version}, {"kind", sketch::MatchKindName(b.kind)},
                    {"similarity", b.similarity}, {"verified", !b.unverified}});
  }
  return {{"dump_records", s.scan.dump_records},
          {"matched", s.matched},
          {"unmatched", s.unmatched()},
          {"unverified", s.unverified},
          {"distinct_records", s.distinct_records},
          {"by_dataset", s.by_dataset},
          {"by_kind", s.by_kind},
          {"top", best},
          {"skipped", s.scan.skipped},
          {"bad_records", bad},
          {"empty_dumps", s.scan.empty_dumps},
          {"threads", s.threads}};
}

void MatchResultWriter::Append(const DumpRecordMatch& r, std::string* out) {
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
