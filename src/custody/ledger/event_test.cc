#include "custody/ledger/event.h"
#include "custody/ledger/log_export.h"

#include <gtest/gtest.h>

namespace custody::ledger {
namespace {

Event Sample() {
  Event e;
  e.type = event_type::kIngest;
  e.time = FromUnixMillis(1700000000123);
  e.actor = "alice";
  e.subject = "dataset:1@v1";
  e.details = {{"records", 3}, {"name", "gsm8k"}, {"a", {{"z", 1}, {"b", true}}}};
  e.hashes = {{"records_root", "00ff"}};
  return e;
}

TEST(EventTest, CanonicalJsonHasSortedKeysAndNoSpaces) {
  auto s = SerializeEvent(Sample());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s,
            R"({"actor":"alice","details":{"a":{"b":true,"z":1},"name":"gsm8k","records":3},)"
            R"("hashes":{"records_root":"00ff"},"subject":"dataset:1@v1","time":1700000000123,)"
            R"("type":"ingest","v":1})");
  auto back = ParseEvent(*s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
}

TEST(EventTest, BytesEqualTheSortedJsonTreeDump) {
  // The serializer writes the fields directly; its bytes must equal the
  // canonical dump of the whole event as one nlohmann::json tree.
  Event e = Sample();
  e.actor = "J\u00f6rg \"quoted\" \\ tab\there\x01\x7f \u2014 \U0001F600";
  e.subject = "partner:a/b\n";
  e.time = FromUnixMillis(-42);
  e.hashes = {{"z_root", "ab"}, {"a\"b", "0123456789abcdef"}, {"m", "ff"}};
  e.details = {{"list", {1, "two", nullptr, false}}, {"text", "line\r\n\u00e9"}};
  for (const Event& ev : {Sample(), e}) {
    nlohmann::json hashes = nlohmann::json::object();
    for (const auto& [k, v] : ev.hashes) hashes[k] = v;
    nlohmann::json tree = {{"v", kEventSchemaVersion}, {"type", ev.type},       {"time", ToUnixMillis(ev.time)},
                           {"actor", ev.actor},         {"subject", ev.subject}, {"details", ev.details},
                           {"hashes", hashes}};
    auto s = SerializeEvent(ev);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(*s, tree.dump());
    auto back = ParseEvent(*s);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, ev);
  }
  e.subject = "bad \xff utf-8";
  EXPECT_EQ(SerializeEvent(e).status().code(), StatusCode::kInvalidArgument);
}

TEST(EventTest, RejectsBadFields) {
  Event e = Sample();
  e.type = "Ingest";
  EXPECT_EQ(SerializeEvent(e).status().code(), StatusCode::kInvalidArgument);
  e = Sample();
  e.hashes["x"] = "ABCD";
  EXPECT_FALSE(SerializeEvent(e).ok());
  e = Sample();
  e.actor = "";
  EXPECT_FALSE(SerializeEvent(e).ok());
  e = Sample();
  e.subject = std::string("bad\xff");
  EXPECT_FALSE(SerializeEvent(e).ok());
}

TEST(EventTest, ParseRejectsNonCanonical) {
  auto s = *SerializeEvent(Sample());
  EXPECT_FALSE(ParseEvent(" " + s).ok());
  std::string spaced = s;
  spaced.insert(1, " ");
  EXPECT_FALSE(ParseEvent(spaced).ok());
  EXPECT_FALSE(ParseEvent("[]").ok());
  EXPECT_FALSE(ParseEvent(R"({"v":1})").ok());
}

// A tampered log entry nested far deeper than any event (the fuzzer's
// 32,000 levels overflowed the stack when the parsed tree was copied and
// written back) is refused before it is walked, by the parser and by the
// exports built on it.
TEST(EventTest, DeeplyNestedEntryIsRefusedNotACrash) {
  for (size_t levels : {kMaxEventDepth + 1, size_t{1000000}}) {
    std::string entry = "{\"actor\":\"a\",\"details\":{\"x\":";
    for (size_t i = 2; i < levels; ++i) entry += "[";
    for (size_t i = 2; i < levels; ++i) entry += "]";
    entry += "},\"hashes\":{},\"subject\":\"s\",\"time\":1,\"type\":\"ingest\",\"v\":1}";
    auto e = ParseEvent(entry);
    ASSERT_FALSE(e.ok()) << levels;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find("nested deeper than 512 levels"), std::string::npos)
        << e.status().message();
    EXPECT_FALSE(ExportJsonl("o", 1, entry).ok());
    EXPECT_FALSE(ExportOcsf("o", 1, entry).ok());
  }
  // Strings holding brackets do not count.
  Event e = Sample();
  e.details = {{"text", std::string(2000, '[')}};
  auto entry = SerializeEvent(e);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(ParseEvent(*entry).ok());
}

}  // namespace
}  // namespace custody::ledger
