// The pieces every HTML and Markdown report of custody shares (trace,
// partner and incident reports): escaping, the page shell with its inline
// style, and an inline SVG bar chart. Pages are self-contained: no scripts,
// no network, a Content-Security-Policy that allows inline style only.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custody::format {

// `s` with & < > " ' escaped, for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);
// `s` for a Markdown table cell: '|' escaped, newlines as spaces.
std::string MarkdownCell(std::string_view s);

// "<!DOCTYPE html>...<body>": the page head with `title` (escaped here), the
// shared style (readable from 1280 px down: tables scroll inside their box,
// SVGs scale to the column) and `extra_css` appended to it.
std::string HtmlPageStart(std::string_view title, std::string_view extra_css = "");
// "</body></html>\n".
std::string HtmlPageEnd();

// One bar of BarsSvg.
struct Bar {
  std::string label;
  double value = 0;
  std::string color = "#1f5fa8";
  std::string note;  // printed after the bar ("1,024 records")
};
// Horizontal bars, labelled, scaled to the largest value (or `max` if
// larger), with an optional dashed marker line at `marker` labelled
// `marker_label` (e.g. the accusation threshold). `aria` names the chart.
std::string BarsSvg(const std::vector<Bar>& bars, std::string_view aria, double max = 0,
                    double marker = -1, std::string_view marker_label = "");

}  // namespace custody::format
