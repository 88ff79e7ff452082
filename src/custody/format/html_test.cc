// The shared HTML helpers: escaping every character that could open markup
// or close an attribute, and bar charts that stay inside their box.
#include "custody/format/html.h"

#include <gtest/gtest.h>

namespace custody::format {
namespace {

TEST(HtmlTest, EscapesMarkupAndQuotes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(MarkdownCell("a|b\nc"), "a\\|b c");
}

TEST(HtmlTest, PageIsSelfContained) {
  const std::string page = HtmlPageStart("<t>") + HtmlPageEnd();
  EXPECT_NE(page.find("<title>&lt;t&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http"), page.find("http-equiv"));  // no URL but the meta name
}

TEST(HtmlTest, BarsScaleToTheLargestAndEscapeLabels) {
  const std::string svg = BarsSvg({{"<x>", 10, "#000", "ten"}, {"y", 5, "#000", "five"}}, "chart", 0, 20, "t");
  EXPECT_NE(svg.find("&lt;x&gt;"), std::string::npos);
  // The marker (20) sets the scale: 10 is half of the 400 px span, 5 a quarter.
  EXPECT_NE(svg.find("width=\"200.0\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"100.0\""), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(BarsSvg({}, "empty").find("height=\"10\""), std::string::npos);
}

}  // namespace
}  // namespace custody::format
