#include "custody/format/reader.h"

#include <gtest/gtest.h>

#include "custody/format/canonical_json.h"
#include "custody/format/internal/test_util.h"
#include "custody/format/writer.h"

namespace custody::format {
namespace {

using testing::ReadFile;
using testing::WriteTemp;

TEST(RecordReaderTest, ReadsJsonlAsCanonicalRecords) {
  const std::string path =
      WriteTemp("in.jsonl", "{\"b\": 2, \"a\": \"x\"}\n\n  \n{\"n\":{\"k\":\"v\"}}\r\n{\"c\":[\"p\"]}");
  auto all = ReadFile(path);
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_EQ(all.reader->format(), InputFormat::kJsonl);
  EXPECT_EQ(all.records[0].canonical, R"({"a":"x","b":2})");
  EXPECT_EQ(all.records[0].line, 1u);
  EXPECT_EQ(all.records[0].source, path);
  ASSERT_EQ(all.records[0].text_fields.size(), 1u);
  EXPECT_EQ(all.records[0].text_fields[0].name, "a");
  EXPECT_EQ(all.records[1].canonical, R"({"n":{"k":"v"}})");
  EXPECT_EQ(all.records[1].line, 4u);
  EXPECT_EQ(all.records[1].text_fields[0].name, "n.k");
  EXPECT_EQ(all.records[2].line, 5u);
  EXPECT_EQ(all.records[2].text_fields[0].name, "c.0");
  EXPECT_EQ(all.reader->records(), 3u);
  EXPECT_EQ(all.reader->skipped(), 0u);
}

// Deferred lines parse to the records, and fail with the errors, of an
// ordinary read of the same file.
TEST(RecordReaderTest, DeferredJsonLinesParseAsAnOrdinaryReadWould) {
  const std::string text =
      "{\"b\": 2, \"a\": \"x\"}\n[1]\n\n{\"bad\": \n{\"u\":\"caf\xff\"}\r\n{\"n\":{\"k\":\"v\"}}";
  const std::string path = WriteTemp("deferred.jsonl", text);
  ReadOptions plain;
  plain.skip_bad = true;
  auto r1 = std::move(RecordReader::Open(Env::Default(), path, plain)).value();
  ReadOptions deferred = plain;
  deferred.defer_json_lines = true;
  auto r2 = std::move(RecordReader::Open(Env::Default(), path, deferred)).value();
  std::vector<Record> good;
  Record rec;
  while (*r1->Next(&rec)) good.push_back(rec);
  ASSERT_EQ(good.size(), 2u);
  ASSERT_EQ(r1->bad_records().size(), 3u);
  JsonCanonicalizer canonicalizer;
  std::vector<Record> parsed;
  std::vector<std::pair<uint64_t, std::string>> errors;
  while (*r2->Next(&rec)) {
    EXPECT_TRUE(rec.deferred);
    EXPECT_TRUE(rec.text_fields.empty());
    std::string line = rec.canonical;
    line.append(JsonCanonicalizer::kPadding, ' ');
    Status s = ParseDeferredJson(std::string_view(line.data(), rec.canonical.size()),
                                 &canonicalizer, &rec);
    if (s.ok()) {
      EXPECT_FALSE(rec.deferred);
      parsed.push_back(rec);
    } else {
      errors.emplace_back(rec.line, s.message());
    }
  }
  EXPECT_EQ(r2->skipped(), 0u);  // the caller counts what did not parse
  ASSERT_EQ(parsed.size(), good.size());
  for (size_t i = 0; i < good.size(); ++i) {
    EXPECT_EQ(parsed[i].canonical, good[i].canonical);
    EXPECT_EQ(parsed[i].line, good[i].line);
    ASSERT_EQ(parsed[i].text_fields.size(), good[i].text_fields.size());
    for (size_t k = 0; k < good[i].text_fields.size(); ++k) {
      EXPECT_EQ(parsed[i].text_fields[k].name, good[i].text_fields[k].name);
      EXPECT_EQ(parsed[i].text_fields[k].value, good[i].text_fields[k].value);
    }
  }
  ASSERT_EQ(errors.size(), r1->bad_records().size());
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].first, r1->bad_records()[i].line);
    EXPECT_EQ(errors[i].second, r1->bad_records()[i].what);
  }
}

TEST(RecordReaderTest, StripsBom) {
  auto all = ReadFile(WriteTemp("bom.jsonl", "\xEF\xBB\xBF{\"a\":1}\n"));
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].canonical, R"({"a":1})");
  auto text = ReadFile(WriteTemp("bom.txt", "\xEF\xBB\xBFhello\r\nworld"));
  ASSERT_TRUE(text.status.ok());
  ASSERT_EQ(text.records.size(), 2u);
  EXPECT_EQ(text.records[0].canonical, R"({"text":"hello"})");
  EXPECT_EQ(text.records[1].canonical, R"({"text":"world"})");
}

TEST(RecordReaderTest, ReadsJsonArrayOfObjects) {
  const std::string path = WriteTemp("dump.json", "[\n  {\"b\": 1,\n   \"a\": \"x, ] y\"},\n  {\"c\": [1, {\"d\": \"}\"}]}\n]\n");
  auto all = ReadFile(path);
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  EXPECT_EQ(all.reader->format(), InputFormat::kJsonArray);
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].canonical, R"({"a":"x, ] y","b":1})");
  EXPECT_EQ(all.records[0].line, 2u);
  EXPECT_EQ(all.records[1].canonical, R"({"c":[1,{"d":"}"}]})");
  EXPECT_EQ(all.records[1].line, 4u);
}

TEST(RecordReaderTest, ReadsCsvWithQuotedFields) {
  const std::string path = WriteTemp(
      "in.csv", "question,answer,id\r\n\"What, then?\",\"He said \"\"hi\"\"\nand left\",7\r\nplain,,\"\"\n");
  auto all = ReadFile(path);
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  EXPECT_EQ(all.reader->format(), InputFormat::kCsv);
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].canonical,
            R"({"answer":"He said \"hi\"\nand left","id":"7","question":"What, then?"})");
  EXPECT_EQ(all.records[0].line, 2u);
  ASSERT_EQ(all.records[0].text_fields.size(), 3u);
  EXPECT_EQ(all.records[0].text_fields[0].name, "answer");
  EXPECT_EQ(all.records[0].text_fields[0].value, "He said \"hi\"\nand left");
  EXPECT_EQ(all.records[1].canonical, R"({"answer":"","id":"","question":"plain"})");
  EXPECT_EQ(all.records[1].line, 4u);
}

TEST(RecordReaderTest, ReadsPlainText) {
  auto all = ReadFile(WriteTemp("in.txt", "First line, with a comma.\n\nSecond “line” — café\n"));
  ASSERT_TRUE(all.status.ok());
  EXPECT_EQ(all.reader->format(), InputFormat::kText);
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].canonical, R"({"text":"First line, with a comma."})");
  EXPECT_EQ(all.records[1].line, 3u);
  EXPECT_EQ(all.records[1].text_fields[0].value, "Second “line” — café");
}

TEST(RecordReaderTest, RecordPerFile) {
  ReadOptions opts;
  opts.record_per_file = true;
  auto text = ReadFile(WriteTemp("doc.txt", "line one\nline \"two\"\n"), opts);
  ASSERT_TRUE(text.status.ok());
  ASSERT_EQ(text.records.size(), 1u);
  EXPECT_EQ(text.records[0].canonical, R"({"text":"line one\nline \"two\"\n"})");
  auto json = ReadFile(WriteTemp("doc.json", "{\n  \"z\": 1,\n  \"a\": [\"q\"]\n}\n"), opts);
  ASSERT_TRUE(json.status.ok()) << json.status.ToString();
  ASSERT_EQ(json.records.size(), 1u);
  EXPECT_EQ(json.records[0].canonical, R"({"a":["q"],"z":1})");
  opts.format = InputFormat::kCsv;
  EXPECT_FALSE(RecordReader::Open(Env::Default(), WriteTemp("x.csv", "a,b\n1,2\n"), opts).ok());
}

TEST(RecordReaderTest, ReadsGzipAndZstdDetectedFromMagic) {
  const std::string jsonl = "{\"b\":1,\"a\":\"é\"}\n{\"c\":2}\n";
  for (const auto& [name, data] : {std::pair<std::string, std::string>{"in.jsonl.gz", testing::Gzip(jsonl)},
                                   {"in.jsonl.zst", testing::Zstd(jsonl)},
                                   {"misnamed.txt", testing::Zstd(jsonl)},
                                   {"misnamed.zst", testing::Gzip(jsonl)}}) {
    auto all = ReadFile(WriteTemp(name, data));
    ASSERT_TRUE(all.status.ok()) << name << ": " << all.status.ToString();
    ASSERT_EQ(all.records.size(), 2u) << name;
    EXPECT_EQ(all.records[0].canonical, "{\"a\":\"é\",\"b\":1}");
    EXPECT_EQ(all.reader->bytes_decoded(), jsonl.size());
    EXPECT_EQ(all.reader->bytes_read(), data.size());
  }
}

TEST(RecordReaderTest, ReadsConcatenatedGzipMembersAndZstdFrames) {
  auto gz = ReadFile(WriteTemp("multi.gz", testing::Gzip("{\"a\":1}\n") + testing::Gzip("{\"a\":2}\n")));
  ASSERT_TRUE(gz.status.ok()) << gz.status.ToString();
  EXPECT_EQ(gz.records.size(), 2u);
  auto zst = ReadFile(WriteTemp("multi.zst", testing::Zstd("{\"a\":1}\n") + testing::Zstd("{\"a\":2}\n")));
  ASSERT_TRUE(zst.status.ok()) << zst.status.ToString();
  EXPECT_EQ(zst.records.size(), 2u);
}

TEST(RecordReaderTest, SniffsFormatFromContentNotExtension) {
  struct Case {
    std::string name, content;
    InputFormat want;
  };
  const Case cases[] = {
      {"a.csv", "{\"a\":1}\n", InputFormat::kJsonl},
      {"b.jsonl", "id,text\n1,hello\n2,world\n", InputFormat::kCsv},
      {"c.csv", "Hello, world.\nAnother line, here.\n", InputFormat::kText},
      {"d.txt", "  [ {\"a\":1} ]", InputFormat::kJsonArray},
      {"e.json", "just some text\n", InputFormat::kText},
      {"f.jsonl", "[citation needed] is a phrase\n", InputFormat::kText},
      {"g.txt", "\"question\",\"answer\"\n\"q, 1\",\"a\"\n", InputFormat::kCsv},
  };
  for (const Case& c : cases) {
    auto reader = RecordReader::Open(Env::Default(), WriteTemp(c.name, c.content));
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->format(), c.want) << c.name;
  }
}

TEST(RecordReaderTest, ExplicitFormatOverridesSniffing) {
  ReadOptions opts;
  opts.format = InputFormat::kText;
  auto all = ReadFile(WriteTemp("obj.txt", "{\"a\":1}\n"), opts);
  ASSERT_TRUE(all.status.ok());
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].canonical, R"({"text":"{\"a\":1}"})");
}

TEST(RecordReaderTest, LinesLongerThanTheBufferAreRead) {
  std::string big = "{\"t\":\"" + std::string(3 << 20, 'x') + "\"}\n{\"a\":1}\n";
  auto all = ReadFile(WriteTemp("big.jsonl", big));
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].text_fields[0].value.size(), 3u << 20);
  EXPECT_EQ(all.records[1].line, 2u);
}

TEST(RecordReaderTest, RoundTripsThroughWriters) {
  const std::vector<std::string> inputs = {
      R"({"question":"What is 2+2?","answer":"4, of course","n":3})",
      R"({"question":"Say \"hi\"\nplease","answer":"héllo — 東京","n":-1.5e3})",
      R"({"question":"","answer":"x","extra":{"k":[1,"v"]}})"};
  for (const std::string ext : {".jsonl", ".jsonl.gz", ".jsonl.zst"}) {
    const std::string path = testing::TempPath("rt" + ext);
    auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kJsonl);
    ASSERT_TRUE(w.ok());
    for (const auto& in : inputs) ASSERT_TRUE((*w)->Write(in).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    auto all = ReadFile(path);
    ASSERT_TRUE(all.status.ok()) << ext << ": " << all.status.ToString();
    ASSERT_EQ(all.records.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(all.records[i].canonical, *CanonicalizeJson(inputs[i]));
  }
  for (const std::string ext : {".csv", ".csv.gz"}) {
    const std::string path = testing::TempPath("rt" + ext);
    auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kCsv, {"question", "answer", "n"});
    ASSERT_TRUE(w.ok());
    for (const auto& in : inputs) ASSERT_TRUE((*w)->Write(in).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    auto all = ReadFile(path);
    ASSERT_TRUE(all.status.ok()) << ext << ": " << all.status.ToString();
    EXPECT_EQ(all.reader->format(), InputFormat::kCsv);
    ASSERT_EQ(all.records.size(), 3u);
    EXPECT_EQ(all.records[0].canonical, R"({"answer":"4, of course","n":"3","question":"What is 2+2?"})");
    EXPECT_EQ(all.records[1].canonical,
              R"({"answer":"héllo — 東京","n":"-1.5e3","question":"Say \"hi\"\nplease"})");
    EXPECT_EQ(all.records[2].canonical, R"({"answer":"x","n":"","question":""})");
  }
}

}  // namespace
}  // namespace custody::format
