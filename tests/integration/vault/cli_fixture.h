// A test fixture that runs the `custody` binary (CUSTODY_BIN) against a
// temporary vault and key file.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "custody/base/env.h"

namespace custody::testing {

struct CmdResult {
  int code = -1;
  std::string out;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_cli_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    vault_ = root_ + "/vault";
    key_ = root_ + "/master.key";
  }
  void TearDown() override { custody::Env::Default()->RemoveTree(root_).IgnoreError(); }

  std::string Cmd(const std::string& args) const {
    return std::string(CUSTODY_BIN) + " --vault " + vault_ + " --key-file " + key_ + " " + args;
  }
  CmdResult Exec(const std::string& args) const {
    CmdResult r;
    std::string cmd = Cmd(args) + " 2>" + root_ + "/stderr";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
  }
  std::string Stderr() const { return *custody::Env::Default()->ReadFileToString(root_ + "/stderr"); }
  nlohmann::json Json(const std::string& args) const {
    CmdResult r = Exec("--json " + args);
    EXPECT_EQ(r.code, 0) << args << ": " << Stderr();
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  std::string root_, vault_, key_;
};

}  // namespace custody::testing
