#include "custody/base/output_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace custody {
namespace {

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_output_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0700);
    Env::Default()->RemoveTree(dir_).IgnoreError();
  }
  Status Write(const std::string& path, std::string_view data, bool overwrite = false) {
    OutputOptions o;
    o.overwrite = overwrite;
    CUSTODY_ASSIGN_OR_RETURN(auto out, OutputFile::Create(env_, path, o));
    CUSTODY_RETURN_IF_ERROR(out->file()->Append(data));
    return out->Commit();
  }
  std::vector<std::string> Children() { return *env_->GetChildren(dir_); }

  Env* env_ = Env::Default();
  std::string dir_;
};

TEST_F(OutputFileTest, WritesWholeFileWithMode0600) {
  const std::string p = dir_ + "/out.jsonl";
  ::umask(0);  // the mode is the file's own, not the umask's leftover
  Status s = Write(p, "{\"a\":1}\n");
  ::umask(022);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*env_->ReadFileToString(p), "{\"a\":1}\n");
  EXPECT_EQ(env_->GetFileInfo(p, false)->mode, 0600u);
  EXPECT_EQ(Children(), std::vector<std::string>{"out.jsonl"});
}

TEST_F(OutputFileTest, NothingAppearsUntilCommitAndNothingStaysWithout) {
  const std::string p = dir_ + "/out.jsonl";
  {
    auto out = OutputFile::Create(env_, p, {});
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->file()->Append("partial").ok());
    EXPECT_FALSE(env_->FileExists(p));
    EXPECT_TRUE(env_->FileExists((*out)->temp_path()));
    EXPECT_EQ(env_->GetFileInfo((*out)->temp_path(), false)->mode, 0600u);
  }
  EXPECT_TRUE(Children().empty());
}

TEST_F(OutputFileTest, RefusesSymlinkDestination) {
  const std::string target = dir_ + "/elsewhere";
  ASSERT_TRUE(env_->WriteFileAtomically(target, "keep").ok());
  const std::string link = dir_ + "/out.jsonl";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  for (bool overwrite : {false, true}) {
    Status s = Write(link, "plaintext", overwrite);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    EXPECT_NE(s.message().find("symbolic link"), std::string::npos) << s.message();
  }
  EXPECT_EQ(*env_->ReadFileToString(target), "keep");
  EXPECT_EQ(env_->GetFileInfo(link, false)->kind, FileKind::kSymlink);
  // A dangling link is refused too: following it would create its target.
  const std::string dangling = dir_ + "/d.jsonl";
  ASSERT_EQ(::symlink((dir_ + "/created").c_str(), dangling.c_str()), 0);
  EXPECT_EQ(Write(dangling, "plaintext", true).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(env_->FileExists(dir_ + "/created"));
}

TEST_F(OutputFileTest, SymlinkPlantedWhileWritingIsRefused) {
  const std::string p = dir_ + "/out.jsonl";
  const std::string target = dir_ + "/elsewhere";
  auto out = OutputFile::Create(env_, p, {});
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->file()->Append("plaintext").ok());
  ASSERT_EQ(::symlink(target.c_str(), p.c_str()), 0);
  EXPECT_EQ((*out)->Commit().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(env_->FileExists(target));
}

TEST_F(OutputFileTest, OverwriteOnlyWhenAllowed) {
  const std::string p = dir_ + "/out.jsonl";
  ASSERT_TRUE(env_->WriteFileAtomically(p, "old", 0644).ok());
  Status s = Write(p, "new");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "out: " + p + " already exists; not overwriting it");
  EXPECT_EQ(*env_->ReadFileToString(p), "old");
  ASSERT_TRUE(Write(p, "new", true).ok());
  EXPECT_EQ(*env_->ReadFileToString(p), "new");
  EXPECT_EQ(env_->GetFileInfo(p, false)->mode, 0600u);
  EXPECT_EQ(Children().size(), 1u);
}

TEST_F(OutputFileTest, FileAppearingWhileWritingIsNotClobbered) {
  const std::string p = dir_ + "/out.jsonl";
  auto out = OutputFile::Create(env_, p, {});
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(env_->WriteFileAtomically(p, "theirs").ok());
  EXPECT_EQ((*out)->Commit().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*env_->ReadFileToString(p), "theirs");
}

TEST_F(OutputFileTest, RefusesDirectory) {
  EXPECT_EQ(Write(dir_, "x", true).code(), StatusCode::kFailedPrecondition);
}

// The directory's errors come from Create, before any output is produced.
TEST_F(OutputFileTest, UnwritableDirectoryFailsAtCreate) {
  auto missing = OutputFile::Create(env_, dir_ + "/no/such/dir/out.jsonl", {});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message().rfind("out: cannot write " + dir_ + "/no/such/dir/out.jsonl", 0),
            0u)
      << missing.status().message();
  EXPECT_EQ(missing.status().message().find(".tmp-"), std::string::npos);
}

TEST_F(OutputFileTest, ReadOnlyDirectoryFailsAtCreate) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes to a 0500 directory";
  ASSERT_EQ(::chmod(dir_.c_str(), 0500), 0);
  auto denied = OutputFile::Create(env_, dir_ + "/out.jsonl", {});
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(OutputFileTest, RemovesStaleTempFilesOfTheDirectory) {
  const std::string stale = dir_ + "/.old.jsonl.tmp-a1b2c3d4e5f6";
  ASSERT_TRUE(env_->WriteFileAtomically(stale, "plaintext of a killed export").ok());
  auto live = OutputFile::Create(env_, dir_ + "/busy.jsonl", {});  // a writer still at work
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(Write(dir_ + "/out.jsonl", "x").ok());
  EXPECT_FALSE(env_->FileExists(stale));
  EXPECT_TRUE(env_->FileExists((*live)->temp_path()));
}

}  // namespace
}  // namespace custody
