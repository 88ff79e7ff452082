// Shared HTML and Markdown helpers; see html.h.
#include "custody/format/html.h"

#include <algorithm>
#include <cstdio>

namespace custody::format {
namespace {

std::string Fixed(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f", v);
  return b;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string MarkdownCell(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else if (ch == '\n') out += ' ';
    else out += ch;
  }
  return out;
}

std::string HtmlPageStart(std::string_view title, std::string_view extra_css) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
         "<title>" + HtmlEscape(title) + "</title><style>"
         "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em;display:block;max-width:100%;overflow-x:auto}"
         "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;font-size:13px;vertical-align:top}"
         "th{background:#f3f3f3}svg{max-width:100%;height:auto}code{font-size:12px;word-break:break-all}"
         "pre{white-space:pre-wrap;word-break:break-all;font-size:12px;background:#f8f8f8;padding:.5em}" +
         std::string(extra_css) + "</style></head><body>\n";
}

std::string HtmlPageEnd() { return "</body></html>\n"; }

std::string BarsSvg(const std::vector<Bar>& bars, std::string_view aria, double max, double marker,
                    std::string_view marker_label) {
  const int row = 24, width = 760, label = 200, span = 400;
  for (const Bar& b : bars) max = std::max(max, b.value);
  if (marker > max) max = marker;
  if (max <= 0) max = 1;
  const int height = static_cast<int>(bars.size()) * row + (marker >= 0 ? 34 : 10);
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                  std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                  std::to_string(height) + "\" role=\"img\" aria-label=\"" + HtmlEscape(aria) + "\">";
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = 5.0 + static_cast<double>(i) * row;
    const double w = std::max(1.0, b.value / max * span);
    s += "<text x=\"" + std::to_string(label - 6) + "\" y=\"" + Fixed(y + 13) +
         "\" text-anchor=\"end\" font-size=\"12\">" + HtmlEscape(b.label) + "</text>";
    s += "<rect x=\"" + std::to_string(label) + "\" y=\"" + Fixed(y) + "\" width=\"" + Fixed(w) +
         "\" height=\"16\" fill=\"" + HtmlEscape(b.color) + "\"/>";
    s += "<text x=\"" + Fixed(label + w + 4) + "\" y=\"" + Fixed(y + 13) + "\" font-size=\"11\">" +
         HtmlEscape(b.note) + "</text>";
  }
  if (marker >= 0) {
    const double x = label + marker / max * span;
    const int bottom = static_cast<int>(bars.size()) * row + 8;
    s += "<line x1=\"" + Fixed(x) + "\" y1=\"2\" x2=\"" + Fixed(x) + "\" y2=\"" + std::to_string(bottom) +
         "\" stroke=\"#2c3e50\" stroke-dasharray=\"4 3\"/>";
    s += "<text x=\"" + Fixed(x) + "\" y=\"" + std::to_string(bottom + 14) +
         "\" text-anchor=\"middle\" font-size=\"11\">" + HtmlEscape(marker_label) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace custody::format
