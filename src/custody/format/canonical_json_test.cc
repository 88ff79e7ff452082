#include "custody/format/canonical_json.h"

#include <gtest/gtest.h>

#include <random>

#include "custody/format/json_escape.h"
#include "custody/format/record.h"

namespace custody::format {
namespace {

std::string Canon(std::string_view json) {
  auto r = CanonicalizeJson(json);
  EXPECT_TRUE(r.ok()) << json << " -> " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::string Error(std::string_view json) {
  auto r = CanonicalizeJson(json);
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(CanonicalJsonTest, SortsKeysRecursivelyAndDropsWhitespace) {
  EXPECT_EQ(Canon(" { \"b\" : 1 , \"a\" : { \"z\" : [ 1 , { \"y\":2, \"x\":3 } ], \"c\": null } }\n"),
            R"({"a":{"c":null,"z":[1,{"x":3,"y":2}]},"b":1})");
  EXPECT_EQ(Canon("{}"), "{}");
  EXPECT_EQ(Canon(R"({"a":[],"b":{},"c":true,"d":false})"), R"({"a":[],"b":{},"c":true,"d":false})");
}

TEST(CanonicalJsonTest, SortsKeysBytewise) {
  // Uppercase before lowercase, ASCII before UTF-8 lead bytes, prefixes first.
  EXPECT_EQ(Canon(R"({"é":1,"b":2,"B":3,"ab":4,"a":5,"":6})"),
            R"({"":6,"B":3,"a":5,"ab":4,"b":2,"é":1})");
  // Keys compare after unescaping.
  EXPECT_EQ(Canon(R"({"\u0062":1,"a":2})"), R"({"a":2,"b":1})");
}

TEST(CanonicalJsonTest, MinimalStringEscapes) {
  EXPECT_EQ(Canon(R"({"s":"\/\u0041\"\\\n\t\r\b\f\u0001\u001F\u007f"})"),
            "{\"s\":\"/A\\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"}");
}

TEST(CanonicalJsonTest, KeepsUtf8AndDecodesUnicodeEscapes) {
  EXPECT_EQ(Canon(R"({"s":"caf\u00e9 \u6771\u4eac \ud83d\ude00 — “q”"})"),
            "{\"s\":\"café 東京 😀 — “q”\"}");
  EXPECT_EQ(Canon("{\"s\":\"café 東京\"}"), "{\"s\":\"café 東京\"}");
}

TEST(CanonicalJsonTest, NumbersKeepTheirSourceToken) {
  EXPECT_EQ(Canon(R"({"a":1.50,"b":-0,"c":1E+3,"d":12345678901234567890123,"e":0.1e-7})"),
            R"({"a":1.50,"b":-0,"c":1E+3,"d":12345678901234567890123,"e":0.1e-7})");
  EXPECT_EQ(Canon("{\"a\":[1 ,2\t,3\n]}"), R"({"a":[1,2,3]})");
}

TEST(CanonicalJsonTest, IsIdempotent) {
  const std::string c = Canon(R"({"z":{"b":[true,"x\u0000y"],"a":-1.0e10},"a":"\"q\""})");
  EXPECT_EQ(Canon(c), c);
}

TEST(CanonicalJsonTest, AcceptsLeadingBom) { EXPECT_EQ(Canon("\xEF\xBB\xBF{\"a\":1}"), R"({"a":1})"); }

TEST(CanonicalJsonTest, RejectsNonObjects) {
  EXPECT_NE(Error("[1,2]").find("expected a JSON object, found '['"), std::string::npos);
  EXPECT_NE(Error("\"s\"").find("expected a JSON object, found '\"'"), std::string::npos);
  EXPECT_NE(Error("  ").find("found end of input"), std::string::npos);
  EXPECT_NE(Error("42").find("found '4'"), std::string::npos);
}

TEST(CanonicalJsonTest, RejectsMalformedJson) {
  for (std::string_view bad :
       {R"({"a":})", R"({"a":1,})", R"({"a" 1})", R"({"a":tru})", R"({"a":nul})", R"({"a":01})",
        R"({"a":1.})", R"({"a":.5})", R"({"a":1e})", R"({"a":-})", R"({"a":"x)", R"({"a":1)",
        R"({a:1})", R"({"a":'x'})", R"({"a":"\x"})", R"({"a":[1,2})", R"({"a":1}})",
        R"({"a":"\ud800"})", "{\"a\":\"tab\there\"}", R"({"a":NaN})", R"({"a":+1})"}) {
    Error(bad);
  }
}

TEST(CanonicalJsonTest, RejectsTrailingContent) {
  EXPECT_NE(Error(R"({"a":1} {"b":2})").find("expected end of input"), std::string::npos);
  Error(R"({"a":1} x)");
  Error(R"({"a":1} 5)");
}

TEST(CanonicalJsonTest, RejectsDuplicateKeys) {
  EXPECT_NE(Error(R"({"a":1,"b":2,"a":3})").find("duplicate key \"a\""), std::string::npos);
  EXPECT_NE(Error(R"({"x":{"k":1,"\u006b":2}})").find("duplicate key \"k\""), std::string::npos);
}

TEST(CanonicalJsonTest, RejectsInvalidUtf8WithOffset) {
  EXPECT_NE(Error("{\"a\":\"ok\xC3\x28\"}").find("invalid UTF-8 at byte 8"), std::string::npos);
  EXPECT_NE(Error("{\"a\":\"\xED\xA0\x80\"}").find("invalid UTF-8 at byte 6"), std::string::npos);
}

TEST(CanonicalJsonTest, ReusedCanonicalizerGivesSameAnswers) {
  JsonCanonicalizer c;
  std::string out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Canonicalize(R"({"b":{"d":1,"c":2},"a":[{"f":1,"e":2}]})", &out).ok());
    EXPECT_EQ(out, R"({"a":[{"e":2,"f":1}],"b":{"c":2,"d":1}})");
    EXPECT_FALSE(c.Canonicalize(R"({"b":)", &out).ok());
  }
}

TEST(TextFieldsTest, SpansLocateTheSameValuesAsExtractTextFields) {
  const std::string c = Canon(
      R"({"z":"la\"st","a":{"b":"x\ny","n":3},"list":["p",{"q\u00e9":"r"},["s"]],"e":"","t":true})");
  std::vector<TextField> fields;
  ExtractTextFields(c, &fields);
  std::string paths;
  std::vector<StringValueSpan> spans;
  StringValueSpans(c, &paths, &spans);
  ASSERT_EQ(spans.size(), fields.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(paths.substr(spans[i].path_begin, spans[i].path_len), fields[i].name);
    std::string value;
    AppendJsonUnescaped(std::string_view(c).substr(spans[i].begin, spans[i].end - spans[i].begin),
                        &value);
    EXPECT_EQ(value, fields[i].value);
  }
}

TEST(TextFieldsTest, FlattensStringValuesByPathInCanonicalOrder) {
  const std::string c = Canon(
      R"({"z":"last","a":{"b":"x\ny","n":3},"list":["p",{"q":"r"},["s"]],"e":"","t":true})");
  std::vector<TextField> fields;
  ExtractTextFields(c, &fields);
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0].name, "a.b");
  EXPECT_EQ(fields[0].value, "x\ny");
  EXPECT_EQ(fields[1].name, "e");
  EXPECT_EQ(fields[1].value, "");
  EXPECT_EQ(fields[2].name, "list.0");
  EXPECT_EQ(fields[2].value, "p");
  EXPECT_EQ(fields[3].name, "list.1.q");
  EXPECT_EQ(fields[3].value, "r");
  EXPECT_EQ(fields[4].name, "list.2.0");
  EXPECT_EQ(fields[4].value, "s");
  EXPECT_EQ(fields[5].name, "z");
  EXPECT_EQ(fields[5].value, "last");
}

TEST(JsonEscapeTest, WideFastPathsEqualTheByteRules) {
  // The escaping rule written plainly, one byte at a time. Random strings mix
  // bytes to escape with long runs of plain ASCII and UTF-8, so the sixteen-
  // and eight-byte skips are exercised at every alignment and at every
  // distance from the end.
  auto reference = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
    }
    return out;
  };
  std::mt19937_64 rng(11);
  const std::string pool = std::string("abcXYZ 019.,'!~\x7F\xC3\xA9\xE2\x80\x99\xFF\x80") + "\"\\" +
                           std::string("\x00\x01\x1F\x1E\x20\x21\x5B\x5D\n\t\r\b\f", 13);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int len = static_cast<int>(rng() % 48);
    const int plain_odds = static_cast<int>(rng() % 4);  // some strings almost all plain
    for (int i = 0; i < len; ++i) {
      s.push_back(rng() % 8 < static_cast<uint64_t>(4 + plain_odds) ? 'a' + static_cast<char>(rng() % 26)
                                                                   : pool[rng() % pool.size()]);
    }
    std::string out = "prefix";
    AppendJsonEscaped(s, &out);
    ASSERT_EQ(out, "prefix" + reference(s)) << "input bytes: " << s.size();
    std::string back;
    AppendJsonUnescaped(std::string_view(out).substr(6), &back);
    ASSERT_EQ(back, s);
  }
}

TEST(TextFieldsTest, UnescapesEverythingTheCanonicalFormEscapes) {
  const std::string c = Canon(R"({"k\"ey":"q\"b\\s\u0001\t €"})");
  std::vector<TextField> fields;
  ExtractTextFields(c, &fields);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].name, "k\"ey");
  EXPECT_EQ(fields[0].value, "q\"b\\s\x01\t €");
}

}  // namespace
}  // namespace custody::format

namespace custody::format {
namespace {

// Regression: an error found before parsing starts (an unclosed string is
// caught by simdjson's first stage) used to crash when its position was asked.
TEST(CanonicalJsonTest, UnclosedStringIsAnErrorNotACrash) {
  for (const char* bad : {"{\"prompt\": \"broken", "{\"a\":\"x", "{\"a\":\"x\\\"}"}) {
    auto r = CanonicalizeJson(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("malformed JSON"), std::string::npos) << r.status().message();
  }
  JsonCanonicalizer c;
  std::string out;
  std::string padded = std::string("{\"prompt\": \"broken") + std::string(64, '\0');
  EXPECT_FALSE(c.CanonicalizePadded(std::string_view(padded.data(), 18), &out).ok());
}

}  // namespace
}  // namespace custody::format

namespace custody::format {
namespace {

// A hostile document nested far deeper than any record: refused with the
// limit named, never walked to the bottom (a 100,000-level document would
// exhaust the stack). Just under the limit still works.
TEST(CanonicalJsonTest, NestingDeeperThanTheLimitIsRefusedNotACrash) {
  for (size_t levels : {kMaxJsonDepth + 1, size_t{20000}, size_t{100000}}) {
    std::string doc = "{\"q\":";
    for (size_t i = 1; i < levels; ++i) doc += "[";
    for (size_t i = 1; i < levels; ++i) doc += "]";
    doc += "}";
    auto r = CanonicalizeJson(doc);
    ASSERT_FALSE(r.ok()) << levels;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("nested deeper than 512"), std::string::npos)
        << r.status().ToString();
  }
  std::string ok = "{\"q\":";
  for (size_t i = 2; i < kMaxJsonDepth; ++i) ok += "[";
  for (size_t i = 2; i < kMaxJsonDepth; ++i) ok += "]";
  ok += "}";
  EXPECT_TRUE(CanonicalizeJson(ok).ok());
}

}  // namespace
}  // namespace custody::format
