#include "custody/format/writer.h"

#include <gtest/gtest.h>

#include "custody/format/internal/test_util.h"

namespace custody::format {
namespace {

std::string Slurp(const std::string& path) { return *Env::Default()->ReadFileToString(path); }

TEST(RecordWriterTest, JsonlIsOneCanonicalObjectPerLine) {
  const std::string path = testing::TempPath("out.jsonl");
  auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kJsonl);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(R"({ "b": 1, "a": "x" })").ok());
  Record rec;
  rec.canonical = R"({"c":true})";
  ASSERT_TRUE((*w)->Write(rec).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(Slurp(path), "{\"a\":\"x\",\"b\":1}\n{\"c\":true}\n");
  EXPECT_EQ((*w)->records(), 2u);
  EXPECT_EQ((*w)->bytes(), Slurp(path).size());
}

TEST(RecordWriterTest, RejectsNonObjects) {
  auto w = RecordWriter::Create(Env::Default(), testing::TempPath("bad.jsonl"), OutputFormat::kJsonl);
  ASSERT_TRUE(w.ok());
  Status s = (*w)->Write("[1]");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("expected a JSON object"), std::string::npos) << s.message();
}

TEST(RecordWriterTest, CsvQuotesWhenNeededAndWritesJsonForNonStrings) {
  const std::string path = testing::TempPath("out.csv");
  auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kCsv, {"name", "n", "note", "obj"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(R"({"name":"a, b","n":1.50,"note":"say \"hi\"\nnow","obj":{"k":[1]},"skip":1})").ok());
  ASSERT_TRUE((*w)->Write(R"({"name":"plain","n":null})").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(Slurp(path),
            "name,n,note,obj\r\n"
            "\"a, b\",1.50,\"say \"\"hi\"\"\nnow\",\"{\"\"k\"\":[1]}\"\r\n"
            "plain,null,,\r\n");
}

TEST(RecordWriterTest, CsvColumnsDefaultToFirstRecordKeys) {
  const std::string path = testing::TempPath("auto.csv");
  auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kCsv);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(R"({"b":"2","a":"1"})").ok());
  ASSERT_TRUE((*w)->Write(R"({"a":"3"})").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(Slurp(path), "a,b\r\n1,2\r\n3,\r\n");
}

TEST(RecordWriterTest, CompressesByExtension) {
  for (const std::string ext : {".gz", ".zst"}) {
    const std::string path = testing::TempPath("out.jsonl" + ext);
    auto w = RecordWriter::Create(Env::Default(), path, OutputFormat::kJsonl);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE((*w)->Write("{\"i\":" + std::to_string(i) + "}").ok());
    ASSERT_TRUE((*w)->Finish().ok());
    const std::string raw = Slurp(path);
    ASSERT_GE(raw.size(), 4u);
    if (ext == ".gz") {
      EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);
    } else {
      EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x28);
    }
    EXPECT_LT(raw.size(), (*w)->bytes());
    auto all = testing::ReadFile(path);
    ASSERT_TRUE(all.status.ok());
    EXPECT_EQ(all.records.size(), 1000u);
  }
}

TEST(RecordWriterTest, NoWritesAfterFinish) {
  auto w = RecordWriter::Create(Env::Default(), testing::TempPath("fin.jsonl"), OutputFormat::kJsonl);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ((*w)->Write("{}").code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace custody::format
