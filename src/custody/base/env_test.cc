#include "custody/base/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/base/fault_injection_env.h"

namespace custody {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_env_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { Env::Default()->RemoveTree(dir_).IgnoreError(); }
  std::string dir_;
};

TEST_F(EnvTest, WriteReadAtomic) {
  Env* env = Env::Default();
  std::string p = JoinPath(dir_, "a/b/c.txt");
  ASSERT_TRUE(env->CreateDirs(DirName(p)).ok());
  ASSERT_TRUE(env->WriteFileAtomically(p, "hello").ok());
  EXPECT_EQ(*env->ReadFileToString(p), "hello");
  ASSERT_TRUE(env->WriteFileAtomically(p, "world!").ok());
  EXPECT_EQ(*env->ReadFileToString(p), "world!");
  auto kids = env->GetChildren(DirName(p));
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 1u);  // no temporary file left behind
  EXPECT_EQ(env->ReadFileToString(JoinPath(dir_, "missing")).status().code(),
            StatusCode::kNotFound);
}

TEST_F(EnvTest, ExclusiveFileRefusesAnythingAlreadyThere) {
  Env* env = Env::Default();
  const std::string target = JoinPath(dir_, "target");
  ASSERT_TRUE(env->WriteFileAtomically(target, "original").ok());
  const std::string link = JoinPath(dir_, "link");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_EQ(env->NewExclusiveFile(link, 0600).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(env->NewExclusiveFile(target, 0600).status().code(), StatusCode::kAlreadyExists);
  const std::string dangling = JoinPath(dir_, "dangling");
  ASSERT_EQ(::symlink(JoinPath(dir_, "nowhere").c_str(), dangling.c_str()), 0);
  EXPECT_EQ(env->NewExclusiveFile(dangling, 0600).status().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(env->FileExists(JoinPath(dir_, "nowhere")));
  EXPECT_EQ(*env->ReadFileToString(target), "original");

  const std::string fresh = JoinPath(dir_, "fresh");
  auto f = env->NewExclusiveFile(fresh, 0600);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append("x").ok());
  ASSERT_TRUE((*f)->Close().ok());
  auto info = env->GetFileInfo(fresh, false);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, FileKind::kRegular);
  EXPECT_EQ(info->mode, 0600u);
  EXPECT_EQ(env->GetFileInfo(link, false)->kind, FileKind::kSymlink);
  EXPECT_EQ(env->GetFileInfo(link, true)->kind, FileKind::kRegular);
  EXPECT_EQ(env->GetFileInfo(dir_, false)->kind, FileKind::kDirectory);
  EXPECT_EQ(env->GetFileInfo(JoinPath(dir_, "missing"), false).status().code(),
            StatusCode::kNotFound);
}

TEST_F(EnvTest, RenameNoReplaceNeverClobbers) {
  Env* env = Env::Default();
  const std::string a = JoinPath(dir_, "a"), b = JoinPath(dir_, "b"), c = JoinPath(dir_, "c");
  ASSERT_TRUE(env->WriteFileAtomically(a, "A").ok());
  ASSERT_TRUE(env->WriteFileAtomically(b, "B").ok());
  EXPECT_EQ(env->RenameNoReplace(a, b).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*env->ReadFileToString(b), "B");
  ASSERT_EQ(::symlink(JoinPath(dir_, "nowhere").c_str(), c.c_str()), 0);
  EXPECT_EQ(env->RenameNoReplace(a, c).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(env->RenameNoReplace(a, JoinPath(dir_, "d")).ok());
  EXPECT_FALSE(env->FileExists(a));
  EXPECT_EQ(*env->ReadFileToString(JoinPath(dir_, "d")), "A");
}

TEST_F(EnvTest, TempSiblingNames) {
  const std::string t1 = TempSiblingPath("dir/out.jsonl");
  const std::string t2 = TempSiblingPath("dir/out.jsonl");
  EXPECT_NE(t1, t2);
  EXPECT_EQ(DirName(t1), "dir");
  EXPECT_EQ(BaseName(t1).rfind(".out.jsonl.tmp-", 0), 0u) << t1;
  EXPECT_TRUE(IsTempSiblingName(BaseName(t1)));
  EXPECT_FALSE(IsTempSiblingName("out.jsonl"));
  EXPECT_FALSE(IsTempSiblingName(".out.jsonl.tmp-"));
  EXPECT_FALSE(IsTempSiblingName(".out.jsonl.tmp-0123456789aZ"));
  EXPECT_FALSE(IsTempSiblingName("out.jsonl.tmp-0123456789ab"));
  EXPECT_TRUE(IsTempSiblingName(".out.jsonl.tmp-0123456789ab"));
}

// A temporary file whose writer died is removed; one being written is not.
TEST_F(EnvTest, RemovesOnlyAbandonedTempFiles) {
  Env* env = Env::Default();
  const std::string stale = JoinPath(dir_, ".x.tmp-0123456789ab");
  ASSERT_TRUE(env->WriteFileAtomically(stale, "left by a killed write").ok());
  const std::string live_path = TempSiblingPath(JoinPath(dir_, "y"));
  auto live = env->NewExclusiveFile(live_path, 0600);
  ASSERT_TRUE(live.ok());
  const std::string other = JoinPath(dir_, "keep.tmp-0123456789ab");  // not ours: no leading dot
  ASSERT_TRUE(env->WriteFileAtomically(other, "x").ok());
  const std::string link = JoinPath(dir_, ".l.tmp-0123456789ab");
  ASSERT_EQ(::symlink(other.c_str(), link.c_str()), 0);

  auto removed = env->RemoveAbandonedTempFiles(dir_);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(env->FileExists(stale));
  EXPECT_TRUE(env->FileExists(live_path));
  EXPECT_TRUE(env->FileExists(other));
  EXPECT_TRUE(env->GetFileInfo(link, false).ok());
  ASSERT_TRUE((*live)->Close().ok());
  EXPECT_EQ(*env->RemoveAbandonedTempFiles(dir_), 1);  // closed: its writer is done with it
  EXPECT_FALSE(env->FileExists(live_path));
}

TEST_F(EnvTest, WriteFileAtomicallyKeepsModeAndLeavesNoTemp) {
  Env* env = Env::Default();
  const std::string p = JoinPath(dir_, "secret");
  ASSERT_TRUE(env->WriteFileAtomically(p, "k", 0600).ok());
  EXPECT_EQ(env->GetFileInfo(p, false)->mode, 0600u);
  EXPECT_EQ(env->GetChildren(dir_)->size(), 1u);
}

TEST_F(EnvTest, LockIsExclusive) {
  Env* env = Env::Default();
  auto l1 = env->LockFile(JoinPath(dir_, "LOCK"));
  ASSERT_TRUE(l1.ok());
  // flock locks are per open file description, so a second open conflicts.
  auto l2 = env->LockFile(JoinPath(dir_, "LOCK"));
  EXPECT_EQ(l2.status().code(), StatusCode::kUnavailable);
}

TEST_F(EnvTest, SharedLocksExcludeOnlyAnExclusiveOne) {
  Env* env = Env::Default();
  const std::string path = JoinPath(dir_, "LOCK");
  auto s1 = env->AcquireLock(path, LockMode::kShared, /*wait=*/false);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  auto s2 = env->AcquireLock(path, LockMode::kShared, /*wait=*/false);
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  EXPECT_EQ(env->AcquireLock(path, LockMode::kExclusive, false).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(env->LockFile(path).status().code(), StatusCode::kUnavailable);
  s1->reset();
  EXPECT_EQ(env->AcquireLock(path, LockMode::kExclusive, false).status().code(), StatusCode::kUnavailable);
  s2->reset();
  auto x = env->AcquireLock(path, LockMode::kExclusive, /*wait=*/true);  // free: returns at once
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(env->AcquireLock(path, LockMode::kShared, false).status().code(), StatusCode::kUnavailable);
  // The fault-injecting Env passes locks through.
  FaultInjectionEnv faulty(env);
  EXPECT_EQ(faulty.AcquireLock(path, LockMode::kShared, false).status().code(), StatusCode::kUnavailable);
}

TEST_F(EnvTest, FaultEnvShortWriteThenFails) {
  FaultInjectionEnv env(Env::Default());
  std::string p = JoinPath(dir_, "f");
  auto f = env.NewWritableFile(p);
  ASSERT_TRUE(f.ok());
  env.FailWritesAfter(3);
  EXPECT_FALSE((*f)->Append("abcdef").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(*Env::Default()->ReadFileToString(p), "abc");
}

TEST_F(EnvTest, FaultEnvCrashDropsUnsynced) {
  FaultInjectionEnv env(Env::Default());
  std::string p = JoinPath(dir_, "f");
  std::string q = JoinPath(dir_, "never_synced");
  {
    auto f = *env.NewWritableFile(p);
    ASSERT_TRUE(f->Append("durable").ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Append("-lost").ok());
    ASSERT_TRUE(f->Close().ok());
    auto g = *env.NewWritableFile(q);
    ASSERT_TRUE(g->Append("x").ok());
    ASSERT_TRUE(g->Close().ok());
  }
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_EQ(*Env::Default()->ReadFileToString(p), "durable");
  EXPECT_FALSE(Env::Default()->FileExists(q));
}

TEST_F(EnvTest, FaultEnvFailsSync) {
  FaultInjectionEnv env(Env::Default());
  auto f = *env.NewWritableFile(JoinPath(dir_, "s"));
  env.FailSyncAfter(2);
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_FALSE(f->Sync().ok());
}

}  // namespace
}  // namespace custody
