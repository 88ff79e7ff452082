// The JSON body readers: each wrong or missing field is refused with its
// name, what was expected and what was found.
#include "custody/serve/internal/json_body.h"

#include <gtest/gtest.h>

namespace custody::serve::internal {
namespace {

std::string ErrorOf(const Status& s) { return s.ok() ? "OK" : s.message(); }

TEST(JsonBodyTest, AnEmptyBodyIsAnEmptyObjectAndOthersMustBeObjects) {
  auto empty = JsonBody::Parse("  \n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->json().empty());
  EXPECT_EQ(ErrorOf(JsonBody::Parse("[1]").status()), "body: expected a JSON object, found [1]");
  EXPECT_EQ(ErrorOf(JsonBody::Parse("{\"a\":").status()), "body: expected a JSON object, found text that is not JSON");
}

TEST(JsonBodyTest, FieldsNameWhatWasExpectedAndFound) {
  auto b = JsonBody::Parse(R"({"name": 7, "empty": "", "version": 0, "fields": ["a", 2], "at": "soon"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(ErrorOf(b->String("name", true).status()), "name: expected a string, found 7");
  EXPECT_EQ(ErrorOf(b->String("missing", true).status()), "missing: expected a string, found nothing (it is required)");
  EXPECT_EQ(ErrorOf(b->String("empty", true).status()), "empty: expected a non-empty string, found \"\"");
  EXPECT_EQ(*b->String("missing", false), "");
  EXPECT_EQ(ErrorOf(b->PositiveInt("version").status()), "version: expected a positive integer, found 0");
  EXPECT_EQ(ErrorOf(b->Strings("fields").status()), "fields[1]: expected a string, found 2");
  EXPECT_EQ(ErrorOf(b->TimeField("at", true).status()).rfind("at: ", 0), 0u);
  EXPECT_FALSE(b->TimeField("missing", false)->has_value());
  EXPECT_EQ(ErrorOf(b->OnlyFields({"name", "empty", "version", "fields"})),
            "at: expected one of the fields name, empty, version, fields, found an unknown field");
  EXPECT_TRUE(b->OnlyFields({"name", "empty", "version", "fields", "at"}).ok());
}

TEST(JsonBodyTest, AGoodBodyReadsBack) {
  auto b = JsonBody::Parse(R"({"name": "acme", "version": 3, "fields": ["q"], "at": "2099-01-01"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->String("name", true), "acme");
  EXPECT_EQ(**b->PositiveInt("version"), 3);
  EXPECT_EQ(*b->Strings("fields"), std::vector<std::string>{"q"});
  EXPECT_TRUE(b->TimeField("at", true)->has_value());
}

TEST(JsonBodyTest, BooleansAndTimesByName) {
  auto b = JsonBody::Parse(
      R"({"yes": true, "word": "yes", "times": {"a": "2026-03-01T09:00:00Z", "b": "2026-03-02"},
          "bad": {"a": "soon"}, "number": {"a": 5}, "list": ["2026-03-01"]})");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(*b->Bool("yes"));
  EXPECT_FALSE(*b->Bool("missing"));
  EXPECT_EQ(ErrorOf(b->Bool("word").status()), "word: expected true or false, found \"yes\"");
  auto times = b->TimesByName("times");
  ASSERT_TRUE(times.ok()) << times.status().message();
  EXPECT_EQ(times->size(), 2u);
  EXPECT_EQ(FormatRfc3339(times->at("a")), "2026-03-01T09:00:00Z");
  EXPECT_EQ(FormatRfc3339(times->at("b")), "2026-03-02T00:00:00Z");
  EXPECT_TRUE(b->TimesByName("missing")->empty());
  EXPECT_EQ(ErrorOf(b->TimesByName("bad").status()).rfind("bad.a: ", 0), 0u);
  EXPECT_EQ(ErrorOf(b->TimesByName("number").status()), "number.a: expected a date or RFC 3339 time, found 5");
  EXPECT_EQ(ErrorOf(b->TimesByName("list").status()),
            "list: expected an object of name: time, found [\"2026-03-01\"]");
}

TEST(JsonBodyTest, FoundIsShort) {
  EXPECT_EQ(Found(nlohmann::json(std::string(100, 'x'))).size(), 40u);
}

}  // namespace
}  // namespace custody::serve::internal
