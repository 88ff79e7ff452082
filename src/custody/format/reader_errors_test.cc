// Bad input: every error names the file, the line and what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "custody/format/internal/test_util.h"
#include "custody/format/reader.h"

namespace custody::format {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::WriteTemp;

// Reads `content` and expects the first error to mention `path:line` and
// every string in `wants`.
void ExpectError(const std::string& name, std::string_view content, uint64_t line,
                 std::vector<std::string> wants, ReadOptions opts = {},
                 StatusCode code = StatusCode::kInvalidArgument) {
  const std::string path = WriteTemp(name, content);
  auto all = ReadFile(path, opts);
  ASSERT_FALSE(all.status.ok()) << name;
  EXPECT_EQ(all.status.code(), code) << all.status.ToString();
  const std::string where = line == 0 ? path + ":" : path + ":" + std::to_string(line) + ":";
  EXPECT_THAT(all.status.message(), HasSubstr(where));
  for (const auto& w : wants) EXPECT_THAT(all.status.message(), HasSubstr(w));
}

TEST(ReaderErrorsTest, MalformedJsonLine) {
  ExpectError("bad.jsonl", "{\"a\":1}\n{\"a\":}\n", 2, {"malformed JSON"});
  ExpectError("trail.jsonl", "{\"a\":1}\n{\"a\":1} {}\n", 2, {"expected end of input"});
}

TEST(ReaderErrorsTest, JsonLineThatIsNotAnObject) {
  ExpectError("arr.jsonl", "{\"a\":1}\n\n[1,2]\n", 3, {"expected a JSON object, found '['"});
  ExpectError("num.jsonl", "{\"a\":1}\n42\n", 2, {"expected a JSON object, found '4'"});
}

TEST(ReaderErrorsTest, CsvRowWithWrongColumnCount) {
  ExpectError("cols.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n", 3, {"expected 3 columns, found 2"},
              [] {
                ReadOptions o;
                o.format = InputFormat::kCsv;
                return o;
              }());
  ExpectError("quote.csv", "a,b\n1,2\n\"x\"y,2\n", 3, {"expected ',' or end of row after a closing quote"},
              [] {
                ReadOptions o;
                o.format = InputFormat::kCsv;
                return o;
              }());
}

TEST(ReaderErrorsTest, InvalidUtf8ReportsByteOffsetWithinTheLine) {
  ExpectError("utf.jsonl", "{\"a\":1}\n{\"a\":\"ok\xff\"}\n", 2, {"invalid UTF-8 at byte 8"});
  ExpectError("utf.txt", "fine\nbad \xC3\x28 here\n", 2, {"invalid UTF-8 at byte 4"});
  ReadOptions csv;
  csv.format = InputFormat::kCsv;
  ExpectError("utf.csv", "a,b\nx,\xE2\x82\n", 2, {"invalid UTF-8 at byte 2"}, csv);
}

TEST(ReaderErrorsTest, RecordOverTheSizeLimit) {
  ReadOptions opts;
  opts.max_record_bytes = 100;
  const std::string long_line = "{\"a\":\"" + std::string(200, 'x') + "\"}";
  ExpectError("long.jsonl", "{\"a\":1}\n" + long_line + "\n{\"b\":2}\n", 2,
              {"exceeds max_record_bytes (100)"}, opts);
  // Longer than the read buffer too.
  const std::string huge = "{\"a\":\"" + std::string(3 << 20, 'x') + "\"}";
  ExpectError("huge.jsonl", "{\"a\":1}\n" + huge + "\n", 2, {"exceeds max_record_bytes (100)"}, opts);
}

TEST(ReaderErrorsTest, EmptyInputHasNoRecords) {
  ExpectError("empty.jsonl", "", 0, {"no records"});
  ExpectError("blank.txt", "\n  \n\r\n", 0, {"no records"});
  ExpectError("header-only.csv", "a,b\n", 0, {"no records"}, [] {
    ReadOptions o;
    o.format = InputFormat::kCsv;
    return o;
  }());
  ExpectError("empty-array.json", "[ ]", 0, {"no records"});
  ExpectError("empty.gz", testing::Gzip(""), 0, {"no records"});
}

TEST(ReaderErrorsTest, TruncatedAndCorruptCompressedStreams) {
  std::string jsonl;
  for (int i = 0; i < 2000; ++i) jsonl += "{\"i\":" + std::to_string(i) + ",\"t\":\"some text here\"}\n";
  const std::string gz = testing::Gzip(jsonl);
  const std::string zst = testing::Zstd(jsonl);
  ExpectError("trunc.gz", gz.substr(0, gz.size() / 2), 0, {"truncated gzip stream"}, {},
              StatusCode::kDataLoss);
  ExpectError("trunc.zst", zst.substr(0, zst.size() / 2), 0, {"truncated zstd stream"}, {},
              StatusCode::kDataLoss);
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // in the CRC-32 trailer
  ExpectError("crc.gz", bad_crc, 0, {"corrupt gzip stream"}, {}, StatusCode::kDataLoss);
  std::string bad_header = gz;
  bad_header[3] = static_cast<char>(0xE0);  // reserved flag bits
  ExpectError("header.gz", bad_header, 0, {"corrupt gzip stream"}, {}, StatusCode::kDataLoss);
  std::string bad_zst = testing::Zstd(jsonl, /*checksum=*/true);
  bad_zst[bad_zst.size() / 2] ^= 0x55;
  {
    auto all = ReadFile(WriteTemp("corrupt.zst", bad_zst));
    ASSERT_FALSE(all.status.ok());
    EXPECT_EQ(all.status.code(), StatusCode::kDataLoss) << all.status.ToString();
  }
}

TEST(ReaderErrorsTest, JsonArrayErrors) {
  ExpectError("unclosed.json", "[{\"a\":1},\n{\"b\":2}\n", 2, {"expected ',' or ']'"});
  ExpectError("notobj.json", "[{\"a\":1},\n 3]", 2, {"expected a JSON object, found '3'"});
  ExpectError("trailing.json", "[{\"a\":1}]\n x", 2, {"expected end of input after the closing ']'"});
}

TEST(ReaderErrorsTest, ReaderMovesPastABadRecord) {
  auto reader = RecordReader::Open(Env::Default(), WriteTemp("mix.jsonl", "{\"a\":1}\nbad\n{\"a\":3}\n"));
  ASSERT_TRUE(reader.ok());
  Record rec;
  EXPECT_TRUE(*(*reader)->Next(&rec));
  EXPECT_FALSE((*reader)->Next(&rec).ok());
  auto third = (*reader)->Next(&rec);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(*third);
  EXPECT_EQ(rec.line, 3u);
}

TEST(ReaderErrorsTest, SkipBadCountsAndSkips) {
  ReadOptions opts;
  opts.skip_bad = true;
  opts.max_reported_bad = 2;
  opts.max_record_bytes = 64;
  const std::string path = WriteTemp(
      "skip.jsonl", "{\"a\":1}\nnot json\n[1]\n{\"a\":\"" + std::string(100, 'x') + "\"}\n{\"a\":5}\n{\"a\":\"\xff\"}\n");
  auto all = ReadFile(path, opts);
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[1].line, 5u);
  EXPECT_EQ(all.reader->skipped(), 4u);
  ASSERT_TRUE(all.reader->first_bad().has_value());
  EXPECT_EQ(all.reader->first_bad()->source, path);
  EXPECT_EQ(all.reader->first_bad()->line, 2u);
  ASSERT_EQ(all.reader->bad_records().size(), 2u);
  EXPECT_EQ(all.reader->bad_records()[1].line, 3u);
  EXPECT_THAT(all.reader->bad_records()[1].ToString(), HasSubstr(path + ":3: expected a JSON object"));
}

TEST(ReaderErrorsTest, SkipBadCsvAndTruncatedStream) {
  ReadOptions opts;
  opts.skip_bad = true;
  opts.format = InputFormat::kCsv;
  auto csv = ReadFile(WriteTemp("skip.csv", "a,b\n1,2\n3\n4,5,6\n7,8\n"), opts);
  opts.format = InputFormat::kAuto;
  ASSERT_TRUE(csv.status.ok());
  EXPECT_EQ(csv.records.size(), 2u);
  EXPECT_EQ(csv.reader->skipped(), 2u);
  std::string jsonl;
  for (int i = 0; i < 5000; ++i) jsonl += "{\"i\":" + std::to_string(i) + "}\n";
  const std::string gz = testing::Gzip(jsonl);
  auto trunc = ReadFile(WriteTemp("skip.gz", gz.substr(0, gz.size() - 20)), opts);
  ASSERT_TRUE(trunc.status.ok());
  EXPECT_GT(trunc.records.size(), 0u);
  EXPECT_LT(trunc.records.size(), 5000u);
  EXPECT_EQ(trunc.reader->skipped(), 1u);
  EXPECT_THAT(trunc.reader->first_bad()->what, HasSubstr("truncated gzip stream"));
}

TEST(ReaderErrorsTest, TruncationAtEveryLengthNeverCrashes) {
  std::string jsonl;
  for (int i = 0; i < 20; ++i) jsonl += "{\"i\":" + std::to_string(i) + ",\"t\":\"é\"}\n";
  for (const std::string& whole : {testing::Gzip(jsonl), testing::Zstd(jsonl)}) {
    for (size_t n = 0; n < whole.size(); ++n) {
      for (bool skip : {false, true}) {
        ReadOptions opts;
        opts.skip_bad = skip;
        auto all = ReadFile(WriteTemp("cut", whole.substr(0, n)), opts);
        EXPECT_LE(all.records.size(), 20u);
        // Only a prefix of whole records is ever returned, never a torn one.
        for (size_t i = 0; n >= 4 && i < all.records.size(); ++i) {
          EXPECT_EQ(all.records[i].canonical, "{\"i\":" + std::to_string(i) + ",\"t\":\"é\"}") << n;
        }
        if (!skip && n >= 2) {
          EXPECT_FALSE(all.status.ok()) << n;
        }
      }
    }
  }
}

TEST(ReaderErrorsTest, MissingFileIsNotFound) {
  auto r = RecordReader::Open(Env::Default(), testing::TempPath("does-not-exist.jsonl"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
}

}  // namespace
}  // namespace custody::format

namespace custody::format {
namespace {

std::string Nested(size_t levels) {
  std::string doc = "{\"q\":";
  for (size_t i = 1; i < levels; ++i) doc += "[";
  for (size_t i = 1; i < levels; ++i) doc += "]";
  return doc + "}";
}

// A hostile dump record nested 100,000 levels deep is a bad record naming
// its file and line, in every JSON shape the reader takes (not a crash);
// the reader goes on past it. The limit is an option.
TEST(ReaderErrorsTest, DeeplyNestedRecordIsABadRecordWithItsPlace) {
  const std::string deep = Nested(100000);
  const std::string jsonl = WriteTemp("deep.jsonl", "{\"a\":\"1\"}\n" + deep + "\n{\"a\":\"3\"}\n");
  const std::string array = WriteTemp("deep.json", "[{\"a\":\"1\"},\n" + deep + ",\n{\"a\":\"3\"}]\n");
  for (const std::string& path : {jsonl, array}) {
    for (bool defer : {false, true}) {
      ReadOptions options;
      options.defer_json_lines = defer;
      auto reader = RecordReader::Open(Env::Default(), path, options);
      ASSERT_TRUE(reader.ok());
      Record rec;
      ASSERT_TRUE(*(*reader)->Next(&rec));
      auto bad = (*reader)->Next(&rec);
      if (bad.ok() && rec.deferred) {
        JsonCanonicalizer canonicalizer;
        std::string padded = rec.canonical + std::string(JsonCanonicalizer::kPadding, ' ');
        bad = ParseDeferredJson(std::string_view(padded.data(), rec.canonical.size()),
                                &canonicalizer, &rec);
        ASSERT_FALSE(bad.ok());
        EXPECT_THAT(bad.status().message(), HasSubstr("JSON nested deeper than 512 levels"));
      } else {
        ASSERT_FALSE(bad.ok()) << path;
        EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
        EXPECT_THAT(bad.status().message(),
                    HasSubstr(path + ":2: JSON nested deeper than 512 levels"));
      }
      ASSERT_TRUE(*(*reader)->Next(&rec));
      EXPECT_EQ(rec.line, 3u);
    }
  }
  ReadOptions skip;
  skip.skip_bad = true;
  auto all = ReadFile(jsonl, skip);
  ASSERT_TRUE(all.status.ok()) << all.status.ToString();
  EXPECT_EQ(all.records.size(), 2u);
  ASSERT_EQ(all.reader->bad_records().size(), 1u);
  EXPECT_EQ(all.reader->bad_records()[0].line, 2u);
}

TEST(ReaderErrorsTest, JsonDepthLimitIsAnOption) {
  const std::string path = WriteTemp("d.jsonl", Nested(1000) + "\n" + Nested(3) + "\n");
  ReadOptions options;
  auto def = ReadFile(path, options);
  EXPECT_THAT(def.status.message(), HasSubstr("d.jsonl:1: JSON nested deeper than 512 levels"));
  options.max_json_depth = 2;
  auto low = ReadFile(path, options);
  EXPECT_THAT(low.status.message(), HasSubstr("d.jsonl:1: JSON nested deeper than 2 levels"));
  options.max_json_depth = kMaxJsonDepthLimit;
  auto high = ReadFile(path, options);
  ASSERT_TRUE(high.status.ok()) << high.status.ToString();
  EXPECT_EQ(high.records.size(), 2u);
  // The deepest a limit may be set still parses (the walk fits the stack).
  const std::string deepest = WriteTemp("e.jsonl", Nested(kMaxJsonDepthLimit - 1) + "\n");
  EXPECT_TRUE(ReadFile(deepest, options).status.ok());
  for (size_t bad : {size_t{0}, kMaxJsonDepthLimit + 1}) {
    options.max_json_depth = bad;
    auto r = RecordReader::Open(Env::Default(), path, options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("max JSON depth: expected 1 to 1024"));
  }
}

}  // namespace
}  // namespace custody::format
