// The partner report; see partner_report.h.
#include "custody/core/audit/partner_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "custody/base/env.h"
#include "custody/format/html.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/audit/risk.h"
#include "custody/core/audit/submissions.h"
#include "custody/core/parties/parties.h"

namespace custody::core::audit {
namespace {

std::string Esc(std::string_view s) { return format::HtmlEscape(s); }

std::string Md(std::string_view s) { return format::MarkdownCell(s); }

std::string Str(const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

std::string Pct(double x) { return fmt::format("{:.0f}%", x * 100); }

std::string JoinMappings(const nlohmann::json& m) {
  std::string out;
  for (const auto& [k, v] : m.items()) {
    std::string ids;
    for (const auto& id : v) ids += (ids.empty() ? "" : ", ") + id.get<std::string>();
    out += (out.empty() ? "" : "; ") + k + ": " + ids;
  }
  return out;
}

// A line chart of posture (0..1) over the history's submissions.
std::string PostureSvg(const nlohmann::json& history) {
  const int w = 560, h = 180, pad = 30;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"posture history\">",
      w, h);
  for (double band : {0.6, 0.7, 0.8, 0.9}) {
    const double y = h - pad - band * (h - 2 * pad);
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"2\" y=\"{:.1f}\" font-size=\"10\">{:.0f}%</text>",
                       pad, y, w - 10, y, y + 3, band * 100);
  }
  const size_t n = history.size();
  std::string points;
  for (size_t i = 0; i < n; ++i) {
    const double x = n == 1 ? w / 2.0 : pad + i * (w - pad - 20.0) / (n - 1);
    const double y = h - pad - history[i]["posture"].get<double>() * (h - 2 * pad);
    points += fmt::format("{:.1f},{:.1f} ", x, y);
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"#1f5fa8\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{}</text>"
                       "<text x=\"{:.1f}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                       x, y, x, y - 8, Esc(Str(history[i]["grade"])), x, h - 8,
                       Esc(Str(history[i]["submitted_at"]).substr(0, 10)));
  }
  if (n > 1) {
    svg += "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"" + points + "\"/>";
  }
  return svg + "</svg>";
}

// Horizontal bars of records held (and deleted) per dataset.
std::string HoldingsSvg(const nlohmann::json& holdings) {
  const int row = 26, w = 560, label = 140;
  const int h = static_cast<int>(holdings.size()) * row + 10;
  double max = 1;
  for (const auto& d : holdings) {
    max = std::max(max, d["records_held"].get<double>() + d["records_deleted"].get<double>());
  }
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"records held per dataset\">",
      w, h);
  for (size_t i = 0; i < holdings.size(); ++i) {
    const auto& d = holdings[i];
    const double held = d["records_held"].get<double>(), del = d["records_deleted"].get<double>();
    const double span = w - label - 80;
    const double y = 5 + i * row;
    const double hw = held / max * span, dw = del / max * span;
    svg += fmt::format(
        "<text x=\"0\" y=\"{:.0f}\" font-size=\"11\">{} ({})</text>"
        "<rect x=\"{}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"16\" fill=\"#c0392b\"/>"
        "<rect x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"16\" fill=\"#9bc29b\"/>"
        "<text x=\"{:.1f}\" y=\"{:.0f}\" font-size=\"11\">{} held</text>",
        y + 12, Esc(Str(d["dataset"])), Esc(Str(d["sensitivity"])), label, y, hw, label + hw, y,
        dw, label + hw + dw + 4, y + 12, static_cast<uint64_t>(held));
  }
  return svg + "</svg>";
}

}  // namespace

Result<ReportFormat> ParseReportFormat(std::string_view word) {
  if (word == "json") return ReportFormat::kJson;
  if (word == "md") return ReportFormat::kMarkdown;
  if (word == "html") return ReportFormat::kHtml;
  return InvalidArgumentError("format: expected html, md or json, found '" + std::string(word) + "'");
}

Result<nlohmann::json> PartnerReportJson(Custody& c, const std::string& partner, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
  CUSTODY_ASSIGN_OR_RETURN(auto history, AuditHistory(c, p.name));
  CUSTODY_ASSIGN_OR_RETURN(PartnerObligations o, ObligationsOf(c, p.name, now));
  CUSTODY_ASSIGN_OR_RETURN(auto certs, ListAttestations(c, p.name));
  std::optional<char> grade;
  if (!history.empty()) grade = history.back().posture.grade;
  const PartnerRisk risk = RiskOf(o, grade);

  nlohmann::json hist = nlohmann::json::array();
  for (const auto& s : history) {
    hist.push_back({{"submission_id", s.id}, {"submitted_at", FormatRfc3339(s.created_at)},
                    {"posture", s.posture.posture}, {"grade", std::string(1, s.posture.grade)},
                    {"knockout_failed", s.posture.knockout_failed},
                    {"gaps", s.posture.Gaps().size()}, {"evidence_files", s.evidence.size()},
                    {"log_index", s.log_index ? nlohmann::json(*s.log_index) : nlohmann::json()}});
  }
  nlohmann::json posture;
  if (!history.empty()) {
    posture = PostureToJson(history.back().posture);
    posture["submitted_at"] = FormatRfc3339(history.back().created_at);
    posture["control_set"] = history.back().control_set;
  }
  struct PerDataset {
    std::string sensitivity;
    uint64_t held = 0, deleted = 0, releases = 0, encrypted = 0;
    std::set<std::string> members;
  };
  std::map<std::string, PerDataset> by;
  nlohmann::json overdue = nlohmann::json::array();
  for (const Holding& h : o.holdings) {
    auto& d = by[h.dataset];
    d.sensitivity = std::string(store::SensitivityName(h.sensitivity));
    ++d.releases;
    if (h.deleted) {
      d.deleted += h.records;
    } else {
      d.held += h.records;
      if (h.encrypted) d.encrypted += h.records;
      d.members.insert(h.member);
    }
    if (h.overdue_days > 0) {
      overdue.push_back({{"release_id", h.release_id}, {"grant_id", h.grant_id},
                         {"member", h.member}, {"dataset", h.dataset}, {"records", h.records},
                         {"due_at", FormatRfc3339(*h.due_at)}, {"days_overdue", h.overdue_days}});
    }
  }
  nlohmann::json holdings = nlohmann::json::array();
  for (const auto& [name, d] : by) {
    holdings.push_back({{"dataset", name}, {"sensitivity", d.sensitivity},
                        {"releases", d.releases}, {"records_held", d.held},
                        {"records_encrypted", d.encrypted}, {"records_deleted", d.deleted},
                        {"members", d.members.size()}});
  }
  nlohmann::json cj = nlohmann::json::array();
  for (const auto& a : certs) {
    cj.push_back({{"id", a.id}, {"recorded_at", FormatRfc3339(a.created_at)},
                  {"release_id", a.release_id.valid() ? nlohmann::json(a.release_id) : nlohmann::json()},
                  {"grant_id", a.grant_id.valid() ? nlohmann::json(a.grant_id) : nlohmann::json()},
                  {"file", a.file_name}, {"sha256", a.sha256}});
  }
  return nlohmann::json{{"partner", p.name},
                        {"status", std::string(store::PartnerStatusName(p.status))},
                        {"contract", p.contract},
                        {"generated_at", FormatRfc3339(now)},
                        {"posture", posture},
                        {"history", hist},
                        {"holdings", holdings},
                        {"overdue", overdue},
                        {"certificates", cj},
                        {"risk", RiskToJson(risk)}};
}

std::string RenderMarkdown(const nlohmann::json& r) {
  std::string md = "# Partner audit: " + Md(Str(r["partner"])) + "\n\n";
  md += "Status: " + Str(r["status"]) + ". Generated " + Str(r["generated_at"]) + ".\n\n## Posture\n\n";
  const auto& p = r["posture"];
  if (p.is_null()) {
    md += "Never audited (likelihood taken as the no-audit default).\n\n";
  } else {
    md += fmt::format("Grade **{}**, posture {} (questionnaire {}){}; submitted {}.\n\n", Str(p["grade"]),
                      Pct(p["posture"]), Pct(p["questionnaire"]),
                      p["knockout_failed"].get<bool>() ? ", a knockout control failed" : "",
                      Str(p["submitted_at"]));
    md += "## Gaps\n\n| control | question | reason | knockout | mapped to |\n|---|---|---|---|---|\n";
    for (const auto& g : p["gaps"]) {
      md += "| " + Str(g["id"]) + " | " + Md(Str(g["question"])) + " | " + Md(Str(g["reason"])) +
            " | " + (g["knockout_failed"].get<bool>() ? "FAILED" : (g["knockout"].get<bool>() ? "yes" : "")) +
            " | " + Md(JoinMappings(g["mappings"])) + " |\n";
    }
    md += "\n";
  }
  const auto& k = r["risk"];
  md += fmt::format("## Risk\n\nRisk {:.1f} = likelihood {:.2f} x exposure {:.1f} (weighted records).\n\n",
                    k["risk"].get<double>(), k["likelihood"].get<double>(), k["exposure"].get<double>());
  md += "| component | value | weighted | action |\n|---|---:|---:|---|\n";
  for (const auto& c : k["components"]) {
    md += fmt::format("| {} | {:g} | {:.2f} | {} |\n", Str(c["name"]), c["value"].get<double>(),
                      c["weighted"].get<double>(), Md(Str(c["action"])));
  }
  md += "\n## Holdings\n\n| dataset | sensitivity | releases | held | encrypted | deleted | members |\n|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& d : r["holdings"]) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", Md(Str(d["dataset"])),
                      Str(d["sensitivity"]), d["releases"].dump(), d["records_held"].dump(),
                      d["records_encrypted"].dump(), d["records_deleted"].dump(), d["members"].dump());
  }
  md += "\n## Overdue deletions\n\n";
  if (r["overdue"].empty()) md += "None.\n";
  for (const auto& o : r["overdue"]) {
    md += fmt::format("- release {} ({} records of {}, member {}): due {}, {} days overdue\n",
                      o["release_id"].dump(), o["records"].dump(), Md(Str(o["dataset"])),
                      Md(Str(o["member"])), Str(o["due_at"]), o["days_overdue"].dump());
  }
  md += "\n## Deletion certificates\n\n";
  if (r["certificates"].empty()) md += "None.\n";
  for (const auto& cert : r["certificates"]) {
    md += "- " + Str(cert["recorded_at"]) + ": " +
          (cert["release_id"].is_null() ? "grant " + cert["grant_id"].dump()
                                        : "release " + cert["release_id"].dump()) +
          ", " + Md(Str(cert["file"])) + " (sha256 " + Str(cert["sha256"]) + ")\n";
  }
  md += "\n## Audit history\n\n";
  if (r["history"].empty()) md += "None.\n";
  for (const auto& h : r["history"]) {
    md += fmt::format("- {}: grade {}, posture {}, {} gaps, log entry {}\n", Str(h["submitted_at"]),
                      Str(h["grade"]), Pct(h["posture"]), h["gaps"].dump(), h["log_index"].dump());
  }
  return md;
}

std::string RenderHtml(const nlohmann::json& r) {
  std::string h = format::HtmlPageStart(
      "Partner audit: " + Str(r["partner"]),
      ".grade{font-size:3em;font-weight:bold;padding:0 .3em;border-radius:6px;color:#fff}"
      ".gA,.gB{background:#2e7d32}.gC{background:#f9a825}.gD{background:#ef6c00}.gF{background:#c62828}"
      ".gN{background:#777}.ko{color:#c62828;font-weight:bold}");
  h += "<h1>Partner audit: " + Esc(Str(r["partner"])) + "</h1>\n<p>Status " + Esc(Str(r["status"])) +
       "; generated " + Esc(Str(r["generated_at"])) + ".</p>\n";
  const auto& p = r["posture"];
  if (p.is_null()) {
    h += "<p><span class=\"grade gN\">?</span> Never audited: likelihood taken as the no-audit default.</p>\n";
  } else {
    const std::string g = Str(p["grade"]);
    h += "<p><span class=\"grade g" + g + "\">" + Esc(g) + "</span> posture " + Pct(p["posture"]) +
         " (questionnaire " + Pct(p["questionnaire"]) + ")" +
         (p["knockout_failed"].get<bool>() ? " <span class=\"ko\">knockout control failed: grade capped at F</span>" : "") +
         "; submitted " + Esc(Str(p["submitted_at"])) + ".</p>\n";
  }
  const auto& k = r["risk"];
  h += fmt::format("<h2>Risk</h2><p>Risk <b>{:.1f}</b> = likelihood {:.2f} &times; exposure {:.1f} weighted records.</p>\n",
                   k["risk"].get<double>(), k["likelihood"].get<double>(), k["exposure"].get<double>());
  h += "<table><tr><th>component</th><th>value</th><th>weighted</th><th>action</th></tr>\n";
  for (const auto& c : k["components"]) {
    h += fmt::format("<tr><td>{}</td><td>{:g}</td><td>{:.2f}</td><td>{}</td></tr>\n", Esc(Str(c["name"])),
                     c["value"].get<double>(), c["weighted"].get<double>(), Esc(Str(c["action"])));
  }
  h += "</table>\n<h2>Posture history</h2>\n";
  h += r["history"].empty() ? std::string("<p>No submissions.</p>\n") : PostureSvg(r["history"]) + "\n";
  if (!p.is_null()) {
    h += "<h2>Gaps</h2><table><tr><th>control</th><th>question</th><th>reason</th><th>knockout</th><th>mapped to</th></tr>\n";
    for (const auto& g : p["gaps"]) {
      h += "<tr><td>" + Esc(Str(g["id"])) + "</td><td>" + Esc(Str(g["question"])) + "</td><td>" +
           Esc(Str(g["reason"])) + "</td><td>" +
           (g["knockout_failed"].get<bool>() ? "<span class=\"ko\">FAILED</span>"
                                            : (g["knockout"].get<bool>() ? "yes" : "")) +
           "</td><td>" + Esc(JoinMappings(g["mappings"])) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<h2>Records held per dataset</h2>\n";
  h += r["holdings"].empty() ? std::string("<p>Nothing released.</p>\n") : HoldingsSvg(r["holdings"]) + "\n";
  h += "<table><tr><th>dataset</th><th>sensitivity</th><th>releases</th><th>held</th><th>encrypted</th><th>deleted</th><th>members</th></tr>\n";
  for (const auto& d : r["holdings"]) {
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     Esc(Str(d["dataset"])), Esc(Str(d["sensitivity"])), d["releases"].dump(),
                     d["records_held"].dump(), d["records_encrypted"].dump(),
                     d["records_deleted"].dump(), d["members"].dump());
  }
  h += "</table>\n<h2>Overdue deletions</h2>\n";
  if (r["overdue"].empty()) h += "<p>None.</p>\n";
  else {
    h += "<table><tr><th>release</th><th>dataset</th><th>member</th><th>records</th><th>due</th><th>days overdue</th></tr>\n";
    for (const auto& o : r["overdue"]) {
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       o["release_id"].dump(), Esc(Str(o["dataset"])), Esc(Str(o["member"])),
                       o["records"].dump(), Esc(Str(o["due_at"])), o["days_overdue"].dump());
    }
    h += "</table>\n";
  }
  h += "<h2>Deletion certificates</h2>\n";
  if (r["certificates"].empty()) h += "<p>None.</p>\n";
  for (const auto& cert : r["certificates"]) {
    h += "<p>" + Esc(Str(cert["recorded_at"])) + ": " +
         (cert["release_id"].is_null() ? "grant " + cert["grant_id"].dump()
                                       : "release " + cert["release_id"].dump()) +
         ", " + Esc(Str(cert["file"])) + " <code>" + Esc(Str(cert["sha256"])) + "</code></p>\n";
  }
  return h + format::HtmlPageEnd();
}

Status WritePartnerReport(Custody& c, const std::string& partner, ReportFormat format,
                          const std::string& path, bool overwrite, Time now) {
  OutputOptions oo;
  oo.overwrite = overwrite;
  oo.mode = 0644;
  CUSTODY_ASSIGN_OR_RETURN(auto out, OutputFile::Create(c.env(), path, oo));
  CUSTODY_ASSIGN_OR_RETURN(nlohmann::json r, PartnerReportJson(c, partner, now));
  std::string text;
  switch (format) {
    case ReportFormat::kJson: text = r.dump(2) + "\n"; break;
    case ReportFormat::kMarkdown: text = RenderMarkdown(r); break;
    case ReportFormat::kHtml: text = RenderHtml(r); break;
  }
  CUSTODY_RETURN_IF_ERROR(out->file()->Append(text));
  return out->Commit();
}

}  // namespace custody::core::audit
