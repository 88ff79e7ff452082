#include "custody/base/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

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

TEST_F(EnvTest, LockIsExclusive) {
  Env* env = Env::Default();
  auto l1 = env->LockFile(JoinPath(dir_, "LOCK"));
  ASSERT_TRUE(l1.ok());
  // flock locks are per open file description, so a second open conflicts.
  auto l2 = env->LockFile(JoinPath(dir_, "LOCK"));
  EXPECT_EQ(l2.status().code(), StatusCode::kUnavailable);
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
