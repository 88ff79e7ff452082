// Ingest tests on the real gsm8k training set (../shared; skipped when absent).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "custody/core/ingest/ingest.h"
#include "custody/core/vault/temp_vault.h"
#include "custody/core/vault/records.h"
#include "custody/format/reader.h"

namespace custody::core {
namespace {

class IngestSharedTest : public testing::TempVaultTest {
 protected:
  Result<IngestResult> Run(const std::string& dataset, std::vector<std::string> files) {
    IngestOptions o;
    o.dataset = dataset;
    o.files = std::move(files);
    return Ingest(*custody_, o);
  }
};

// Round trip of the real gsm8k training set: every record comes back
// byte-identical to its canonical form.
TEST_F(IngestSharedTest, Gsm8kRoundTrip) {
  std::string path = std::string(CUSTODY_SOURCE_DIR) + "/../shared/data/gsm8k-train.jsonl";
  if (!Env::Default()->FileExists(path)) GTEST_SKIP() << "../shared/data/gsm8k-train.jsonl is absent";
  auto r = Run("gsm8k", {path});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records + r->duplicates, 7473u);
  std::string out = root_ + "/export.jsonl";
  auto ex = ExportDataset(*custody_, "gsm8k", 0, out, format::OutputFormat::kJsonl);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  auto src = *format::RecordReader::Open(Env::Default(), path);
  auto back = *format::RecordReader::Open(Env::Default(), out);
  format::Record a, b;
  std::set<std::string> seen;
  uint64_t n = 0;
  while (*src->Next(&a)) {
    if (!seen.insert(a.canonical).second) continue;  // exact duplicates are stored once
    ASSERT_TRUE(*back->Next(&b));
    ASSERT_EQ(a.canonical, b.canonical) << "record " << n;
    ++n;
  }
  EXPECT_FALSE(*back->Next(&b));
  EXPECT_EQ(n, r->records);
}

}  // namespace
}  // namespace custody::core
