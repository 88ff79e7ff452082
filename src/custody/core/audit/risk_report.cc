#include "custody/core/audit/risk_report.h"

#include <fmt/format.h>

#include <cmath>

#include "custody/base/count_format.h"
#include "custody/base/output_file.h"
#include "custody/core/audit/risk.h"
#include "custody/format/html.h"

namespace custody::core::audit {
namespace {

std::string Esc(std::string_view s) { return format::HtmlEscape(s); }
std::string Str(const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }
std::string Grade(const nlohmann::json& p) { return p["grade"].is_null() ? "-" : Str(p["grade"]); }

// Bar colors by grade: the same scale as the partner report's grade badge.
std::string GradeColor(const std::string& g) {
  if (g == "A" || g == "B") return "#2e7d32";
  if (g == "C") return "#f9a825";
  if (g == "D") return "#ef6c00";
  if (g == "F") return "#c62828";
  return "#777777";  // never audited
}

// 10244.6 -> "10,245".
std::string Rounded(double x) { return WithThousands(static_cast<uint64_t>(std::llround(x))); }

// The components worth a line: those with a measure, and the likelihood.
bool Shown(const nlohmann::json& c) {
  return c["value"].get<double>() != 0 || Str(c["name"]) == "likelihood";
}

}  // namespace

Result<nlohmann::json> RiskReportJson(Custody& c, const std::string& partner, Time now) {
  CUSTODY_ASSIGN_OR_RETURN(auto ranked, RankRisk(c, partner, now));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : ranked) list.push_back(RiskToJson(r));
  return nlohmann::json{
      {"generated_at", FormatRfc3339(now)},
      {"vault_id", c.vault().config().vault_id},
      {"formula", "risk = likelihood(grade) x exposure; exposure = sum over releases no "
                  "deletion certificate covers of records x tier x enc x (1 + min(days "
                  "overdue, 60) / 30), x sqrt(members holding) x (1 + 0.1 x stale grants)"},
      {"constants",
       {{"grade_likelihood", {{"A", kGradeLikelihood[0]}, {"B", kGradeLikelihood[1]},
                              {"C", kGradeLikelihood[2]}, {"D", kGradeLikelihood[3]},
                              {"F", kGradeLikelihood[5]}, {"never_audited", kNoAuditLikelihood}}},
        {"tier_weight", {{"public", kTierWeight[0]}, {"internal", kTierWeight[1]},
                         {"confidential", kTierWeight[2]}, {"restricted", kTierWeight[3]}}},
        {"encrypted_key_live_weight", kEncryptedLiveWeight},
        {"encrypted_key_revoked_weight", kEncryptedRevokedWeight},
        {"overdue_cap_days", kOverdueCapDays},
        {"stale_grant_factor", kStaleGrantFactor}}},
      {"partners", list}};
}

std::string RenderRiskMarkdown(const nlohmann::json& r) {
  std::string m = "# Partner risk ranking\n\nGenerated " + Str(r["generated_at"]) + ", vault " +
                  Str(r["vault_id"]) + ".\n\n" + Str(r["formula"]) + " (docs/audit.md, \"Risk\").\n\n";
  if (r["partners"].empty()) return m + "No partners.\n";
  m += "| rank | partner | grade | likelihood | exposure | risk | records held | overdue |\n"
       "|---:|---|:---:|---:|---:|---:|---:|---:|\n";
  int rank = 0;
  for (const auto& p : r["partners"]) {
    m += fmt::format("| {} | {} | {} | {:.2f} | {:.1f} | {:.1f} | {} | {} |\n", ++rank,
                     format::MarkdownCell(Str(p["partner"])), Grade(p),
                     p["likelihood"].get<double>(), p["exposure"].get<double>(),
                     p["risk"].get<double>(), p["records_held"].dump(),
                     p["overdue_records"].dump());
  }
  for (const auto& p : r["partners"]) {
    m += "\n## " + format::MarkdownCell(Str(p["partner"])) + "\n\n| component | value | weighted | action |\n|---|---:|---:|---|\n";
    for (const auto& c : p["components"]) {
      if (!Shown(c)) continue;
      m += fmt::format("| {} | {:g} | {:.2f} | {} |\n", format::MarkdownCell(Str(c["name"])),
                       c["value"].get<double>(), c["weighted"].get<double>(),
                       format::MarkdownCell(Str(c["action"])));
    }
  }
  return m;
}

std::string RenderRiskHtml(const nlohmann::json& r) {
  std::string h = format::HtmlPageStart("Partner risk ranking",
                                        ".legend span{display:inline-block;padding:0 .5em;"
                                        "margin-right:.4em;color:#fff;border-radius:3px}");
  h += "<h1>Partner risk ranking</h1>\n<p>Generated " + Esc(Str(r["generated_at"])) +
       ", vault <code>" + Esc(Str(r["vault_id"])) + "</code>.</p>\n<p>" + Esc(Str(r["formula"])) +
       ". Likelihood comes from the partner's latest audit grade; exposure from what custody "
       "recorded it still holds (docs/audit.md, \"Risk\").</p>\n";
  if (r["partners"].empty()) return h + "<p>No partners.</p>\n" + format::HtmlPageEnd();
  std::vector<format::Bar> risk, exposure;
  for (const auto& p : r["partners"]) {
    const std::string g = Grade(p);
    // Short notes: the longest bar leaves them 160 px.
    risk.push_back({Str(p["partner"]), p["risk"].get<double>(), GradeColor(g),
                    Rounded(p["risk"].get<double>()) + " (grade " + g + ")"});
    exposure.push_back({Str(p["partner"]), p["exposure"].get<double>(), "#1f5fa8",
                        Rounded(p["exposure"].get<double>()) + " (" +
                            WithThousands(p["records_held"].get<uint64_t>()) + " held)"});
  }
  h += "<h2>Risk, highest first</h2>\n<p class=\"legend\"><span style=\"background:#2e7d32\">A/B</span>"
       "<span style=\"background:#f9a825\">C</span><span style=\"background:#ef6c00\">D</span>"
       "<span style=\"background:#c62828\">F</span><span style=\"background:#777777\">not audited</span></p>\n";
  h += format::BarsSvg(risk, "risk per partner") + "\n";
  h += "<h2>Exposure</h2>\n" + format::BarsSvg(exposure, "weighted exposure per partner") + "\n";
  h += "<table><tr><th>rank</th><th>partner</th><th>grade</th><th>likelihood</th><th>exposure</th>"
       "<th>risk</th><th>records held</th><th>overdue</th></tr>\n";
  int rank = 0;
  for (const auto& p : r["partners"]) {
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.1f}</td>"
                     "<td>{:.1f}</td><td>{}</td><td>{}</td></tr>\n",
                     ++rank, Esc(Str(p["partner"])), Esc(Grade(p)), p["likelihood"].get<double>(),
                     p["exposure"].get<double>(), p["risk"].get<double>(),
                     WithThousands(p["records_held"].get<uint64_t>()),
                     WithThousands(p["overdue_records"].get<uint64_t>()));
  }
  h += "</table>\n<h2>What drives each partner's risk, and what reduces it</h2>\n";
  for (const auto& p : r["partners"]) {
    h += "<h3>" + Esc(Str(p["partner"])) + "</h3>\n<table><tr><th>component</th><th>value</th>"
         "<th>weighted</th><th>action</th></tr>\n";
    for (const auto& c : p["components"]) {
      if (!Shown(c)) continue;
      h += fmt::format("<tr><td>{}</td><td>{:g}</td><td>{:.2f}</td><td>{}</td></tr>\n",
                       Esc(Str(c["name"])), c["value"].get<double>(), c["weighted"].get<double>(),
                       Esc(Str(c["action"])));
    }
    h += "</table>\n";
  }
  return h + format::HtmlPageEnd();
}

Status WriteRiskReport(Custody& c, const std::string& partner, ReportFormat format,
                       const std::string& path, bool overwrite, Time now) {
  OutputOptions oo;
  oo.overwrite = overwrite;
  oo.mode = 0644;
  CUSTODY_ASSIGN_OR_RETURN(auto out, OutputFile::Create(c.env(), path, oo));
  CUSTODY_ASSIGN_OR_RETURN(nlohmann::json r, RiskReportJson(c, partner, now));
  std::string text;
  switch (format) {
    case ReportFormat::kJson: text = r.dump(2) + "\n"; break;
    case ReportFormat::kMarkdown: text = RenderRiskMarkdown(r); break;
    case ReportFormat::kHtml: text = RenderRiskHtml(r); break;
  }
  CUSTODY_RETURN_IF_ERROR(out->file()->Append(text));
  return out->Commit();
}

}  // namespace custody::core::audit
