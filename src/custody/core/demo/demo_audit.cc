// The demo's audit step; see demo_audit.h.
#include "custody/core/demo/demo_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "custody/base/count_format.h"
#include "custody/base/env.h"
#include "custody/core/audit/controls.h"
#include "custody/core/audit/obligations.h"
#include "custody/core/audit/partner_report.h"
#include "custody/core/audit/risk.h"
#include "custody/core/audit/risk_report.h"
#include "custody/core/audit/submissions.h"

namespace custody::core {
namespace {

namespace audit = core::audit;

// Answers for one partner: every control at its best, then `overrides`.
nlohmann::json Answers(const nlohmann::json& overrides) {
  nlohmann::json a = nlohmann::json::object();
  for (const auto& c : audit::BuiltinControls().controls) {
    switch (c.answer.type) {
      case audit::AnswerType::kYesPartialNo: a[c.id] = "yes"; break;
      case audit::AnswerType::kNumber: a[c.id] = c.answer.threshold; break;
      case audit::AnswerType::kEnum: a[c.id] = c.answer.options.front().value; break;
      case audit::AnswerType::kList: a[c.id] = nlohmann::json::array({c.answer.options.front().value}); break;
    }
  }
  for (const auto& [k, v] : overrides.items()) a[k] = v;
  return {{"control_set", audit::BuiltinControls().name},
          {"version", audit::BuiltinControls().version},
          {"answers", a}};
}

// "10,147.0": one decimal, thousands separated (the human output's rule).
std::string OneDecimal(double x) {
  const long long tenths = std::llround(std::max(0.0, x) * 10);
  return WithThousands(static_cast<uint64_t>(tenths / 10)) + "." + std::to_string(tenths % 10);
}

}  // namespace

Status DemoAudits(Custody& c, const std::string& dir, std::ostream& out) {
  Env* env = Env::Default();
  const std::string audits = JoinPath(dir, "audits");
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(audits, 0700));
  struct Case {
    const char* partner;
    nlohmann::json overrides;
    bool evidence;  // attach evidence to every control
  };
  const Case cases[] = {
      {"acme-labeling", {{"IAM-05", "partial"}, {"LOG-02", 180}}, true},
      {"northwind-data", {{"UEM-03", "no"}, {"GRC-01", nlohmann::json::array({"soc2_type1"})}}, false},
      // A crowd platform touches the data: a knockout.
      {"globex-annotation", {{"STA-01", "crowd_platform"}, {"SEF-02", "partial"}}, true},
  };
  out << "5. Each partner answers the " << audit::BuiltinControls().Label()
      << " questionnaire (" << audit::BuiltinControls().controls.size() << " controls):\n";
  for (const auto& k : cases) {
    audit::SubmitOptions so;
    so.partner = k.partner;
    so.file = JoinPath(audits, std::string(k.partner) + ".json");
    CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(so.file, Answers(k.overrides).dump(2), 0600));
    if (k.evidence) {
      for (const auto& ctl : audit::BuiltinControls().controls) {
        const std::string ev = JoinPath(audits, std::string(k.partner) + "-" + ctl.id + ".txt");
        CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(ev, "evidence for " + ctl.id + "\n", 0600));
        so.evidence.push_back({ctl.id, ev});
      }
    }
    CUSTODY_ASSIGN_OR_RETURN(auto s, audit::SubmitAudit(c, so));
    out << fmt::format("   {:<18} grade {}  posture {:>5.1f}%  {:>7}{}{}\n", k.partner,
                       s.posture.grade, s.posture.posture * 100, Counted(s.posture.Gaps().size(), "gap"),
                       s.posture.knockout_failed ? "  (knockout failed: a crowd platform)" : "",
                       k.evidence ? "" : "  (no evidence: answers count half)");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto ranked, audit::RankRisk(c, "", c.clock()->Now()));
  out << "   Risk = likelihood (from the grade) x exposure (records held, sensitivity, members):\n";
  int rank = 0;
  for (const auto& r : ranked) {
    out << fmt::format("   {}. {:<18} grade {}  likelihood {:.2f}  exposure {:>9}  risk {:>8}\n",
                       ++rank, r.partner, r.grade ? std::string(1, *r.grade) : "-", r.likelihood,
                       OneDecimal(r.exposure), OneDecimal(r.risk));
  }
  const std::string report = JoinPath(dir, "partner-globex-annotation.html");
  CUSTODY_RETURN_IF_ERROR(audit::WritePartnerReport(c, "globex-annotation",
                                                    audit::ReportFormat::kHtml, report, true,
                                                    c.clock()->Now()));
  out << "   Partner report: " << report << "\n";
  const std::string risk_report = JoinPath(dir, "risk.html");
  CUSTODY_RETURN_IF_ERROR(audit::WriteRiskReport(c, "", audit::ReportFormat::kHtml, risk_report,
                                                 true, c.clock()->Now()));
  out << "   Risk report:    " << risk_report << "\n\n";
  return OkStatus();
}

}  // namespace custody::core
