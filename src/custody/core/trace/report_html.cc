#include "custody/core/trace/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "custody/format/html.h"
#include "custody/format/json_writer.h"

namespace custody::core {
namespace {

std::string Esc(const std::string& s) { return format::HtmlEscape(s); }

std::string Str(uint64_t v) { return std::to_string(v); }

std::string Num(double v) {
  std::string s;
  format::AppendJsonDouble(v, &s);
  return s;
}

std::string PFmt(double lp) {
  if (lp > -4) {
    char b[32];
    std::snprintf(b, sizeof(b), "%.3g", std::pow(10.0, lp));
    return b;
  }
  char b[48];
  double e = std::floor(lp);
  std::snprintf(b, sizeof(b), "%.2g&times;10<sup>%d</sup>", std::pow(10.0, lp - e), static_cast<int>(e));
  return b;
}

// A horizontal bar per member: -log10(p) after correction, with the alpha line.
std::string Chart(const TraceReport& r) {
  const auto& members = r.members;
  if (members.empty()) return "";
  double alpha_x = -std::log10(r.alpha);
  double max_x = alpha_x * 1.5;
  for (const auto& m : members) max_x = std::max(max_x, -m.log10_p_value);
  max_x = std::min(max_x, 400.0);
  const int left = 170, width = 520, row = 20;
  const int height = static_cast<int>(members.size()) * row + 80;
  std::string s = "<svg xmlns='http://www.w3.org/2000/svg' width='" + std::to_string(left + width + 60) +
                  "' height='" + std::to_string(height) + "' role='img' aria-label='evidence per member'>";
  int y = 10;
  for (const auto& m : members) {
    double v = std::min(-m.log10_p_value, max_x);
    int w = static_cast<int>(width * v / max_x);
    bool accused = m.accused;
    s += "<text x='" + std::to_string(left - 6) + "' y='" + std::to_string(y + 13) +
         "' text-anchor='end' font-size='12'>" + Esc(m.member) + "</text>";
    s += "<rect x='" + std::to_string(left) + "' y='" + std::to_string(y + 2) + "' width='" +
         std::to_string(std::max(w, 1)) + "' height='" + std::to_string(row - 6) + "' fill='" +
         (accused ? "#c0392b" : "#7f8c8d") + "'/>";
    y += row;
  }
  // The x axis: ticks at round values of -log10(p), labelled with p.
  const double step = max_x <= 10 ? 1 : max_x <= 50 ? 5 : max_x <= 100 ? 10 : 50;
  s += "<line x1='" + std::to_string(left) + "' y1='" + std::to_string(y) + "' x2='" +
       std::to_string(left + width) + "' y2='" + std::to_string(y) + "' stroke='#999'/>";
  for (double t = 0; t <= max_x + 1e-9; t += step) {
    const int tx = left + static_cast<int>(width * t / max_x);
    s += "<line x1='" + std::to_string(tx) + "' y1='" + std::to_string(y) + "' x2='" + std::to_string(tx) +
         "' y2='" + std::to_string(y + 4) + "' stroke='#999'/>";
    s += "<text x='" + std::to_string(tx) + "' y='" + std::to_string(y + 14) +
         "' text-anchor='middle' font-size='10'>" +
         (t == 0 ? std::string("1") : "1e-" + std::to_string(static_cast<int>(t))) + "</text>";
  }
  y += 16;
  int ax = left + static_cast<int>(width * alpha_x / max_x);
  s += "<line x1='" + std::to_string(ax) + "' y1='5' x2='" + std::to_string(ax) + "' y2='" +
       std::to_string(y) + "' stroke='#2c3e50' stroke-dasharray='4 3'/>";
  s += "<text x='" + std::to_string(ax + 4) + "' y='" + std::to_string(y + 16) +
       "' font-size='11'>alpha (accusation threshold)</text>";
  s += "<text x='" + std::to_string(left) + "' y='" + std::to_string(y + 30) +
       "' font-size='11'>bar length: -log10 of the corrected p-value, axis labelled with p (longer = stronger evidence)</text>";
  s += "</svg>";
  return s;
}

}  // namespace

std::string RenderTraceHtml(const TraceReport& r) {
  std::string h = format::HtmlPageStart(
      "custody trace report",
      ".accused{color:#c0392b;font-weight:bold}.notaccused{color:#555}"
      ".statement{font-size:1.15em;padding:1em;background:#f8f8f8;border-left:4px solid #2c3e50}");
  h += "<h1>Trace report</h1>";
  h += "<p class='statement'>" + Esc(r.statement) + "</p>";
  h += "<table><tr><th>dump records</th><th>matched</th><th>compromised vault records</th>"
       "<th>canaries found</th><th>members tested</th><th>alpha</th><th>custody log entry</th></tr><tr>";
  h += "<td>" + Str(r.dump_records) + "</td><td>" + Str(r.matched) + "</td><td>" +
       Str(r.compromised.size()) + "</td><td>" + Str(r.canaries_found.size()) + "</td><td>" +
       Str(r.members_tested) + "</td><td>" + Num(r.alpha) + "</td><td>" +
       (r.log_index ? Str(*r.log_index) : std::string()) + "</td></tr></table>";
  h += "<p>Dumps: ";
  for (const auto& d : r.dumps) h += "<code>" + Esc(d) + "</code> ";
  h += "(SHA-256 <code>" + Esc(r.dump_sha256) + "</code>)</p>";
  h += "<p>Report created " + (r.created_at ? Esc(FormatRfc3339(*r.created_at)) : std::string("(unknown)")) +
       " by custody " + Esc(r.custody_version.empty() ? std::string("(unknown)") : r.custody_version) +
       " from vault <code>" + Esc(r.vault_id) + "</code>; its trace is custody log entry " +
       (r.log_index ? Str(*r.log_index) : std::string("(none)")) + "; compromised list SHA-256 <code>" +
       Esc(r.compromised_sha256) + "</code>.</p>";

  h += "<h2>Who leaked it</h2>" + Chart(r);
  if (r.accused.empty() && !r.compromised.empty()) {
    h += "<p class='statement'>Nobody is accused, and nobody is cleared: \"not accused\" means the "
         "evidence did not reach the bound, not that the member did not leak.</p>";
  }
  h += "<table><tr><th>member</th><th>partner</th><th>verdict</th><th>why</th><th>p-value (corrected)</th>"
       "<th>exposure</th><th>marks</th><th>canaries</th></tr>";
  for (const MemberFinding& m : r.members) {
    std::string expo = "&mdash;", marks = "no readable slot";
    if (m.exposure) {
      const ExposureFinding& e = *m.exposure;
      expo = Str(e.leaked_held) + " of the leaked records held";
      if (e.informative) {
        expo += "; p " + PFmt(e.log10_p);
      } else if (!e.silent_because.empty()) {
        expo += "; silent: " + Esc(e.silent_because);
      }
    }
    if (m.marks && m.marks->slots > 0) {
      char b[64];
      std::snprintf(b, sizeof(b), "%llu slots, score %.1f; p ",
                    static_cast<unsigned long long>(m.marks->slots), m.marks->score);
      marks = std::string(b) + PFmt(m.marks->log10_p);
    }
    const std::string can = Str(m.canaries.found) + " of " + Str(m.canaries.deployed) + " found";
    h += std::string("<tr><td>") + Esc(m.member) + "</td><td>" + Esc(m.partner) + "</td><td class='" +
         (m.accused ? "accused'>ACCUSED" : "notaccused'>not accused") + "</td><td>" + Esc(m.reason) +
         "</td><td>" + PFmt(m.log10_p_value) + "</td><td>" + expo + "</td><td>" + marks + "</td><td>" + can + "</td></tr>";
  }
  h += "</table>";
  if (!r.canaries_found.empty()) {
    h += "<h2>Canary records found</h2><table><tr><th>canary</th><th>owner</th><th>partner</th><th>release</th><th>where in the dump</th></tr>";
    for (const CanaryHit& c : r.canaries_found) {
      h += "<tr><td>" + Str(c.canary_id.value()) + "</td><td>" + Esc(c.member) + "</td><td>" + Esc(c.partner) +
           "</td><td>" + Str(c.release_id.value()) + "</td><td><code>" + Esc(c.source) + "</code></td></tr>";
    }
    h += "</table>";
  }
  h += "<h2>What leaked</h2><table><tr><th>dataset</th><th>compromised records</th></tr>";
  for (const auto& [k, v] : r.by_dataset) h += "<tr><td>" + Esc(k) + "</td><td>" + Str(v) + "</td></tr>";
  h += "</table><table><tr><th>release</th><th>member</th><th>partner</th><th>dataset</th><th>released</th><th>of which leaked</th></tr>";
  for (const LeakedRelease& rel : r.releases) {
    h += "<tr><td>" + Str(rel.release_id.value()) + "</td><td>" + Esc(rel.member) + "</td><td>" + Esc(rel.partner) +
         "</td><td>" + Esc(rel.dataset) + "</td><td>" + Str(rel.released_records) + "</td><td>" +
         Str(rel.records) + "</td></tr>";
  }
  h += "</table><h3>Compromised records</h3><table><tr><th>record</th><th>dataset</th><th>match</th><th>similarity</th><th>first seen at</th><th>held by</th></tr>";
  constexpr size_t kShown = 500;
  for (size_t i = 0; i < r.compromised.size() && i < kShown; ++i) {
    const CompromisedRecord& c = r.compromised[i];
    std::string held;
    for (const auto& m : c.held_by) held += (held.empty() ? "" : ", ") + Esc(m);
    char sim[16];
    std::snprintf(sim, sizeof(sim), "%.3f", c.similarity);
    // A "near" match of similarity 1.000 is the same text after normalization.
    const std::string kind =
        c.kind == "near" && std::string(sim) == "1.000" ? "identical after normalization" : c.kind;
    h += "<tr><td>" + Str(c.record_id.value()) + "</td><td>" + Esc(c.dataset) + "</td><td>" + Esc(kind) +
         "</td><td>" + sim + "</td><td><code>" + Esc(c.source) + "</code></td><td>" + held + "</td></tr>";
  }
  h += "</table>";
  if (r.compromised.size() > kShown) {
    h += "<p>The first " + Str(kShown) + " of " + Str(r.compromised.size()) + " compromised records are shown; " +
         Str(r.compromised.size() - kShown) +
         " more rows are in the JSON report's <code>compromised</code> list (<code>custody trace --out "
         "F.json</code>, or <code>custody incident show ID --json</code> once an incident is opened).</p>";
  }
  h += "<p>How to read this report: docs/trace.md. Each p-value bounds the chance that a member who did not "
       "leak would show evidence this strong; it is corrected for the number of members tested.</p>";
  h += format::HtmlPageEnd();
  return h;
}

}  // namespace custody::core
