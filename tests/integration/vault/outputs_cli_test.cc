// Plaintext outputs and the master key through the `custody` binary: export
// is logged, written 0600, never through a symbolic link, never over a file
// without --force; an unwritable --out logs nothing; a killed export's
// temporary file is removed by the next write to that directory; a master
// key file others may read is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"
#include "tests/integration/vault/cli_fixture.h"

namespace {

using custody::Env;
using custody::testing::CmdResult;

class OutputsCliTest : public custody::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_EQ(Exec("init " + vault_).code, 0) << Stderr();
    ASSERT_EQ(Exec("generate --records 30 --seed 7 --out " + root_ + "/c.jsonl").code, 0) << Stderr();
    ASSERT_EQ(Exec("ingest --dataset prompts " + root_ + "/c.jsonl").code, 0) << Stderr();
  }
  uint64_t LogSize() { return Json("log status")["size"].get<uint64_t>(); }
  unsigned Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
};

TEST_F(OutputsCliTest, ExportIsLoggedAndWrittenWithMode0600) {
  const uint64_t before = LogSize();
  auto ex = Json("export --dataset prompts --out " + root_ + "/out.jsonl");
  EXPECT_EQ(ex["records"], 30);
  EXPECT_EQ(ex["log_index"], before);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(Mode(root_ + "/out.jsonl"), 0600u);
  auto shown = Exec("--json log show");
  ASSERT_EQ(shown.code, 0) << Stderr();
  // The last JSON line is the export event.
  std::string last = shown.out.substr(shown.out.rfind("{\"entry\""));
  auto entry = nlohmann::json::parse(last)["entry"];
  EXPECT_EQ(entry["type"], "export");
  EXPECT_EQ(entry["subject"], "dataset:prompts@v1");
  EXPECT_EQ(entry["details"]["records"], 30);
  EXPECT_EQ(entry["details"]["out"], root_ + "/out.jsonl");
  EXPECT_TRUE(entry["hashes"].contains("records_root"));
}

TEST_F(OutputsCliTest, ExportRefusesToOverwriteWithoutForce) {
  const std::string out = root_ + "/out.jsonl";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(out, "keep me\n").ok());
  const uint64_t before = LogSize();
  CmdResult r = Exec("export --dataset prompts --out " + out);
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(Stderr(), "custody: --out: " + out +
                          " already exists; not overwriting it (--force replaces it)\n");
  EXPECT_EQ(*Env::Default()->ReadFileToString(out), "keep me\n");
  EXPECT_EQ(LogSize(), before);
  auto ex = Json("export --dataset prompts --out " + out + " --force");
  EXPECT_EQ(ex["records"], 30);
  EXPECT_NE(*Env::Default()->ReadFileToString(out), "keep me\n");
  EXPECT_EQ(Mode(out), 0600u);
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(OutputsCliTest, ExportRefusesASymlinkEvenWithForce) {
  const std::string target = root_ + "/elsewhere.jsonl";
  const std::string link = root_ + "/out.jsonl";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  const uint64_t before = LogSize();
  for (const char* force : {"", " --force"}) {
    CmdResult r = Exec("export --dataset prompts --out " + link + force);
    EXPECT_EQ(r.code, 5) << force;
    EXPECT_NE(Stderr().find("is a symbolic link; refusing to write through it"), std::string::npos)
        << Stderr();
  }
  EXPECT_FALSE(Env::Default()->FileExists(target));
  EXPECT_EQ(LogSize(), before);
}

TEST_F(OutputsCliTest, UnwritableOutLeavesNoLogEntry) {
  const uint64_t before = LogSize();
  CmdResult r = Exec("export --dataset prompts --out " + root_ + "/missing/out.jsonl");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(Stderr().find("--out: cannot write " + root_ + "/missing/out.jsonl"), std::string::npos)
      << Stderr();
  EXPECT_EQ(LogSize(), before);
}

TEST_F(OutputsCliTest, ReadOnlyOutDirectoryLeavesNoLogEntry) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes to a 0500 directory";
  const uint64_t before = LogSize();
  ASSERT_EQ(::mkdir((root_ + "/ro").c_str(), 0500), 0);
  CmdResult r = Exec("export --dataset prompts --out " + root_ + "/ro/out.jsonl");
  EXPECT_EQ(r.code, 7);
  EXPECT_EQ(LogSize(), before);
}

// A temporary file left by a killed export (no process holds it) is removed
// by the next write to that directory.
TEST_F(OutputsCliTest, StaleTempFileIsRemovedByTheNextWrite) {
  const std::string stale = root_ + "/.out.jsonl.tmp-0123456789ab";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(stale, "plaintext of a killed export", 0600).ok());
  Json("export --dataset prompts --out " + root_ + "/other.jsonl");
  EXPECT_FALSE(Env::Default()->FileExists(stale));
}

TEST_F(OutputsCliTest, MasterKeyReadableByOthersIsRefused) {
  ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
  CmdResult r = Exec("show 1");
  EXPECT_EQ(r.code, 7);
  EXPECT_EQ(Stderr(), "custody: master key file " + key_ +
                          " has mode 0644: group or others may access it; run `chmod 600 " + key_ +
                          "`\n");
  ASSERT_EQ(::chmod(key_.c_str(), 0600), 0);
  EXPECT_EQ(Exec("show 1").code, 0) << Stderr();
}

}  // namespace
