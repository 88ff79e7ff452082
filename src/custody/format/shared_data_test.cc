// Reads the real GSM8K training file from ../shared/data (label shared-data);
// skipped when the file is absent.
#include <gtest/gtest.h>

#include "custody/base/env.h"
#include "custody/format/reader.h"

namespace custody::format {
namespace {

TEST(SharedDataTest, ReadsGsm8kTrain) {
  const std::string path = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";
  if (!Env::Default()->FileExists(path)) GTEST_SKIP() << "no " << path;
  auto reader = RecordReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->format(), InputFormat::kJsonl);
  Record rec;
  uint64_t n = 0;
  while (true) {
    auto more = (*reader)->Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++n;
    ASSERT_EQ(rec.text_fields.size(), 2u);
    EXPECT_EQ(rec.text_fields[0].name, "answer");
    EXPECT_EQ(rec.text_fields[1].name, "question");
    EXPECT_EQ(rec.line, n);
  }
  EXPECT_EQ(n, 7473u);
  EXPECT_EQ((*reader)->skipped(), 0u);
}

}  // namespace
}  // namespace custody::format
