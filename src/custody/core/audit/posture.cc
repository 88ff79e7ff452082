// Posture scoring; see posture.h.
#include "custody/core/audit/posture.h"

#include <algorithm>
#include <cmath>

namespace custody::core::audit {
namespace {

double RawScore(const Control& c, const nlohmann::json& v, std::string* gap) {
  const AnswerSpec& a = c.answer;
  switch (a.type) {
    case AnswerType::kYesPartialNo:
      if (v == "yes") return 1;
      *gap = v == "partial" ? "answered partial" : "answered no";
      return v == "partial" ? 0.5 : 0;
    case AnswerType::kNumber: {
      const double x = v.get<double>();
      if (a.at_most ? x <= a.threshold : x >= a.threshold) return 1;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%g %s, expected %s %g", x, a.unit.c_str(),
                    a.at_most ? "at most" : "at least", a.threshold);
      *gap = buf;
      return 0;
    }
    case AnswerType::kEnum:
      for (const auto& o : a.options) {
        if (v == o.value) {
          if (o.score < 1) *gap = "answered " + o.value;
          return o.score;
        }
      }
      return 0;
    case AnswerType::kList: {
      int n = 0;
      for (const auto& item : v) n += item != a.none_value;
      const double s = std::min(1.0, static_cast<double>(n) / a.min_items);
      if (s < 1) *gap = "answered " + v.dump();
      return s;
    }
  }
  return 0;
}

}  // namespace

std::vector<const ControlResult*> Posture::Gaps() const {
  std::vector<const ControlResult*> out;
  for (const auto& c : controls) {
    if (c.score < 1) out.push_back(&c);
  }
  return out;
}

char GradeFor(double p) {
  if (p >= 0.90) return 'A';
  if (p >= 0.80) return 'B';
  if (p >= 0.70) return 'C';
  if (p >= 0.60) return 'D';
  return 'F';
}

Posture ScorePosture(const ControlSet& set, const Answers& answers,
                     const std::set<std::string>& evidenced) {
  Posture p;
  double total = 0, met = 0;
  for (const Control& c : set.controls) {
    ControlResult r;
    r.control = &c;
    r.evidenced = evidenced.count(c.id) > 0;
    auto it = answers.values.find(c.id);
    if (it == answers.values.end() || it->second.is_null()) {
      r.gap = "unanswered";
    } else {
      r.answered = true;
      r.answer = it->second;
      r.raw = RawScore(c, r.answer, &r.gap);
      r.score = r.evidenced ? r.raw : std::min(r.raw, kUnevidencedCap);
      if (r.gap.empty() && r.score < 1) r.gap = "no evidence (counts at most half)";
      else if (!r.evidenced && r.raw > 0) r.gap += "; no evidence";
    }
    r.knockout_failed = c.knockout && r.raw < 1;
    p.knockout_failed = p.knockout_failed || r.knockout_failed;
    total += c.weight;
    met += c.weight * r.score;
    p.controls.push_back(std::move(r));
  }
  p.questionnaire = p.posture = total > 0 ? met / total : 0;
  p.grade = p.knockout_failed ? 'F' : GradeFor(p.posture);
  return p;
}

Result<ExternalRating> ParseExternalRating(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string usage = "external: expected securityscorecard:0-100, bitsight:250-900 or "
                            "upguard:0-950, found '" + std::string(text) + "'";
  if (colon == std::string_view::npos) return InvalidArgumentError(usage);
  ExternalRating r;
  r.provider = std::string(text.substr(0, colon));
  std::transform(r.provider.begin(), r.provider.end(), r.provider.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  const std::string num(text.substr(colon + 1));
  char* end = nullptr;
  r.value = std::strtod(num.c_str(), &end);
  if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(r.value)) {
    return InvalidArgumentError(usage);
  }
  double lo = 0, hi = 0;
  if (r.provider == "securityscorecard") hi = 100;
  else if (r.provider == "bitsight") lo = 250, hi = 900;
  else if (r.provider == "upguard") hi = 950;
  else return InvalidArgumentError(usage);
  if (r.value < lo || r.value > hi) return InvalidArgumentError(usage);
  r.normalized = (r.value - lo) / (hi - lo);
  return r;
}

Posture BlendExternal(Posture p, const ExternalRating& r) {
  p.external = r;
  p.posture = (1 - kExternalWeight) * p.questionnaire + kExternalWeight * r.normalized;
  p.grade = p.knockout_failed ? 'F' : GradeFor(p.posture);
  return p;
}

nlohmann::json PostureToJson(const Posture& p) {
  nlohmann::json gaps = nlohmann::json::array();
  for (const ControlResult* r : p.Gaps()) {
    const Control& c = *r->control;
    nlohmann::json m = nlohmann::json::object();
    for (const auto& [k, v] : c.mappings) m[k] = v;
    gaps.push_back({{"id", c.id}, {"question", c.question}, {"domain", c.domain},
                    {"weight", c.weight}, {"knockout", c.knockout}, {"answer", r->answer},
                    {"score", r->score}, {"evidenced", r->evidenced},
                    {"knockout_failed", r->knockout_failed}, {"reason", r->gap},
                    {"evidence_expected", c.evidence}, {"mappings", m}});
  }
  nlohmann::json ext;
  if (p.external) {
    ext = {{"provider", p.external->provider}, {"value", p.external->value},
           {"normalized", p.external->normalized}, {"weight", kExternalWeight}};
  }
  return {{"posture", p.posture}, {"questionnaire", p.questionnaire},
          {"grade", std::string(1, p.grade)}, {"knockout_failed", p.knockout_failed},
          {"external", ext}, {"gaps", gaps}};
}

}  // namespace custody::core::audit
