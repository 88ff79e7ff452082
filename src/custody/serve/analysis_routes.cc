// The analysis routes of custody serve (docs/api.md, "Match, trace,
// incidents and audit"): POST /v1/match and /v1/trace over a dump sent as
// the body, the incidents (one in full, open, note, close, update, contain,
// the breach-impact report) and the partner audit report. Each answers what
// its CLI command prints or writes (core::MatchSummaryToJson, core::ToJson of
// a trace report, core::IncidentToJson, core::ContainStepToJson,
// core::RenderIncidentReport, core::audit::PartnerReportJson).
//
// A dump is held in an anonymous memory file (memfd) while it is scanned:
// the leaked text never touches a disk, and the file is gone when the
// request ends, whatever happens.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "custody/core/audit/partner_report.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/match/match_json.h"
#include "custody/core/response/containment.h"
#include "custody/core/response/incident_report.h"
#include "custody/core/trace/incident.h"
#include "custody/core/trace/incident_json.h"
#include "custody/core/trace/trace.h"
#include "custody/core/trace/trace_report.h"
#include "custody/format/formats.h"
#include "custody/serve/internal/json_body.h"
#include "custody/serve/internal/route_host.h"

namespace custody::serve::internal {
namespace {

// The request body as a file the scanners can open by path.
// Thread-safety: one request's.
class MemoryDump {
 public:
  // kInvalidArgument for an empty body; kInternal if no memory file can be made.
  static Result<std::unique_ptr<MemoryDump>> Create(const std::string& name, std::string_view bytes) {
    if (bytes.empty()) return InvalidArgumentError("body: expected the dump's bytes, found an empty body");
    const int fd = ::memfd_create("custody-dump", MFD_CLOEXEC);
    if (fd < 0) return InternalError(std::string("memfd_create: ") + std::strerror(errno));
    std::unique_ptr<MemoryDump> d(new MemoryDump(fd, name));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return InternalError(std::string("writing the dump to memory: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    return d;
  }
  ~MemoryDump() { ::close(fd_); }
  MemoryDump(const MemoryDump&) = delete;
  MemoryDump& operator=(const MemoryDump&) = delete;

  // The path the scanners open.
  const std::string& path() const { return path_; }
  // `place` ("PATH:LINE" or "PATH") with PATH replaced by the dump's name.
  std::string Rename(const std::string& place) const {
    if (place.rfind(path_, 0) == 0) return name_ + place.substr(path_.size());
    return place;
  }
  void RenameAll(std::vector<std::string>* places) const {
    for (auto& p : *places) p = Rename(p);
  }

 private:
  MemoryDump(int fd, std::string name)
      : fd_(fd), path_("/proc/self/fd/" + std::to_string(fd)), name_(std::move(name)) {}
  int fd_;
  std::string path_;
  std::string name_;
};

// ?name= (how the dump's places are named: "NAME:LINE"; default "dump") and
// ?format= (as `custody match --format`; default auto).
struct DumpParams {
  std::string name = "dump";
  format::InputFormat format = format::InputFormat::kAuto;
};

Result<DumpParams> DumpParamsOf(const httplib::Request& req) {
  DumpParams p;
  if (req.has_param("name")) {
    p.name = req.get_param_value("name");
    bool ok = !p.name.empty() && p.name.size() <= 64;
    for (char ch : p.name) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-');
    }
    if (!ok) {
      return InvalidArgumentError("name: expected 1 to 64 of [A-Za-z0-9._-], found " + Found(p.name));
    }
  }
  if (req.has_param("format")) {
    auto f = format::ParseInputFormat(req.get_param_value("format"));
    if (!f.ok()) return f.status().WithPrefix("format");
    p.format = *f;
  }
  return p;
}

// The reports of the traces this server ran, by their log index, so an
// incident can be opened from a trace's log index alone (the newest
// kKept; older ones are given as the report itself).
class TraceReports {
 public:
  static constexpr size_t kKept = 16;
  void Keep(const core::TraceReport& r) {
    std::lock_guard<std::mutex> lock(mu_);
    reports_.push_back(r);
    if (reports_.size() > kKept) reports_.pop_front();
  }
  std::optional<core::TraceReport> Find(uint64_t log_index) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : reports_) {
      if (r.log_index == log_index) return r;
    }
    return std::nullopt;
  }

 private:
  std::mutex mu_;
  std::deque<core::TraceReport> reports_;
};

Result<IncidentId> IncidentOf(const httplib::Request& req) {
  return IncidentId(std::stoll(req.matches[1].str()));
}

// The body of a note or a closing: {FIELD: "text"}.
Result<std::string> EntryText(const httplib::Request& req, const char* field) {
  CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields({field}));
  return body.String(field, true);
}

// The body of an update: {aware_at?, material_at?, contained_at?,
// notified?: {NOTICE: time}}, times as `custody incident update` takes them.
// kInvalidArgument naming the field, or if nothing is set.
Result<core::IncidentClocks> ClocksOf(const httplib::Request& req) {
  CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"aware_at", "material_at", "contained_at", "notified"}));
  core::IncidentClocks c;
  CUSTODY_ASSIGN_OR_RETURN(c.aware_at, body.TimeField("aware_at", false));
  CUSTODY_ASSIGN_OR_RETURN(c.material_at, body.TimeField("material_at", false));
  CUSTODY_ASSIGN_OR_RETURN(c.contained_at, body.TimeField("contained_at", false));
  CUSTODY_ASSIGN_OR_RETURN(c.notified, body.TimesByName("notified"));
  if (!c.aware_at && !c.material_at && !c.contained_at && c.notified.empty()) {
    return InvalidArgumentError("body: expected at least one of aware_at, material_at, contained_at, notified; "
                                "found none");
  }
  return c;
}

// The body of a containment: {members?: [name], suspend_partner?: bool,
// shred_dataset?: name}, as `custody incident contain`'s options.
Result<core::ContainOptions> ContainOptionsOf(const httplib::Request& req) {
  CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
  CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"members", "suspend_partner", "shred_dataset"}));
  core::ContainOptions o;
  CUSTODY_ASSIGN_OR_RETURN(o.members, body.Strings("members"));
  for (size_t i = 0; i < o.members.size(); ++i) {
    if (o.members[i].empty()) {
      return InvalidArgumentError("members[" + std::to_string(i) + "]: expected a member name, found \"\"");
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(o.suspend_partner, body.Bool("suspend_partner"));
  CUSTODY_ASSIGN_OR_RETURN(o.shred_dataset, body.String("shred_dataset", false));
  return o;
}

// ?format= of a report: json (the default), md or html.
Result<core::IncidentReportFormat> ReportFormatOf(const httplib::Request& req) {
  if (!req.has_param("format")) return core::IncidentReportFormat::kJson;
  auto f = core::ParseIncidentReportFormat(req.get_param_value("format"));
  if (!f.ok()) return f.status().WithPrefix("format");
  return *f;
}

Reply RawJson(std::string body, int status = 200) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void RegisterAnalysisRoutes(RouteHost& host) {
  RouteHost* h = &host;
  // Shared by the trace and incident handlers (httplib copies handlers, so
  // the state they share cannot live in one of them).
  auto reports = std::make_shared<TraceReports>();

  host.RegisterLocked("POST /v1/match", "/v1/match", [h](auto& req, auto&, auto&) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(DumpParams params, DumpParamsOf(req));
    CUSTODY_ASSIGN_OR_RETURN(auto dump, MemoryDump::Create(params.name, req.body));
    core::MatchOptions options;
    options.dumps = {dump->path()};
    options.scan.format = params.format;
    std::string results;
    core::MatchResultWriter writer;
    options.on_record = [&](const core::DumpRecordMatch& r) -> Status {
      core::DumpRecordMatch named = r;
      named.source = params.name;
      if (!results.empty()) results.push_back(',');
      writer.Append(named, &results);
      return OkStatus();
    };
    CUSTODY_ASSIGN_OR_RETURN(core::MatchSummary s, core::MatchDumps(h->vault(), options));
    for (auto& b : s.best) b.where = dump->Rename(b.where);
    for (auto& p : s.scan.problems) p.source = dump->Rename(p.source);
    dump->RenameAll(&s.scan.empty_dumps);
    dump->RenameAll(&s.unmatched_sample);
    std::string body = Dump(core::MatchSummaryToJson(s));
    body.pop_back();  // the closing brace: the results follow
    body += ",\"results\":[" + results + "]}";
    return RawJson(std::move(body));
  });

  host.RegisterLocked("POST /v1/trace", "/v1/trace", [h, reports](auto& req, auto&, auto&) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(DumpParams params, DumpParamsOf(req));
    core::TraceOptions options;
    if (req.has_param("alpha")) {
      const std::string a = req.get_param_value("alpha");
      char* end = nullptr;
      options.alpha = std::strtod(a.c_str(), &end);
      if (a.empty() || end != a.c_str() + a.size() || !(options.alpha > 0 && options.alpha < 1)) {
        return InvalidArgumentError("alpha: expected a number in (0, 1), found " + Found(a));
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto dump, MemoryDump::Create(params.name, req.body));
    options.dumps = {dump->path()};
    options.format = params.format;
    CUSTODY_ASSIGN_OR_RETURN(core::TraceReport r, core::Trace(h->vault(), options));
    dump->RenameAll(&r.dumps);
    dump->RenameAll(&r.unmatched_sources);
    dump->RenameAll(&r.empty_dumps);
    for (auto& p : r.problems) p.source = dump->Rename(p.source);
    for (auto& c : r.compromised) c.source = dump->Rename(c.source);
    for (auto& c : r.canaries_found) c.source = dump->Rename(c.source);
    reports->Keep(r);
    return RawJson(core::ToJson(r));
  });

  host.RegisterLocked("GET /v1/incidents/{id}", "/v1/incidents/(\\d{1,18})",
                      [h](auto& req, auto&, auto&) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::Incident i, core::GetIncident(h->vault(), id));
                        return JsonReply(core::IncidentToJson(i, true));
                      });

  host.RegisterLocked("POST /v1/incidents", "/v1/incidents",
                      [h, reports](auto& req, auto&, auto& request_id) -> Result<Reply> {
    CUSTODY_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.body));
    CUSTODY_RETURN_IF_ERROR(body.OnlyFields({"title", "trace_log_index", "trace"}));
    CUSTODY_ASSIGN_OR_RETURN(std::string title, body.String("title", false));
    const bool has_report = body.json().contains("trace");
    const bool has_index = body.json().contains("trace_log_index");
    if (has_report == has_index) {
      return InvalidArgumentError("trace_log_index, trace: expected exactly one (the log index of a trace this "
                                  "server ran, or the trace report), found " +
                                  std::string(has_report ? "both" : "neither"));
    }
    core::TraceReport report;
    if (has_index) {
      const auto& v = body.json().at("trace_log_index");
      if (!v.is_number_unsigned()) {
        return InvalidArgumentError("trace_log_index: expected a log index, found " + Found(v));
      }
      auto kept = reports->Find(v.get<uint64_t>());
      if (!kept) {
        return NotFoundError("trace_log_index: no trace at log entry " + std::to_string(v.get<uint64_t>()) +
                             " among the last " + std::to_string(TraceReports::kKept) +
                             " this server ran; give its report as \"trace\"");
      }
      report = std::move(*kept);
    } else {
      const auto& v = body.json().at("trace");
      if (!v.is_object()) return InvalidArgumentError("trace: expected a trace report object, found " + Found(v));
      auto parsed = core::TraceReportFromJson(Dump(v));
      if (!parsed.ok()) return parsed.status().WithPrefix("trace");
      report = std::move(*parsed);
    }
    // OpenIncident checks the report against its trace's log entry. A report
    // that does not match it is the caller's bad input here (the CLI reads
    // it as a file), not damage to the vault: 400 with what differs.
    auto opened = core::OpenIncident(h->vault(), report, title);
    if (!opened.ok() && opened.status().code() == StatusCode::kDataLoss &&
        opened.status().message().rfind("trace report: ", 0) == 0) {
      return InvalidArgumentError(opened.status().message());
    }
    CUSTODY_ASSIGN_OR_RETURN(core::Incident i, std::move(opened));
    Json j = core::IncidentToJson(i, false);
    j["request_id"] = request_id;
    return JsonReply(j, 201);
  });

  host.RegisterLocked("POST /v1/incidents/{id}/notes", "/v1/incidents/(\\d{1,18})/notes",
                      [h](auto& req, auto&, auto& request_id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(std::string text, EntryText(req, "text"));
                        CUSTODY_ASSIGN_OR_RETURN(auto e, core::AddIncidentNote(h->vault(), id, text));
                        Json j = core::IncidentEntryToJson(e);
                        j["incident"] = id;
                        j["request_id"] = request_id;
                        return JsonReply(j, 201);
                      });
  host.RegisterLocked("POST /v1/incidents/{id}/close", "/v1/incidents/(\\d{1,18})/close",
                      [h](auto& req, auto&, auto& request_id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(std::string text, EntryText(req, "resolution"));
                        CUSTODY_ASSIGN_OR_RETURN(auto e, core::CloseIncident(h->vault(), id, text));
                        Json j = core::IncidentEntryToJson(e);
                        j["incident"] = id;
                        j["request_id"] = request_id;
                        return JsonReply(j);
                      });

  host.RegisterLocked("POST /v1/incidents/{id}/update", "/v1/incidents/(\\d{1,18})/update",
                      [h](auto& req, auto&, auto& request_id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::IncidentClocks clocks, ClocksOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(auto u, core::UpdateIncident(h->vault(), id, clocks));
                        CUSTODY_ASSIGN_OR_RETURN(core::Incident i, core::GetIncident(h->vault(), id));
                        Json j = core::IncidentToJson(i, false);
                        j["update"] = {{"id", u.id},
                                       {"set", core::IncidentClocksToJson(u.clocks)},
                                       {"log_index", u.log_index}};
                        j["request_id"] = request_id;
                        return JsonReply(j);
                      });
  // No confirmation here: the request is the admin's decision (the CLI asks
  // because a command line is easily mistyped). Each step is its own
  // logged event under the admin's token and the request.
  host.RegisterLocked("POST /v1/incidents/{id}/contain", "/v1/incidents/(\\d{1,18})/contain",
                      [h](auto& req, auto&, auto& request_id) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::ContainOptions options, ContainOptionsOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(auto steps, core::ContainIncident(h->vault(), id, options));
                        Json arr = Json::array();
                        for (const auto& s : steps) arr.push_back(core::ContainStepToJson(s));
                        return JsonReply({{"incident", id}, {"steps", arr}, {"request_id", request_id}});
                      });
  // Reading only (BuildIncidentReport logs nothing), so auditors may.
  host.RegisterLocked("GET /v1/incidents/{id}/report", "/v1/incidents/(\\d{1,18})/report",
                      [h](auto& req, auto&, auto&) -> Result<Reply> {
                        CUSTODY_ASSIGN_OR_RETURN(IncidentId id, IncidentOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(core::IncidentReportFormat format, ReportFormatOf(req));
                        CUSTODY_ASSIGN_OR_RETURN(
                            Json report, core::BuildIncidentReport(h->vault(), id, h->vault().clock()->Now()));
                        Reply r;
                        r.body = core::RenderIncidentReport(report, format);
                        r.headers["X-Content-Type-Options"] = "nosniff";
                        if (format == core::IncidentReportFormat::kMarkdown) {
                          r.content_type = "text/markdown; charset=utf-8";
                        } else if (format == core::IncidentReportFormat::kHtml) {
                          r.content_type = "text/html; charset=utf-8";
                          // The page is self-contained: inline CSS and SVG, no scripts.
                          r.headers["Content-Security-Policy"] =
                              "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
                        }
                        return r;
                      });

  host.RegisterLocked("GET /v1/audit", "/v1/audit", [h](auto& req, auto&, auto&) -> Result<Reply> {
    if (!req.has_param("partner") || req.get_param_value("partner").empty()) {
      return InvalidArgumentError("partner: expected a partner name, found nothing (it is required)");
    }
    auto report = core::audit::PartnerReportJson(h->vault(), req.get_param_value("partner"),
                                                 h->vault().clock()->Now());
    if (!report.ok()) return report.status().WithPrefix("partner");
    return JsonReply(*report);
  });
}

}  // namespace custody::serve::internal
