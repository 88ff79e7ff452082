#include "custody/core/match/record_texts.h"

#include <gtest/gtest.h>

#include <fstream>

#include "custody/core/ingest/ingest.h"
#include "custody/core/match/dump_scan.h"
#include "custody/core/vault/temp_vault.h"

namespace custody::core {
namespace {

class RecordTextsTest : public testing::TempVaultTest {
 protected:
  Result<IngestResult> IngestLines(const std::string& text, std::vector<std::string> fields) {
    std::string p = root_ + "/src.jsonl";
    std::ofstream(p, std::ios::binary) << text;
    IngestOptions o;
    o.dataset = "qa";
    o.files = {p};
    o.fields = std::move(fields);
    return Ingest(*custody_, o);
  }
};

const char kRecords[] =
    "{\"question\":\"Tom has 12 apples and gives 5 of them to his sister Mary. How many apples "
    "does Tom have left?\",\"answer\":\"Tom has 12-5=<<12-5=7>>7 apples left. #### 7\",\"n\":1}\n"
    "{\"question\":\"Ann has 30 pears and gives 7 of them to her brother Joe. How many pears does "
    "Ann have left?\",\"answer\":\"Ann has 30-7=<<30-7=23>>23 pears left. #### 23\",\"n\":2}\n";

TEST_F(RecordTextsTest, ServesTheIndexedFieldsAndCachesSegments) {
  auto r = IngestLines(kRecords, {"question"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  VaultRecordTexts texts(*custody_, 2);
  std::vector<std::string> f;
  Status s = texts.TextFields(r->first_record_id + 1, &f);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(f.size(), 1u);  // only the indexed field
  EXPECT_EQ(f[0].substr(0, 13), "Ann has 30 pe");
  ASSERT_TRUE(texts.TextFields(r->first_record_id, &f).ok());
  EXPECT_EQ(texts.segment_reads(), 1u);  // one segment, decrypted once
  EXPECT_TRUE(texts.first_error().ok());

  EXPECT_FALSE(texts.TextFields(r->first_record_id + 1000, &f).ok());
  EXPECT_FALSE(texts.first_error().ok());
}

TEST_F(RecordTextsTest, VaultMatcherVerifiesAgainstTheRecordText) {
  auto r = IngestLines(kRecords, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto vm = VaultMatcher::Open(*custody_);
  ASSERT_TRUE(vm.ok()) << vm.status().ToString();
  // The question field alone, lightly edited.
  std::string_view dump[] = {
      "Ann has 30 pears and gives 7 of them to her brother Joe. How many pears does Ann have "
      "left today?"};
  auto m = (*vm)->matcher().Match(dump);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->record_id, r->first_record_id + 1);
  auto c = (*vm)->matcher().Candidates(dump, 4);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].record_id, r->first_record_id + 1);
  EXPECT_TRUE((*vm)->texts().first_error().ok());
}

}  // namespace
}  // namespace custody::core
