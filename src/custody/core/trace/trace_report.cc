#include "custody/core/trace/trace_report.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "custody/base/clock.h"
#include "custody/format/json_writer.h"

namespace custody::core {

double PValue(double log10_p) { return log10_p < -320 ? 0.0 : std::pow(10.0, log10_p); }

namespace {

using format::AppendJsonBool;
using format::AppendJsonDouble;
using format::AppendJsonInt;
using format::AppendJsonText;
using format::AppendJsonUint;

// ---- Writing ----------------------------------------------------------------
// Objects are written with their keys in byte order, as a JSON tree of
// std::map writes them.

// Writes `,"key":` (no comma before the first key of an object).
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(key);
    out_->append("\":");
    return out_;
  }
  void Close() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

template <typename T, typename Fn>
void AppendArray(const std::vector<T>& items, std::string* out, Fn&& append_one) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    append_one(items[i], out);
  }
  out->push_back(']');
}

void AppendTexts(const std::vector<std::string>& items, std::string* out) {
  AppendArray(items, out, [](const std::string& s, std::string* o) { AppendJsonText(s, o); });
}

void AppendIds(const std::vector<ReleaseId>& items, std::string* out) {
  AppendArray(items, out, [](ReleaseId v, std::string* o) {
    AppendJsonUint(static_cast<uint64_t>(v.value()), o);
  });
}

// Keys are data here (names), so they are escaped like any string.
void AppendCounts(const std::map<std::string, uint64_t>& counts, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [k, v] : counts) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonText(k, out);
    out->push_back(':');
    AppendJsonUint(v, out);
  }
  out->push_back('}');
}

void AppendCompromised(const CompromisedRecord& c, std::string* out) {
  ObjectWriter w(out);
  AppendJsonText(c.dataset, w.Key("dataset"));
  AppendTexts(c.held_by, w.Key("held_by"));
  AppendJsonText(c.kind, w.Key("kind"));
  AppendJsonUint(c.occurrences, w.Key("occurrences"));
  AppendJsonUint(c.record_id.value(), w.Key("record_id"));
  AppendIds(c.releases, w.Key("releases"));
  AppendJsonDouble(c.similarity, w.Key("similarity"));
  AppendJsonText(c.source, w.Key("source"));
  AppendJsonBool(!c.unverified, w.Key("verified"));
  AppendJsonInt(c.version, w.Key("version"));
  w.Close();
}

void AppendMember(const MemberFinding& m, std::string* out) {
  ObjectWriter w(out);
  AppendJsonBool(m.accused, w.Key("accused"));
  {
    ObjectWriter ev(w.Key("evidence"));
    {
      ObjectWriter c(ev.Key("canaries"));
      AppendJsonUint(m.canaries.deployed, c.Key("deployed"));
      AppendJsonUint(m.canaries.found, c.Key("found"));
      if (m.canaries.log10_p) {
        AppendJsonDouble(*m.canaries.log10_p, c.Key("log10_p"));
        AppendJsonDouble(PValue(*m.canaries.log10_p), c.Key("p_value"));
      }
      c.Close();
    }
    if (m.exposure) {
      const ExposureFinding& e = *m.exposure;
      ObjectWriter x(ev.Key("exposure"));
      AppendJsonUint(e.held, x.Key("held"));
      AppendJsonBool(e.informative, x.Key("informative"));
      AppendJsonUint(e.leaked_exclusive, x.Key("leaked_exclusive"));
      AppendJsonUint(e.leaked_held, x.Key("leaked_held"));
      AppendJsonDouble(e.log10_p, x.Key("log10_p"));
      AppendJsonDouble(PValue(e.log10_p), x.Key("p_value"));
      if (!e.informative) AppendJsonText(e.silent_because, x.Key("silent_because"));
      x.Close();
    }
    {
      ObjectWriter k(ev.Key("marks"));
      if (m.marks) {
        AppendJsonBool(m.marks->slots > 0, k.Key("informative"));
        AppendJsonDouble(m.marks->log10_p, k.Key("log10_p"));
        AppendJsonDouble(PValue(m.marks->log10_p), k.Key("p_value"));
        AppendJsonDouble(m.marks->score, k.Key("score"));
        AppendJsonUint(m.marks->slots, k.Key("slots"));
      } else {
        AppendJsonBool(false, k.Key("informative"));
        AppendJsonText("no readable slot in the leaked records this member held",
                       k.Key("silent_because"));
        AppendJsonUint(0, k.Key("slots"));
      }
      k.Close();
    }
    ev.Close();
  }
  AppendJsonInt(m.kinds_used, w.Key("kinds_used"));
  AppendJsonUint(m.leaked_held, w.Key("leaked_held"));
  AppendJsonDouble(m.log10_p_combined, w.Key("log10_p_combined"));
  AppendJsonDouble(m.log10_p_value, w.Key("log10_p_value"));
  AppendJsonText(m.member, w.Key("member"));
  AppendJsonUint(m.member_id.value(), w.Key("member_id"));
  AppendJsonDouble(PValue(m.log10_p_value), w.Key("p_value"));
  AppendJsonText(m.partner, w.Key("partner"));
  AppendJsonText(m.reason, w.Key("reason"));
  AppendJsonUint(m.records_held, w.Key("records_held"));
  AppendJsonText(m.accused ? "accused" : "not accused", w.Key("verdict"));
  w.Close();
}

// ---- Reading ----------------------------------------------------------------

using Json = nlohmann::json;

Status Wrong(const std::string& path, std::string_view expected) {
  return InvalidArgumentError("trace report: " + path + ": expected " + std::string(expected));
}

Status Read(const Json& v, const std::string& path, uint64_t* out) {
  if (!v.is_number_unsigned()) return Wrong(path, "a non-negative integer");
  *out = v.get<uint64_t>();
  return OkStatus();
}

Status Read(const Json& v, const std::string& path, int64_t* out) {
  if (!v.is_number_integer()) return Wrong(path, "an integer");
  // An unsigned value above INT64_MAX would wrap to a negative one.
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Wrong(path, "a 64-bit signed integer");
  }
  *out = v.get<int64_t>();
  return OkStatus();
}

Status Read(const Json& v, const std::string& path, int* out) {
  int64_t x = 0;
  CUSTODY_RETURN_IF_ERROR(Read(v, path, &x));
  if (x < INT32_MIN || x > INT32_MAX) return Wrong(path, "a 32-bit integer");
  *out = static_cast<int>(x);
  return OkStatus();
}

Status Read(const Json& v, const std::string& path, double* out) {
  if (!v.is_number()) return Wrong(path, "a number");
  *out = v.get<double>();
  return OkStatus();
}

Status Read(const Json& v, const std::string& path, bool* out) {
  if (!v.is_boolean()) return Wrong(path, "true or false");
  *out = v.get<bool>();
  return OkStatus();
}

Status Read(const Json& v, const std::string& path, std::string* out) {
  if (!v.is_string()) return Wrong(path, "a string");
  *out = v.get<std::string>();
  return OkStatus();
}

// A typed id: a non-negative integer, within its type's range.
template <typename Tag, typename Rep>
Status Read(const Json& v, const std::string& path, Id<Tag, Rep>* out) {
  uint64_t x = 0;
  CUSTODY_RETURN_IF_ERROR(Read(v, path, &x));
  if (x > static_cast<uint64_t>(std::numeric_limits<Rep>::max())) return Wrong(path, "an id");
  *out = Id<Tag, Rep>(static_cast<Rep>(x));
  return OkStatus();
}

template <typename T>
Status Read(const Json& v, const std::string& path, std::vector<T>* out);
Status Read(const Json& v, const std::string& p, CompromisedRecord* c);
Status Read(const Json& v, const std::string& p, CanaryHit* h);
Status Read(const Json& v, const std::string& p, LeakedRelease* r);
Status Read(const Json& v, const std::string& p, DumpProblem* d);
Status Read(const Json& v, const std::string& p, ExposureFinding* e);
Status Read(const Json& v, const std::string& p, MemberFinding* m);

Status Read(const Json& v, const std::string& path, std::map<std::string, uint64_t>* out) {
  if (!v.is_object()) return Wrong(path, "an object of counts");
  for (const auto& [k, c] : v.items()) CUSTODY_RETURN_IF_ERROR(Read(c, path + "." + k, &(*out)[k]));
  return OkStatus();
}

// `key` of object `obj`, read into `out`; missing is an error.
template <typename T>
Status Field(const Json& obj, const std::string& path, const char* key, T* out) {
  const std::string p = path.empty() ? key : path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end()) return InvalidArgumentError("trace report: " + p + ": missing");
  return Read(*it, p, out);
}

// As Field, but a missing (or null) key leaves `out` unset.
template <typename T>
Status OptionalField(const Json& obj, const std::string& path, const char* key,
                     std::optional<T>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return OkStatus();
  T v{};
  CUSTODY_RETURN_IF_ERROR(Read(*it, path + "." + key, &v));
  *out = std::move(v);
  return OkStatus();
}

Status Object(const Json& v, const std::string& path) {
  return v.is_object() ? OkStatus() : Wrong(path, "an object");
}

Status Read(const Json& v, const std::string& p, CompromisedRecord* c) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  bool verified = true;
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "record_id", &c->record_id));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "dataset", &c->dataset));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "version", &c->version));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "kind", &c->kind));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "similarity", &c->similarity));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "verified", &verified));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "source", &c->source));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "occurrences", &c->occurrences));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "releases", &c->releases));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "held_by", &c->held_by));
  c->unverified = !verified;
  return OkStatus();
}

Status Read(const Json& v, const std::string& p, CanaryHit* h) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "canary", &h->canary_id));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "member", &h->member));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "partner", &h->partner));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "release", &h->release_id));
  return Field(v, p, "source", &h->source);
}

Status Read(const Json& v, const std::string& p, LeakedRelease* r) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  std::string created;
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "release", &r->release_id));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "records", &r->records));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "member", &r->member));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "partner", &r->partner));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "dataset", &r->dataset));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "released_records", &r->released_records));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "created_at", &created));
  auto t = ParseTime(created);
  if (!t.ok()) return Wrong(p + ".created_at", "a time (YYYY-MM-DDTHH:MM:SSZ)");
  r->created_at = *t;
  return OkStatus();
}

Status Read(const Json& v, const std::string& p, DumpProblem* d) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  std::optional<uint64_t> line;
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "source", &d->source));
  CUSTODY_RETURN_IF_ERROR(OptionalField(v, p, "line", &line));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "error", &d->error));
  d->line = line.value_or(0);
  return OkStatus();
}

Status Read(const Json& v, const std::string& p, ExposureFinding* e) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "informative", &e->informative));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "leaked_held", &e->leaked_held));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "leaked_exclusive", &e->leaked_exclusive));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "held", &e->held));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "log10_p", &e->log10_p));
  if (!e->informative) CUSTODY_RETURN_IF_ERROR(Field(v, p, "silent_because", &e->silent_because));
  return OkStatus();
}

Status Read(const Json& v, const std::string& p, MemberFinding* m) {
  CUSTODY_RETURN_IF_ERROR(Object(v, p));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "member", &m->member));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "member_id", &m->member_id));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "partner", &m->partner));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "records_held", &m->records_held));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "leaked_held", &m->leaked_held));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "kinds_used", &m->kinds_used));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "log10_p_combined", &m->log10_p_combined));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "log10_p_value", &m->log10_p_value));
  CUSTODY_RETURN_IF_ERROR(Field(v, p, "accused", &m->accused));
  std::optional<std::string> reason;
  CUSTODY_RETURN_IF_ERROR(OptionalField(v, p, "reason", &reason));
  m->reason = reason.value_or("");
  const std::string ep = p + ".evidence";
  auto ev = v.find("evidence");
  if (ev == v.end()) return InvalidArgumentError("trace report: " + ep + ": missing");
  CUSTODY_RETURN_IF_ERROR(Object(*ev, ep));
  CUSTODY_RETURN_IF_ERROR(OptionalField(*ev, ep, "exposure", &m->exposure));
  auto marks = ev->find("marks");
  if (marks == ev->end()) return InvalidArgumentError("trace report: " + ep + ".marks: missing");
  CUSTODY_RETURN_IF_ERROR(Object(*marks, ep + ".marks"));
  if (marks->contains("score")) {
    MarksFinding k;
    CUSTODY_RETURN_IF_ERROR(Field(*marks, ep + ".marks", "slots", &k.slots));
    CUSTODY_RETURN_IF_ERROR(Field(*marks, ep + ".marks", "score", &k.score));
    CUSTODY_RETURN_IF_ERROR(Field(*marks, ep + ".marks", "log10_p", &k.log10_p));
    m->marks = k;
  }
  auto can = ev->find("canaries");
  if (can == ev->end()) return InvalidArgumentError("trace report: " + ep + ".canaries: missing");
  CUSTODY_RETURN_IF_ERROR(Object(*can, ep + ".canaries"));
  CUSTODY_RETURN_IF_ERROR(Field(*can, ep + ".canaries", "deployed", &m->canaries.deployed));
  CUSTODY_RETURN_IF_ERROR(Field(*can, ep + ".canaries", "found", &m->canaries.found));
  return OptionalField(*can, ep + ".canaries", "log10_p", &m->canaries.log10_p);
}

template <typename T>
Status Read(const Json& v, const std::string& path, std::vector<T>* out) {
  if (!v.is_array()) return Wrong(path, "an array");
  out->resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    CUSTODY_RETURN_IF_ERROR(Read(v[i], path + "[" + std::to_string(i) + "]", &(*out)[i]));
  }
  return OkStatus();
}

// Counts are written from the values read; the report is the struct.
Status ReadReport(const Json& j, TraceReport* r) {
  const std::string p;
  if (!j.is_object()) return InvalidArgumentError("trace report: expected a JSON object");
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "dumps", &r->dumps));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "dump_sha256", &r->dump_sha256));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "dump_records", &r->dump_records));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "matched", &r->matched));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "unmatched", &r->unmatched));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "unmatched_sources", &r->unmatched_sources));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "skipped", &r->skipped));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "problems", &r->problems));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "empty_dumps", &r->empty_dumps));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "compromised", &r->compromised));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "compromised_sha256", &r->compromised_sha256));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "by_dataset", &r->by_dataset));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "by_partner", &r->by_partner));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "by_member", &r->by_member));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "releases", &r->releases));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "canaries_found", &r->canaries_found));
  auto slots = j.find("slots");
  if (slots == j.end()) return InvalidArgumentError("trace report: slots: missing");
  CUSTODY_RETURN_IF_ERROR(Object(*slots, "slots"));
  CUSTODY_RETURN_IF_ERROR(Field(*slots, "slots", "readable", &r->readable_slots));
  CUSTODY_RETURN_IF_ERROR(Field(*slots, "slots", "erased", &r->erased_slots));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "members_tested", &r->members_tested));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "members", &r->members));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "accused", &r->accused));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "alpha", &r->alpha));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "decided", &r->decided));
  CUSTODY_RETURN_IF_ERROR(Field(j, p, "statement", &r->statement));
  if (!r->decided) {
    std::optional<std::string> why;
    CUSTODY_RETURN_IF_ERROR(OptionalField(j, p, "undecidable_reason", &why));
    r->undecidable_reason = why.value_or("");
  }
  std::optional<std::string> text;
  CUSTODY_RETURN_IF_ERROR(OptionalField(j, p, "created_at", &text));
  if (text) {
    auto t = ParseTime(*text);
    if (!t.ok()) return Wrong("created_at", "an RFC 3339 time");
    r->created_at = *t;
  }
  text.reset();
  CUSTODY_RETURN_IF_ERROR(OptionalField(j, p, "vault_id", &text));
  r->vault_id = text.value_or("");
  text.reset();
  CUSTODY_RETURN_IF_ERROR(OptionalField(j, p, "custody_version", &text));
  r->custody_version = text.value_or("");
  std::optional<bool> fits_no_copy;
  CUSTODY_RETURN_IF_ERROR(OptionalField(j, p, "fits_no_copy", &fits_no_copy));
  r->fits_no_copy = fits_no_copy.value_or(false);
  return OptionalField(j, p, "log_index", &r->log_index);
}

}  // namespace

std::string ToJson(const TraceReport& r) {
  std::string out;
  out.reserve(4096 + r.compromised.size() * 192);
  ObjectWriter w(&out);
  AppendTexts(r.accused, w.Key("accused"));
  {
    std::string* o = w.Key("accused_detail");
    o->push_back('[');
    bool first = true;
    for (const MemberFinding& m : r.members) {
      if (!m.accused) continue;
      if (!first) o->push_back(',');
      first = false;
      ObjectWriter a(o);
      AppendJsonDouble(m.log10_p_value, a.Key("log10_p_value"));
      AppendJsonText(m.member, a.Key("member"));
      AppendJsonDouble(PValue(m.log10_p_value), a.Key("p_value"));
      AppendJsonText(m.partner, a.Key("partner"));
      a.Close();
    }
    o->push_back(']');
  }
  AppendJsonDouble(r.alpha, w.Key("alpha"));
  AppendCounts(r.by_dataset, w.Key("by_dataset"));
  AppendCounts(r.by_member, w.Key("by_member"));
  AppendCounts(r.by_partner, w.Key("by_partner"));
  AppendArray(r.canaries_found, w.Key("canaries_found"), [](const CanaryHit& h, std::string* o) {
    ObjectWriter c(o);
    AppendJsonUint(h.canary_id.value(), c.Key("canary"));
    AppendJsonText(h.member, c.Key("member"));
    AppendJsonText(h.partner, c.Key("partner"));
    AppendJsonUint(h.release_id.value(), c.Key("release"));
    AppendJsonText(h.source, c.Key("source"));
    c.Close();
  });
  AppendArray(r.compromised, w.Key("compromised"), AppendCompromised);
  AppendJsonUint(r.compromised.size(), w.Key("compromised_count"));
  AppendJsonText(r.compromised_sha256, w.Key("compromised_sha256"));
  if (r.created_at) AppendJsonText(FormatRfc3339(*r.created_at), w.Key("created_at"));
  if (!r.custody_version.empty()) AppendJsonText(r.custody_version, w.Key("custody_version"));
  AppendJsonBool(r.decided, w.Key("decided"));
  AppendJsonUint(r.dump_records, w.Key("dump_records"));
  AppendJsonText(r.dump_sha256, w.Key("dump_sha256"));
  AppendTexts(r.dumps, w.Key("dumps"));
  AppendTexts(r.empty_dumps, w.Key("empty_dumps"));
  AppendJsonBool(r.fits_no_copy, w.Key("fits_no_copy"));
  if (r.log_index) {
    AppendJsonUint(*r.log_index, w.Key("log_index"));
  } else {
    w.Key("log_index")->append("null");
  }
  AppendJsonUint(r.matched, w.Key("matched"));
  AppendArray(r.members, w.Key("members"), AppendMember);
  AppendJsonUint(r.members_tested, w.Key("members_tested"));
  AppendArray(r.problems, w.Key("problems"), [](const DumpProblem& p, std::string* o) {
    ObjectWriter e(o);
    AppendJsonText(p.error, e.Key("error"));
    if (p.line > 0) {
      AppendJsonUint(p.line, e.Key("line"));
    } else {
      e.Key("line")->append("null");
    }
    AppendJsonText(p.source, e.Key("source"));
    e.Close();
  });
  AppendArray(r.releases, w.Key("releases"), [](const LeakedRelease& l, std::string* o) {
    ObjectWriter e(o);
    AppendJsonText(FormatRfc3339(l.created_at), e.Key("created_at"));
    AppendJsonText(l.dataset, e.Key("dataset"));
    AppendJsonText(l.member, e.Key("member"));
    AppendJsonText(l.partner, e.Key("partner"));
    AppendJsonUint(l.records, e.Key("records"));
    AppendJsonUint(l.release_id.value(), e.Key("release"));
    AppendJsonUint(l.released_records, e.Key("released_records"));
    e.Close();
  });
  AppendJsonUint(r.skipped, w.Key("skipped"));
  {
    ObjectWriter s(w.Key("slots"));
    AppendJsonUint(r.erased_slots, s.Key("erased"));
    AppendJsonUint(r.readable_slots, s.Key("readable"));
    s.Close();
  }
  AppendJsonText(r.statement, w.Key("statement"));
  if (!r.decided) AppendJsonText(r.undecidable_reason, w.Key("undecidable_reason"));
  AppendJsonUint(r.unmatched, w.Key("unmatched"));
  AppendTexts(r.unmatched_sources, w.Key("unmatched_sources"));
  if (!r.vault_id.empty()) AppendJsonText(r.vault_id, w.Key("vault_id"));
  w.Close();
  return out;
}

Result<TraceReport> TraceReportFromJson(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("trace report: expected a JSON object, found text that is not JSON");
  TraceReport r;
  CUSTODY_RETURN_IF_ERROR(ReadReport(j, &r));
  return r;
}

}  // namespace custody::core
