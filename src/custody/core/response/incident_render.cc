// Markdown and HTML renderings of the incident report's data; see
// incident_report.h. Both read only the JSON (docs/formats/incident-report.md).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "custody/base/clock.h"
#include "custody/core/response/incident_report.h"
#include "custody/format/html.h"

namespace custody::core {
namespace {

using nlohmann::json;
using format::HtmlEscape;

std::string S(const json& j) {
  if (j.is_null()) return "—";
  return j.is_string() ? j.get<std::string>() : j.dump();
}
std::string E(const json& j) { return HtmlEscape(S(j)); }
std::string M(const json& j) { return format::MarkdownCell(S(j)); }

std::string PText(double log10_p) {
  if (log10_p > -4) return fmt::format("{:.3g}", std::pow(10.0, log10_p));
  const double e = std::floor(log10_p);
  return fmt::format("{:.2g}e{}", std::pow(10.0, log10_p - e), static_cast<int>(e));
}

std::string Join(const json& arr) {
  std::string out;
  for (const auto& a : arr) out += (out.empty() ? "" : ", ") + S(a);
  return out.empty() ? "nobody" : out;
}

// A table: the header cells, then one row of cells per item (already
// escaped for HTML, or Markdown cells).
std::string HtmlTable(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string h = "<table><tr>";
  for (const auto& c : head) h += "<th>" + HtmlEscape(c) + "</th>";
  h += "</tr>\n";
  for (const auto& r : rows) {
    h += "<tr>";
    for (const auto& c : r) h += "<td>" + c + "</td>";
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string MdTable(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string m = "|";
  for (const auto& c : head) m += " " + c + " |";
  m += "\n|";
  for (size_t i = 0; i < head.size(); ++i) m += "---|";
  m += "\n";
  for (const auto& r : rows) {
    m += "|";
    for (const auto& c : r) m += " " + c + " |";
    m += "\n";
  }
  return m + "\n";
}

// The rows of each table, as a function of how a cell is escaped, so the
// Markdown and the HTML show the same cells.
using Cell = std::string (*)(const json&);

std::vector<std::vector<std::string>> EventRows(const json& r, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["timeline"]["events"]) {
    rows.push_back({c(e["log_index"]), c(e["time"]), c(e["type"]), c(e["actor"]), c(e["what"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> ClockRows(const json& clocks, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : clocks) {
    rows.push_back({c(k["notice"]), c(k["regulation"]), c(k["rule"]), c(k["starts"]), c(k["deadline"]),
                    c(k["notified_at"]), c(k["status"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> DatasetRows(const json& s, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : s["datasets"]) {
    rows.push_back({c(d["dataset"]), c(d["sensitivity"]), c(d["records"]), c(d["exact"]), c(d["near"]),
                    c(d["fragment"]), c(d["vault_copy"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> HolderRows(const json& list, Cell c, bool member) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : list) {
    if (member) rows.push_back({c(m["member"]), c(m["partner"]), c(m["leaked"]), c(m["held"]), c(m["releases"])});
    else rows.push_back({c(m["partner"]), c(m["leaked"]), c(m["held"]), c(m["releases"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> ReleaseRows(const json& s, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : s["releases"]) {
    rows.push_back({c(r["release"]), c(r["member"]), c(r["partner"]), c(r["dataset"]), c(r["released"]),
                    c(r["leaked"]), c(r["delivered"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> MemberEvidenceRows(const json& a, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : a["members"]) {
    rows.push_back({c(m["member"]), c(m["partner"]), m["accused"].get<bool>() ? "ACCUSED" : "not accused",
                    PText(m["log10_p"].get<double>()),
                    m["exposure_log10_p"].is_null() ? "—" : PText(m["exposure_log10_p"].get<double>()),
                    c(m["marks_slots"]),
                    m["marks_log10_p"].is_null() ? "—" : PText(m["marks_log10_p"].get<double>()),
                    c(m["canaries_found"]) + " of " + c(m["canaries_deployed"]), c(m["reason"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> StepRows(const json& r, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r["containment"]["steps"]) {
    rows.push_back({c(s["time"]), c(s["actor"]), c(s["what"]), c(s["step_log_index"]), c(s["log_index"])});
  }
  return rows;
}

std::vector<std::vector<std::string>> PartnerRows(const json& r, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r["partners"]) {
    const json& post = p["posture"];
    std::string hist;
    for (const auto& h : p["history"]) hist += (hist.empty() ? "" : ", ") + S(h["submitted_at"]).substr(0, 10) + " " + S(h["grade"]);
    rows.push_back({c(p["partner"]), c(p["status"]), post.is_null() ? "never audited" : c(post["grade"]),
                    fmt::format("{:.1f}", p["risk"]["risk"].get<double>()),
                    fmt::format("{:.2f}", p["risk"]["likelihood"].get<double>()),
                    fmt::format("{:.1f}", p["risk"]["exposure"].get<double>()),
                    hist.empty() ? "none" : c(json(hist))});
  }
  return rows;
}

std::vector<std::vector<std::string>> ProofRows(const json& ev, Cell c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : ev["entries"]) {
    std::string proof;
    if (e.contains("proof")) {
      for (const auto& h : e["proof"]) proof += (proof.empty() ? "" : " ") + S(h);
    }
    rows.push_back({c(e["log_index"]), e.contains("type") ? c(e["type"]) : "—",
                    e.contains("leaf_hash") ? c(e["leaf_hash"]) : "—",
                    proof.empty() ? (e.contains("note") ? c(e["note"]) : "—") : c(json(proof)),
                    e["proved"].get<bool>() ? "verified" : "not proved"});
  }
  return rows;
}

const std::vector<std::string> kEventHead = {"log entry", "time", "type", "actor", "what"};
const std::vector<std::string> kClockHead = {"notice", "regulation", "rule", "clock starts", "deadline", "notified", "status"};
const std::vector<std::string> kDatasetHead = {"dataset", "sensitivity", "records", "exact", "near-duplicate", "fragment", "vault copy"};
const std::vector<std::string> kMemberHead = {"member", "partner", "leaked", "held", "releases"};
const std::vector<std::string> kPartnerHead = {"partner", "leaked", "held", "releases"};
const std::vector<std::string> kReleaseHead = {"release", "member", "partner", "dataset", "released", "leaked", "delivered as"};
const std::vector<std::string> kEvidenceHead = {"member", "partner", "verdict", "p (corrected)", "exposure p", "mark slots", "marks p", "canaries", "why"};
const std::vector<std::string> kStepHead = {"time", "actor", "step", "step log entry", "incident log entry"};
const std::vector<std::string> kPostureHead = {"partner", "status", "grade", "risk", "likelihood", "exposure", "audit history"};
const std::vector<std::string> kProofHead = {"log entry", "type", "leaf hash", "inclusion proof (hex, leaf to root)", "check"};

std::string HtmlCell(const json& j) { return E(j); }
std::string MdCell(const json& j) { return M(j); }

// The timeline as a chart: each cited log entry as a dot on a time axis,
// the clocks' starts and deadlines as vertical lines.
std::string TimelineSvg(const json& r) {
  struct Mark { Time t; std::string label; std::string color; bool line; };
  std::vector<Mark> marks;
  for (const auto& e : r["timeline"]["events"]) {
    auto t = ParseTime(S(e["time"]));
    if (t.ok()) marks.push_back({*t, "#" + S(e["log_index"]), "#1f5fa8", false});
  }
  for (const auto& k : r["timeline"]["clocks"]) {
    if (k["starts"].is_string()) {
      auto t = ParseTime(S(k["starts"]));
      if (t.ok()) marks.push_back({*t, S(k["notice"]) + " starts", "#7f8c8d", true});
    }
    if (k["deadline"].is_string()) {
      auto t = ParseTime(S(k["deadline"]));
      if (t.ok()) marks.push_back({*t, S(k["notice"]) + " due", "#c0392b", true});
    }
    if (k["notified_at"].is_string()) {
      auto t = ParseTime(S(k["notified_at"]));
      if (t.ok()) marks.push_back({*t, S(k["notice"]) + " sent", "#2e7d32", true});
    }
  }
  if (marks.empty()) return "";
  Time lo = marks[0].t, hi = marks[0].t;
  for (const auto& m : marks) lo = std::min(lo, m.t), hi = std::max(hi, m.t);
  const double span = std::max<double>(1, static_cast<double>(ToUnixMillis(hi) - ToUnixMillis(lo)));
  const int width = 760, left = 40, right = 40, axis = 40;
  int lines = 0;
  for (const auto& m : marks) lines += m.line ? 1 : 0;
  const int height = axis + 30 + lines * 14 + 10;
  std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                              "role=\"img\" aria-label=\"timeline with regulatory clocks\">",
                              width, height);
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>", left, axis, width - right, axis);
  auto x_of = [&](Time t) {
    return left + (width - left - right) * static_cast<double>(ToUnixMillis(t) - ToUnixMillis(lo)) / span;
  };
  int row = 0;
  for (const auto& m : marks) {
    const double x = x_of(m.t);
    if (m.line) {
      const int y = axis + 30 + row * 14;
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"10\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" stroke-dasharray=\"3 3\"/>", x, x,
                       y - 10, m.color);
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" fill=\"{}\" text-anchor=\"{}\">{}</text>", x, y, m.color,
                       x > width / 2.0 ? "end" : "start", HtmlEscape(m.label + " " + FormatRfc3339(m.t).substr(0, 16)));
      ++row;
    } else {
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>", x, axis, m.color);
    }
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>", left, axis - 8,
                   HtmlEscape(FormatRfc3339(lo).substr(0, 16)));
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>", width - right, axis - 8,
                   HtmlEscape(FormatRfc3339(hi).substr(0, 16)));
  return s + "</svg>";
}

}  // namespace

std::string RenderIncidentMarkdown(const json& r) {
  const json& h = r["header"];
  const json& s = r["scope"];
  const json& a = r["attribution"];
  const json& ev = r["evidence"];
  std::string m = "# Incident " + M(h["incident"]) + ": " + M(h["title"]) + "\n\n";
  m += "Opened " + S(h["opened_at"]) + " (log entry " + S(h["incident_log_index"]) + "); report generated " +
       S(h["generated_at"]) + " by custody " + S(h["custody_version"]) + " from vault " + S(h["vault_id"]) + ".\n\n";
  m += "## Executive summary\n\n" + S(r["summary"]["text"]) + "\n\n" + S(r["summary"]["statement"]) + "\n\n";
  m += "## Timeline\n\n" + MdTable(kEventHead, EventRows(r, MdCell));
  m += "Regulatory clocks (business days skip Saturdays and Sundays; US federal holidays are not modeled):\n\n" +
       MdTable(kClockHead, ClockRows(r["timeline"]["clocks"], MdCell));
  m += "<!-- scope -->\n## Scope and magnitude\n\n";
  m += fmt::format("{} compromised records (exact {}, near-duplicate {}, fragment {}; {} unverified sketch matches) "
                   "of {} dump records read, {} matched. Delivered in plaintext: {}; only as ciphertext sealed to "
                   "a member's key: {}; in no recorded release: {}. Holdings as of {}.\n\n",
                   S(s["compromised"]), S(s["exact"]), S(s["near"]), S(s["fragment"]), S(s["unverified"]),
                   S(s["dump_records"]), S(s["matched"]), S(s["delivered_plaintext"]),
                   S(s["delivered_ciphertext_only"]), S(s["in_no_release"]), S(s["exposure_as_of"]));
  m += MdTable(kDatasetHead, DatasetRows(s, MdCell)) + MdTable(kPartnerHead, HolderRows(s["partners"], MdCell, false)) +
       MdTable(kMemberHead, HolderRows(s["members"], MdCell, true)) + MdTable(kReleaseHead, ReleaseRows(s, MdCell));
  m += "Compromised list SHA-256 " + S(s["records_sha256"]) + "; dump SHA-256 " + S(s["dump_sha256"]) + ".\n<!-- /scope -->\n\n";
  m += "## Attribution\n\n" + S(a["method"]) + ".\n\n" + S(a["statement"]) + "\n\n";
  m += "False-accusation bound: alpha = " + S(a["alpha"]) + " (" + S(a["false_accusation_bound"]) + "). Collusion: " +
       S(a["collusion_note"]) + ".\n\n" + MdTable(kEvidenceHead, MemberEvidenceRows(a, MdCell));
  m += "Limits:\n\n";
  for (const auto& l : a["limits"]) m += "- " + S(l) + "\n";
  const json& imp = r["impact"];
  m += "\n## Impact (NIST SP 800-61r2)\n\n";
  m += "- Functional impact: " + S(imp["functional"]) + "\n- Information impact: " + Join(imp["information"]) +
       "\n- Privacy: " + S(imp["privacy_basis"]) + "\n- Recoverability: " + S(imp["recoverability"]) + " (" +
       S(imp["recoverability_basis"]) + ")\n\n";
  m += "## Containment\n\n";
  m += r["containment"]["steps"].empty() ? std::string("No containment step recorded.\n\n")
                                         : MdTable(kStepHead, StepRows(r, MdCell));
  m += "Contained at: " + S(r["containment"]["contained_at"]) + "\n\n";
  m += "## Obligations register\n\n" + MdTable(kClockHead, ClockRows(r["obligations"], MdCell));
  m += "## Partner posture and risk\n\n" + MdTable(kPostureHead, PartnerRows(r, MdCell));
  m += "<!-- evidence -->\n## Evidence\n\n";
  m += "Log " + S(ev["log_origin"]) + ", signed checkpoint of size " + S(ev["checkpoint_size"]) + ", root " +
       S(ev["root"]) + ":\n\n```\n" + S(ev["checkpoint"]) + "```\n\n";
  m += "- dump SHA-256 " + S(ev["hashes"]["dump_sha256"]) + "\n- compromised list SHA-256 " +
       S(ev["hashes"]["compromised_sha256"]) + "\n- trace report SHA-256 " + S(ev["hashes"]["trace_report_sha256"]) +
       "\n\n" + MdTable(kProofHead, ProofRows(ev, MdCell));
  m += "Verify with: " + S(ev["verify"]) + ".\n<!-- /evidence -->\n\n";
  const json& c = r["closure"];
  m += "## Lessons and closure\n\nStatus: " + S(c["status"]) + "; closed at " + S(c["closed_at"]) + "; resolution: " +
       S(c["resolution"]) + ".\n\n";
  for (const auto& n : c["notes"]) m += "- note (log entry " + S(n["log_index"]) + "): " + S(n["text"]) + "\n";
  for (const auto& o : c["open_items"]) m += "- open: " + S(o) + "\n";
  return m;
}

std::string RenderIncidentHtml(const json& r) {
  const json& h = r["header"];
  const json& s = r["scope"];
  const json& a = r["attribution"];
  const json& ev = r["evidence"];
  std::string o = format::HtmlPageStart(
      "Incident " + S(h["incident"]) + ": " + S(h["title"]),
      ".summary{font-size:1.1em;padding:1em;background:#f8f8f8;border-left:4px solid #2c3e50}"
      ".met{color:#2e7d32;font-weight:bold}.overdue{color:#c62828;font-weight:bold}.open{color:#ef6c00;font-weight:bold}");
  o += "<header><h1>Incident " + E(h["incident"]) + ": " + E(h["title"]) + "</h1><p>Opened " + E(h["opened_at"]) +
       " (log entry " + E(h["incident_log_index"]) + "); report generated " + E(h["generated_at"]) + " by custody " +
       E(h["custody_version"]) + " from vault <code>" + E(h["vault_id"]) + "</code>.</p></header>\n";
  o += "<section id=\"summary\"><h2>Executive summary</h2><p class=\"summary\">" + E(r["summary"]["text"]) + "</p><p>" +
       E(r["summary"]["statement"]) + "</p></section>\n";
  o += "<section id=\"timeline\"><h2>Timeline</h2>" + TimelineSvg(r) + HtmlTable(kEventHead, EventRows(r, HtmlCell));
  auto clocks = [&](const json& list) {
    auto rows = ClockRows(list, HtmlCell);
    for (auto& row : rows) row.back() = "<span class=\"" + row.back() + "\">" + row.back() + "</span>";
    return HtmlTable(kClockHead, rows);
  };
  o += "<p>Regulatory clocks. Business days skip Saturdays and Sundays; US federal holidays are not modeled.</p>" +
       clocks(r["timeline"]["clocks"]) + "</section>\n";
  o += "<section id=\"scope\"><h2>Scope and magnitude</h2>";
  o += fmt::format("<p>{} compromised records (exact {}, near-duplicate {}, fragment {}; {} unverified sketch matches) "
                   "of {} dump records read, {} matched. Delivered in plaintext: {}; only as ciphertext sealed to "
                   "a member's key: {}; in no recorded release: {}. Holdings as of {}.</p>",
                   E(s["compromised"]), E(s["exact"]), E(s["near"]), E(s["fragment"]), E(s["unverified"]),
                   E(s["dump_records"]), E(s["matched"]), E(s["delivered_plaintext"]),
                   E(s["delivered_ciphertext_only"]), E(s["in_no_release"]), E(s["exposure_as_of"]));
  std::vector<format::Bar> bars;
  for (const auto& p : s["partners"]) {
    bars.push_back({"partner " + S(p["partner"]), p["leaked"].get<double>(), "#c0392b", S(p["leaked"]) + " records"});
  }
  for (const auto& d : s["datasets"]) {
    bars.push_back({"dataset " + S(d["dataset"]), d["records"].get<double>(), "#1f5fa8",
                    S(d["records"]) + " records (" + S(d["sensitivity"]) + ")"});
  }
  o += format::BarsSvg(bars, "records exposed per partner and dataset");
  o += HtmlTable(kDatasetHead, DatasetRows(s, HtmlCell)) + HtmlTable(kPartnerHead, HolderRows(s["partners"], HtmlCell, false)) +
       HtmlTable(kMemberHead, HolderRows(s["members"], HtmlCell, true)) + HtmlTable(kReleaseHead, ReleaseRows(s, HtmlCell));
  o += "<p>Compromised list SHA-256 <code>" + E(s["records_sha256"]) + "</code>; dump SHA-256 <code>" +
       E(s["dump_sha256"]) + "</code>.</p></section>\n";
  o += "<section id=\"attribution\"><h2>Attribution</h2><p>" + E(a["method"]) + ".</p><p class=\"summary\">" +
       E(a["statement"]) + "</p>";
  std::vector<format::Bar> ev_bars;
  for (const auto& m : a["members"]) {
    const bool accused = m["accused"].get<bool>();
    ev_bars.push_back({S(m["member"]), std::min(400.0, -m["log10_p"].get<double>()), accused ? "#c0392b" : "#7f8c8d",
                       "p " + PText(m["log10_p"].get<double>()) + (accused ? " ACCUSED" : "")});
  }
  const double alpha = a["alpha"].get<double>();
  o += format::BarsSvg(ev_bars, "each member's evidence against the threshold", 0, alpha > 0 ? -std::log10(alpha) : -1,
                       "threshold: alpha " + S(a["alpha"]) + " (bar: -log10 p)");
  o += "<p>False-accusation bound: alpha = " + E(a["alpha"]) + " (" + E(a["false_accusation_bound"]) +
       "). Collusion: " + E(a["collusion_note"]) + ".</p>" + HtmlTable(kEvidenceHead, MemberEvidenceRows(a, HtmlCell));
  o += "<p>Limits:</p><ul>";
  for (const auto& l : a["limits"]) o += "<li>" + E(l) + "</li>";
  o += "</ul></section>\n";
  const json& imp = r["impact"];
  o += "<section id=\"impact\"><h2>Impact (NIST SP 800-61r2)</h2><ul><li>Functional impact: " + E(imp["functional"]) +
       "</li><li>Information impact: " + HtmlEscape(Join(imp["information"])) + "</li><li>Privacy: " +
       E(imp["privacy_basis"]) + "</li><li>Recoverability: <b>" + E(imp["recoverability"]) + "</b> (" +
       E(imp["recoverability_basis"]) + ")</li></ul></section>\n";
  o += "<section id=\"containment\"><h2>Containment</h2>";
  o += r["containment"]["steps"].empty() ? std::string("<p>No containment step recorded.</p>")
                                         : HtmlTable(kStepHead, StepRows(r, HtmlCell));
  o += "<p>Contained at: " + E(r["containment"]["contained_at"]) + "</p></section>\n";
  o += "<section id=\"obligations\"><h2>Obligations register</h2>" + clocks(r["obligations"]) + "</section>\n";
  o += "<section id=\"partners\"><h2>Partner posture and risk</h2>" + HtmlTable(kPostureHead, PartnerRows(r, HtmlCell)) +
       "<p>Each partner's full audit: <code>custody report partner NAME --format html</code>.</p></section>\n";
  o += "<section id=\"evidence\"><h2>Evidence</h2><p>Log <code>" + E(ev["log_origin"]) +
       "</code>, signed checkpoint of size " + E(ev["checkpoint_size"]) + ", root <code>" + E(ev["root"]) +
       "</code>:</p><pre>" + E(ev["checkpoint"]) + "</pre>";
  o += "<ul><li>dump SHA-256 <code>" + E(ev["hashes"]["dump_sha256"]) + "</code></li><li>compromised list SHA-256 <code>" +
       E(ev["hashes"]["compromised_sha256"]) + "</code></li><li>trace report SHA-256 <code>" +
       E(ev["hashes"]["trace_report_sha256"]) + "</code></li></ul>";
  auto proof_rows = ProofRows(ev, HtmlCell);
  for (auto& row : proof_rows) {
    row[2] = "<code>" + row[2] + "</code>";
    row[3] = "<code>" + row[3] + "</code>";
  }
  o += HtmlTable(kProofHead, proof_rows) + "<p>Verify with: " + E(ev["verify"]) + ".</p></section>\n";
  const json& c = r["closure"];
  o += "<section id=\"closure\"><h2>Lessons and closure</h2><p>Status: " + E(c["status"]) + "; closed at " +
       E(c["closed_at"]) + "; resolution: " + E(c["resolution"]) + ".</p><ul>";
  for (const auto& n : c["notes"]) o += "<li>note (log entry " + E(n["log_index"]) + "): " + E(n["text"]) + "</li>";
  for (const auto& item : c["open_items"]) o += "<li>open: " + E(item) + "</li>";
  o += "</ul></section>\n";
  return o + format::HtmlPageEnd();
}

}  // namespace custody::core
