// `custody match` memory is bounded by its batch, not by the dump: a 1.2 KB
// zstd file of 50 million short lines (a "zip bomb" of records) is matched
// in well under 200 MB peak resident memory, with the human summary and
// with --json (every result streamed out, none kept). Peak memory is the
// kernel's count for the waited-for child (getrusage RUSAGE_CHILDREN), not
// a timing. Labelled `slow` (about a minute per run): `make test-slow`.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zstd.h>

#include <cstdio>
#include <string>

#include "tests/integration/vault/cli_fixture.h"

namespace {

constexpr uint64_t kLines = 50'000'000;
constexpr long kLimitKb = 200 * 1024;

// Writes kLines lines "0".."96" as one zstd frame, streaming.
void WriteTinyLines(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19);
  std::string chunk, out(ZSTD_CStreamOutSize(), '\0');
  auto push = [&](ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    size_t left = 0;
    do {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      left = ZSTD_compressStream2(cctx, &o, &in, mode);
      ASSERT_FALSE(ZSTD_isError(left)) << ZSTD_getErrorName(left);
      std::fwrite(out.data(), 1, o.pos, f);
    } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
    chunk.clear();
  };
  for (uint64_t i = 0; i < kLines; ++i) {
    chunk += std::to_string(i % 97);
    chunk += '\n';
    if (chunk.size() >= (1 << 20)) push(ZSTD_e_continue);
  }
  push(ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  std::fclose(f);
}

long PeakChildKb() {
  struct rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_maxrss;  // KiB on Linux: the largest waited-for descendant
}

using MatchMemory = custody::testing::CliTest;

TEST_F(MatchMemory, FiftyMillionTinyLinesStayUnder200MB) {
  ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
  ASSERT_EQ(Exec("generate --records 500 --seed 5 --out " + root_ + "/c.jsonl").code, 0);
  ASSERT_EQ(Exec("ingest --dataset prompts " + root_ + "/c.jsonl").code, 0) << Stderr();
  const std::string dump = root_ + "/tiny.txt.zst";
  ASSERT_NO_FATAL_FAILURE(WriteTinyLines(dump));
  const long before = PeakChildKb();
  ASSERT_LT(before, kLimitKb);  // the set-up commands themselves

  auto human = Exec("match " + dump + " --threads 2");
  ASSERT_EQ(human.code, 0) << Stderr();
  EXPECT_NE(human.out.find("50,000,000 dump records"), std::string::npos) << human.out.substr(0, 400);
  const long after_human = PeakChildKb();
  EXPECT_LT(after_human, kLimitKb) << "peak " << after_human << " KiB";

  // --json: 50M results streamed to a file the test never reads whole.
  auto json = Exec("--json match " + dump + " --threads 2 > " + root_ + "/out.json");
  ASSERT_EQ(json.code, 0) << Stderr();
  const long after_json = PeakChildKb();
  EXPECT_LT(after_json, kLimitKb) << "peak " << after_json << " KiB";
  std::FILE* f = std::fopen((root_ + "/out.json").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  char head[64] = {};
  ASSERT_GT(std::fread(head, 1, sizeof(head) - 1, f), 0u);
  std::fclose(f);
  EXPECT_EQ(head[0], '{');
  std::printf("peak resident memory: match %ld KiB, match --json %ld KiB (limit %ld KiB)\n",
              after_human, after_json, kLimitKb);
}

}  // namespace
